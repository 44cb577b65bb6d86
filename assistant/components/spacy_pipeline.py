"""Builds the spaCy pipeline that finds relationship, deposit term and account type phrases.

No Chinese spaCy model can be downloaded here, so the pipeline is a blank "zh" one with the jieba
segmenter plus an EntityRuler filled from nlu_data/entity_patterns.jsonl. It is written with
nlp.to_disk into a git-ignored folder; scripts/train.sh rebuilds it when the patterns change, and the
PhraseEntityExtractor component copies it into the trained model so the running server never needs
the folder.

    python -m assistant.components.spacy_pipeline --patterns nlu_data/entity_patterns.jsonl --out var/spacy/anxin_zh
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

import jieba
import spacy
from spacy.language import Language

# Written next to the pipeline so train.sh can tell whether the patterns changed since the last build.
FINGERPRINT_FILE = "patterns.sha256"
LABELS = ("relationship", "deposit_term", "account_type")


def read_patterns(path: Path) -> list[dict[str, Any]]:
    """Reads and checks the JSONL patterns; a bad line fails loudly instead of silently matching nothing."""
    patterns: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = json.loads(line)
        if item.get("label") not in LABELS or not isinstance(item.get("pattern"), str | list):
            raise ValueError(f"{path}:{number}: expected a label in {LABELS} and a pattern, got {item}")
        patterns.append(item)
    return patterns


def register_phrases_with_jieba(patterns: list[dict[str, Any]]) -> None:
    """Makes every phrase one jieba word, so the phrase matcher sees it as a whole token.

    Phrase patterns match token sequences; if jieba glued a phrase to its neighbour ("给闺女") it would
    never match. The same call runs when the model is loaded, so building and serving segment alike.
    """
    for item in patterns:
        if isinstance(item["pattern"], str):
            jieba.add_word(item["pattern"], freq=20000)


def build(patterns_path: Path, out_dir: Path) -> Language:
    patterns = read_patterns(patterns_path)
    register_phrases_with_jieba(patterns)
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH", "overwrite_ents": True})
    ruler.add_patterns(patterns)
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out_dir)
    (out_dir / FINGERPRINT_FILE).write_text(fingerprint(patterns_path) + "\n", encoding="utf-8")
    return nlp


def fingerprint(patterns_path: Path) -> str:
    return hashlib.sha256(patterns_path.read_bytes()).hexdigest()


def is_current(patterns_path: Path, out_dir: Path) -> bool:
    stamp = out_dir / FINGERPRINT_FILE
    return stamp.exists() and stamp.read_text(encoding="utf-8").strip() == fingerprint(patterns_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patterns", type=Path, default=Path("nlu_data/entity_patterns.jsonl"))
    parser.add_argument("--out", type=Path, default=Path("var/spacy/anxin_zh"))
    parser.add_argument("--if-changed", action="store_true", help="do nothing when the build is current")
    args = parser.parse_args(argv)
    if args.if_changed and is_current(args.patterns, args.out):
        print(f"spaCy pipeline {args.out} is up to date")
        return 0
    nlp = build(args.patterns, args.out)
    ruler = nlp.get_pipe("entity_ruler")
    print(f"spaCy pipeline with {len(ruler.patterns)} patterns written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
