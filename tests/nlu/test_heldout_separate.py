"""The held-out NLU test set stays apart from the training data and covers every intent.

Runs in .venv (python3.11) with only PyYAML and the standard library.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
NLU_DATA = ROOT / "nlu_data"
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"

INTENTS = {
    "greet", "goodbye", "affirm", "deny", "thank", "check_balance", "transfer_money", "inform",
    "savings_products", "open_time_deposit", "recent_transactions", "repeat", "slower",
    "human_handoff", "cancel", "help", "bot_challenge", "out_of_scope", "report_scam_instruction",
    "withdraw_deposit_early", "set_maturity_choice", "ask_pension_arrival", "multi_request", "pay_bill",
    "revoke_transfer",
}
ENTITY_MARKUP = re.compile(r"\[[^\]]+\]\s*[({]")


def normalize(text: str) -> str:
    """Compare sentences without punctuation, spaces, width or case differences."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def examples(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for block in data.get("nlu") or []:
        if "intent" not in block:
            continue
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                out.append((block["intent"], line[2:].strip()))
    return out


def training_examples() -> list[tuple[str, str]]:
    out = []
    for path in sorted(NLU_DATA.glob("*.yml")):
        out.extend(examples(path))
    return out


@pytest.fixture(scope="module")
def heldout() -> list[tuple[str, str]]:
    return examples(HELDOUT)


@pytest.fixture(scope="module")
def training() -> list[tuple[str, str]]:
    return training_examples()


def test_heldout_is_big_enough(heldout):
    assert len(heldout) >= 300


def test_every_intent_is_in_the_heldout_set(heldout):
    assert {intent for intent, _ in heldout} == INTENTS


def test_heldout_has_enough_out_of_scope(heldout):
    assert sum(1 for intent, _ in heldout if intent == "out_of_scope") >= 60


def test_no_heldout_sentence_is_a_training_example(heldout, training):
    trained = {normalize(text) for _, text in training}
    overlap = sorted({text for _, text in heldout if normalize(text) in trained})
    assert not overlap, f"held-out sentences also in nlu_data/: {overlap}"


def test_heldout_has_no_duplicates(heldout):
    counts = Counter(normalize(text) for _, text in heldout)
    assert [t for t, n in counts.items() if n > 1] == []


def test_training_data_has_only_the_known_intents(training):
    assert {intent for intent, _ in training} == INTENTS


def test_no_training_sentence_has_two_intents(training):
    labels: dict[str, set[str]] = {}
    for intent, text in training:
        labels.setdefault(normalize(text), set()).add(intent)
    clashes = {t: sorted(i) for t, i in labels.items() if len(i) > 1}
    assert not clashes, clashes


def test_training_examples_carry_no_entity_markup(training):
    # Entities come from rule-based extractors (EntityRuler patterns, money.parse_amount).
    assert [t for _, t in training if ENTITY_MARKUP.search(t)] == []


# --- dictionaries and entity patterns -------------------------------------------------------------

PATTERNS = NLU_DATA / "entity_patterns.jsonl"
USERDICT = NLU_DATA / "jieba" / "userdict.txt"
CANONICAL_IDS = {
    "relationship": {"儿子", "女儿", "老伴", "孙子", "孙女", "外孙", "外孙女", "儿媳", "女婿",
                     "哥哥", "姐姐", "弟弟", "妹妹"},
    "deposit_term": {"3", "6", "12", "24", "36", "60"},
    "account_type": {"demand", "pension", "time"},
}


def patterns() -> list[dict]:
    import json

    return [json.loads(line) for line in PATTERNS.read_text(encoding="utf-8").splitlines() if line.strip()]


def userdict() -> dict[str, int]:
    words = {}
    for line in USERDICT.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts:
            words[parts[0]] = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    return words


def test_entity_patterns_use_canonical_ids():
    bad = [p for p in patterns() if p.get("id") not in CANONICAL_IDS.get(p.get("label"), set())]
    assert bad == []


def test_entity_patterns_are_unique():
    counts = Counter(p["pattern"] for p in patterns())
    assert [p for p, n in counts.items() if n > 1] == []


def test_entity_patterns_cover_the_basic_phrases():
    by_pattern = {p["pattern"]: (p["label"], p["id"]) for p in patterns()}
    assert by_pattern["闺女"] == ("relationship", "女儿")
    assert by_pattern["老头子"] == ("relationship", "老伴")
    assert by_pattern["半年"] == ("deposit_term", "6")
    assert by_pattern["一年期"] == ("deposit_term", "12")
    assert by_pattern["工资卡"] == ("account_type", "demand")
    assert by_pattern["养老金"] == ("account_type", "pension")
    assert by_pattern["死期"] == ("account_type", "time")


def test_every_pattern_is_one_jieba_word_with_a_high_frequency():
    # The phrase extractor makes each pattern one jieba word (freq 20000) when it loads; with the same
    # words and frequency in the user dictionary, training and serving segment text alike.
    words = userdict()
    missing = [p["pattern"] for p in patterns() if words.get(p["pattern"], 0) < 20000]
    assert missing == []


def test_jieba_folder_holds_only_dictionaries():
    # JiebaTokenizer loads every file of the folder as a user dictionary.
    assert sorted(f.name for f in USERDICT.parent.iterdir()) == ["userdict.txt"]
