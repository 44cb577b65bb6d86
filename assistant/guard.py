"""What the NLU guard decides for one message: a fraud stop, an off-topic "transfer", or nothing.

Pure Python (no Rasa), so the decision is tested in either environment; the Rasa component in
assistant/components/fraud_guard.py only reads the message, calls `decide` and writes the answer back.

- Fraud: a `rules.fraud.screen` hit, or the intent classifier's own top intent `report_scam_instruction`,
  makes the intent `report_scam_instruction` (confidence 1.0) whatever else the classifier thought, so the
  stop rule runs in every state of the conversation (docs/contracts.md, Round 8).
- Banking signal: `transfer_money` stands only when the message names a payee or a relationship, holds an
  amount, or uses a word for sending money; "给《活着》这本书打五颗星" is out of scope, not a transfer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rules.fraud import GENERIC, screen
from rules.text import normalize

SCAM_INTENT = "report_scam_instruction"
TRANSFER_INTENT = "transfer_money"
OUT_OF_SCOPE_INTENT = "out_of_scope"
FALLBACK_INTENT = "nlu_fallback"
# Entities that make a message about money to someone (amount_issue: "几百块", "100美元" are still money talk).
BANKING_ENTITIES = frozenset({"payee_id", "relationship", "amount", "amount_issue"})
# Words for sending money, on normalised text. 转 alone is a transfer word except in the compounds where it
# means something else (转发 a message, 转告 a word, 转播 a match, 转人工 is its own intent anyway).
_TRANSFER_WORDS = re.compile(r"汇|打钱|打款|付钱|给钱|寄钱|钱|转(?!发|告|播|载|达|弯|身|动|移话题|过头|人工|圈|悠|晕|学|院|车|机|让)")


@dataclass(frozen=True)
class Decision:
    """What to do with the message's intent. `intent` None: leave it as it is."""

    intent: str | None = None
    family: str | None = None
    rule: str | None = None
    reason: str = ""


def classifier_top(ranking: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The classifier's own first choice: the FallbackClassifier's nlu_fallback placed above it does not count."""
    return next((r for r in ranking if r.get("name") != FALLBACK_INTENT), None)


# "帮我打给女儿", "给儿子打个电话": 打给 without money is a phone call, even though it names a relative.
_CALL = re.compile(r"打(?:个|一个)?(?:电话|视频|语音)?给|给.{0,8}打(?:个|一个|一)?(?:电话|视频|语音)|拨(?:个|一个)?(?:电话)?给")
_MONEY_WORDS = re.compile(r"钱|款|转|汇|元|块")


def is_phone_call(text: str, entity_names: set[str]) -> bool:
    norm = normalize(text)
    return bool(_CALL.search(norm)) and "amount" not in entity_names and not _MONEY_WORDS.search(norm)


# Near-banking requests Anxin cannot do, which look like a transfer or a deposit (issue 11): standing orders
# ("每个月自动给闺女转五百") and cash paid in at the counter or from elsewhere ("卖粮食的钱想存进卡里"). They go to the
# fallback that says what Anxin can do and offers a person, never into a money flow.
_NEAR_BANKING = re.compile(
    r"(?:每个?月|每周|每年|定时|定期(?=给|转|打)|自动)(?:.{0,8})(?:转|打钱|汇|扣)|定时转账|自动转账|代扣"
    r"|存(?:进|到|入)(?:我的?|俺的?)?(?:卡|账户|存折)(?:里|上)?|现金|零钱.{0,4}存|到哪儿?存|去哪儿?存|柜台")
MONEY_FLOW_INTENTS = ("transfer_money", "open_time_deposit")


def is_near_banking(text: str) -> bool:
    return bool(_NEAR_BANKING.search(normalize(text)))


def has_banking_signal(text: str, entity_names: set[str]) -> bool:
    if is_phone_call(text, entity_names):
        return False
    if entity_names & BANKING_ENTITIES:
        return True
    return bool(_TRANSFER_WORDS.search(normalize(text)))


def decide(text: str, intent: dict[str, Any] | None, ranking: list[dict[str, Any]],
           entities: list[dict[str, Any]], classifier_min_confidence: float = 0.0) -> Decision:
    """The decision for one message (text as typed, intent and ranking as the classifiers left them)."""
    if not text or text.startswith("/"):
        # Button payloads ("/transfer_money") are set by Rasa's RegexMessageHandler after this runs.
        return Decision()
    hit = screen(text)
    if hit is not None:
        return Decision(SCAM_INTENT, hit.family, hit.rule, "rules")
    top = classifier_top(ranking) or intent or {}
    if top.get("name") == SCAM_INTENT and float(top.get("confidence") or 0.0) >= classifier_min_confidence:
        return Decision(SCAM_INTENT, GENERIC, None, "classifier")
    name = (intent or {}).get("name")
    if name in MONEY_FLOW_INTENTS and is_near_banking(text):
        return Decision(OUT_OF_SCOPE_INTENT, reason="near_banking")
    if name == TRANSFER_INTENT:
        names = {str(e.get("entity")) for e in entities}
        if not has_banking_signal(text, names):
            return Decision(OUT_OF_SCOPE_INTENT, reason="no_banking_signal")
    return Decision()
