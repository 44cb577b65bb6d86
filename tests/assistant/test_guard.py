"""The NLU guard's decision (assistant/guard.py): fraud stop first, then the banking-signal guard.

Pure Python: runs in either environment. The Rasa component around it is tested in
tests/assistant/test_components.py (Rasa is there: .venv-rasa runs tests/assistant).
"""
from __future__ import annotations

import pytest

from assistant.guard import OUT_OF_SCOPE_INTENT, SCAM_INTENT, decide


def classified(name: str, confidence: float = 0.8, *others: tuple[str, float]) -> tuple[dict, list[dict]]:
    intent = {"name": name, "confidence": confidence}
    return intent, [intent, *({"name": n, "confidence": c} for n, c in others)]


def ent(name: str, value: str = "x") -> dict:
    return {"entity": name, "value": value, "start": 0, "end": 1}


@pytest.mark.parametrize(("text", "intent", "family"), [
    # opening messages the classifier got wrong (issue 9)
    ("银行的人打电话说我卡不安全，让我把钱挪到一个新账户里", "nlu_fallback", "customer_service"),
    ("电话里的民警叫我别跟孩子们讲，把钱交给他们保管", "affirm", "authority"),
    # at a 10-yuan read-back, whatever the classifier thought
    ("我老同学说他急着用钱，叫我先转两千给他侄子", "transfer_money", "relative"),
    ("我老同学说他急着用钱，叫我先转两千给他侄子", "inform", "relative"),
    # traditional characters and zero-width characters do not hide a rule
    ("警察說要把錢轉到安全賬戶", "check_balance", "authority"),
])
def test_a_rules_hit_is_a_scam_turn_whatever_the_classifier_said(text, intent, family):
    name, ranking = classified(intent)
    decision = decide(text, name, ranking, [])
    assert decision.intent == SCAM_INTENT
    assert decision.family == family
    assert decision.reason == "rules" and decision.rule


def test_the_classifiers_own_verdict_stops_with_the_generic_family():
    intent, ranking = classified("report_scam_instruction", 0.6, ("transfer_money", 0.3))
    decision = decide("那个人叫我去银行办点事，说办完了给我好处", intent, ranking, [])
    assert (decision.intent, decision.family, decision.reason) == (SCAM_INTENT, "generic", "classifier")


def test_the_classifiers_verdict_counts_under_the_fallback_too():
    # FallbackClassifier put nlu_fallback on top; the classifier's own first choice was the scam intent.
    ranking = [{"name": "nlu_fallback", "confidence": 0.65}, {"name": "report_scam_instruction", "confidence": 0.3},
               {"name": "transfer_money", "confidence": 0.28}]
    decision = decide("他叫我把存折上的都取出来给他", ranking[0], ranking, [])
    assert decision.intent == SCAM_INTENT


def test_a_minimum_confidence_can_be_configured():
    intent, ranking = classified("report_scam_instruction", 0.2, ("transfer_money", 0.19))
    assert decide("那个人叫我办点事", intent, ranking, [], classifier_min_confidence=0.3).intent is None
    assert decide("那个人叫我办点事", intent, ranking, [], classifier_min_confidence=0.1).intent == SCAM_INTENT


@pytest.mark.parametrize(("text", "entities"), [
    ("给儿子转500块，他急用", [ent("relationship", "儿子"), ent("amount", "500.00")]),
    ("给孙子转两千交学费", [ent("relationship", "孙子"), ent("amount", "2000.00")]),
    ("女儿生日，给她转一千", [ent("relationship", "女儿"), ent("amount", "1000.00")]),
    ("给老伴转三百买药", [ent("relationship", "老伴"), ent("amount", "300.00")]),
    ("给外孙发个两百的红包", [ent("relationship", "外孙"), ent("amount", "200.00")]),
    ("儿子让我给他转五百", [ent("relationship", "儿子"), ent("amount", "500.00")]),
    ("转账", []),
    ("我要汇款", []),
    ("给王小明打点钱", []),
    ("轉賬給兒子", []),
])
def test_ordinary_transfers_with_scam_words_stand(text, entities):
    intent, ranking = classified("transfer_money")
    assert decide(text, intent, ranking, entities).intent is None


@pytest.mark.parametrize("text", [
    "给《活着》这本书打五颗星", "给这家饭店打个好评", "给我设置明天早上七点的闹钟", "给我转发一下今天的新闻",
    "帮我给张医生挂个号",
])
def test_a_transfer_without_any_banking_signal_is_out_of_scope(text):
    intent, ranking = classified("transfer_money")
    decision = decide(text, intent, ranking, [])
    assert decision.intent == OUT_OF_SCOPE_INTENT and decision.reason == "no_banking_signal"


def test_the_guard_leaves_other_intents_alone():
    intent, ranking = classified("check_balance")
    assert decide("查一下余额", intent, ranking, []).intent is None
    intent, ranking = classified("out_of_scope")
    assert decide("给《活着》这本书打五颗星", intent, ranking, []).intent is None


@pytest.mark.parametrize("text", ["/transfer_money", '/inform{"payee_id": "11"}', ""])
def test_button_payloads_are_left_to_rasa(text):
    intent, ranking = classified("transfer_money")
    assert decide(text, intent, ranking, []).intent is None
