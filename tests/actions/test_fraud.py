"""The fraud stop in every state of the conversation, against the fake backend (issue 9).

The NLU guard (assistant/guard.py, tested in tests/assistant/test_guard.py) makes a scam story the intent
report_scam_instruction with a fraud_family entity; here the tracker fixtures start from that message.
"""
from __future__ import annotations

import pytest

from actions.fraud import ActionFraudStop
from actions.transfer import (
    ActionAskTransferConfirmed,
    ActionTransferStart,
    ActionTransferSubmit,
    ValidateTransferForm,
)
from rules.fraud import warning_text
from tests.actions.conftest import TOKEN, entity, make_tracker, run, slots_of, texts

SCAM = "银行的人打电话说我卡不安全，让我把钱挪到一个新账户里，卡号6222021234567890"
FAMILY = "customer_service"
READY = {"payee_id": "11", "transfer_amount": "10.00", "from_account_id": "1", "transfer_form_id": "form-1"}


def scam_turn(text: str = SCAM, family: str = FAMILY, **kwargs) -> object:
    return make_tracker(text, "report_scam_instruction", [entity("fraud_family", family)], **kwargs)


def stop(tracker, domain) -> tuple[dict, list[dict], list[dict]]:
    events, messages = run(ActionFraudStop(), tracker, domain)
    return slots_of(events), messages, events


def assert_warned(messages: list[dict], family: str = FAMILY) -> None:
    (message,) = messages
    assert message["text"] == warning_text(family)
    assert "96110" in message["text"]
    custom = message["custom"]
    assert custom["risk"] == {"kind": "fraud", "family": family, "level": "stop"}
    assert custom["handoff"]["reason"] == "fraud" and custom["handoff"]["summary"]
    assert custom["speech_rate"] == 1.0
    assert message["buttons"][0]["payload"] == "/human_handoff"


def assert_flow_ended(slots: dict, events: list[dict]) -> None:
    assert slots["fraud_stopped"] is True
    assert slots["requested_slot"] is None
    for slot in ("payee_id", "transfer_amount", "transfer_confirmed", "pending_transfer_id", "deposit_amount",
                 "pending_deposit_id", "transfer_form_id"):
        assert slots[slot] is None, slot
    assert {"event": "active_loop", "name": None} in [{k: e.get(k) for k in ("event", "name")} for e in events]


def test_a_scam_story_as_the_opening_message(backend, domain):
    slots, messages, events = stop(scam_turn(channel="kiosk"), domain)
    assert_warned(messages)
    assert_flow_ended(slots, events)
    (_, _, headers, body), = backend.posts("/api/v1/fraud/stops")
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert body["family"] == FAMILY and body["channel"] == "kiosk"
    # The customer's words reach the audit log with every run of 4+ digits redacted.
    assert "6222021234567890" not in body["text"] and "****" in body["text"] and "新账户" in body["text"]
    assert body["transfer_id"] is None
    assert backend.cooling_off


@pytest.mark.parametrize("requested", ["payee_id", "transfer_amount"])
def test_a_scam_story_at_a_form_question(backend, domain, requested):
    # 转给谁 / 转多少: the form changes nothing, the stop ends it.
    slots = {**READY, "transfer_amount": None, "requested_slot": requested}
    tracker = scam_turn("电话里的民警叫我别跟孩子们讲，把五千块交给他们保管", "authority",
                        slots=slots, active_loop="transfer_form")
    assert run(ValidateTransferForm(), tracker, domain) == ([], [])
    stopped, messages, events = stop(tracker, domain)
    assert_warned(messages, "authority")
    assert_flow_ended(stopped, events)
    assert backend.moved() == []


def test_a_scam_story_at_the_read_back_then_yes_moves_no_money(backend, domain):
    events, _ = run(ActionAskTransferConfirmed(), make_tracker("十块", slots=READY), domain)
    at_read_back = {**READY, **slots_of(events), "requested_slot": "transfer_confirmed"}
    pending = at_read_back["pending_transfer_id"]
    assert backend.transfers[int(pending)]["status"] == "pending"

    # "我老同学说他急着用钱，叫我先转两千给他侄子" at the 10-yuan read-back.
    tracker = scam_turn("我老同学说他急着用钱，叫我先转两千给他侄子", "relative", slots=at_read_back,
                        active_loop="transfer_form")
    assert run(ValidateTransferForm(), tracker, domain) == ([], [])
    stopped, messages, events = stop(tracker, domain)
    assert_warned(messages, "relative")
    assert_flow_ended(stopped, events)
    assert backend.posts("/api/v1/fraud/stops")[0][3]["transfer_id"] == int(pending)
    assert backend.transfers[int(pending)]["status"] == "cancelled"

    # The next "是": no form runs any more (the rules answer utter_ok); even a submit or a read-back run
    # with what is left in the tracker confirms nothing.
    after = {**at_read_back, **stopped, "transfer_confirmed": True}
    events, messages = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=after), domain)
    assert "转好了" not in texts(messages)
    events, _ = run(ActionAskTransferConfirmed(), make_tracker("是", "affirm", slots={**READY, **stopped}), domain)
    assert slots_of(events)["transfer_stop"] == "refused"
    # Even the old record's id, were it still in a slot, is not confirmed after a stop.
    tampered = {**READY, **stopped, "transfer_confirmed": True, "pending_transfer_id": pending}
    run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=tampered), domain)
    assert not [r for r in backend.requests if r[1].endswith("/confirm")]
    assert backend.moved() == []


def test_a_new_transfer_after_a_stop_is_not_started(backend, domain):
    _, _, events = stop(scam_turn(), domain)
    stopped = slots_of(events)
    backend.requests.clear()
    events, messages = run(ActionTransferStart(), make_tracker("给儿子转500块", "transfer_money", slots=stopped),
                           domain)
    assert slots_of(events)["outcome"] == "refused"
    assert backend.requests == []


def test_the_stop_warns_when_the_backend_is_down(backend_down, domain):
    slots, messages, events = stop(scam_turn(slots={**READY, "pending_transfer_id": "100"},
                                             active_loop="transfer_form"), domain)
    assert_warned(messages)
    assert_flow_ended(slots, events)


def test_the_stop_warns_when_nobody_is_signed_in(backend, domain):
    slots, messages, events = stop(scam_turn(token=None), domain)
    assert_warned(messages)
    assert slots["fraud_stopped"] is True
    assert backend.requests == []


def test_pending_records_are_cancelled_even_when_the_stop_is_not_recorded(backend, domain):
    backend.fraud_stop_answer = (404, {"code": "NOT_FOUND", "message": "没有找到。"})
    backend.transfers[100] = {"id": 100, "status": "pending"}
    backend.deposits[7] = {"id": 7, "status": "pending"}
    _, messages, _ = stop(scam_turn(slots={"pending_transfer_id": "100", "pending_deposit_id": "7"}), domain)
    assert_warned(messages)
    assert backend.transfers[100]["status"] == "cancelled" and backend.deposits[7]["status"] == "cancelled"


def test_a_classifier_only_stop_is_generic(backend, domain):
    # No rule fired: the guard gives the family "generic" (or none at all, from an older model).
    _, messages, _ = stop(make_tracker("那个人叫我去银行办点事，说办完了给我好处", "report_scam_instruction"), domain)
    assert_warned(messages, "generic")
    assert backend.posts("/api/v1/fraud/stops")[0][3]["family"] == "generic"


def test_the_summary_for_staff_has_no_customer_words_and_no_digits(backend, domain):
    _, messages, _ = stop(scam_turn(slots={**READY}), domain)
    summary = messages[0]["custom"]["handoff"]["summary"]
    assert "6222" not in summary and "新账户" not in summary


@pytest.mark.parametrize("text", [
    "给儿子转500块，他急用", "给孙子转两千交学费", "女儿生日，给她转一千", "给老伴转三百买药", "给外孙发个两百的红包",
    "儿子让我给他转五百",
])
def test_benign_transfers_with_scam_words_go_through(backend, domain, text):
    start, _ = run(ActionTransferStart(), make_tracker(text, "transfer_money"), domain)
    assert slots_of(start)["outcome"] == "ready"
    tracker = make_tracker(text, "transfer_money", [entity("relationship", "儿子"), entity("amount", "500.00")],
                           slots={**slots_of(start), "transfer_form_id": "form-b"})
    filled = slots_of(run(ValidateTransferForm(), tracker, domain)[0])
    assert filled["payee_id"] == "11" and filled["transfer_amount"] == "500.00"
    ready = {**slots_of(start), **filled, "transfer_form_id": "form-b"}
    read_back, messages = run(ActionAskTransferConfirmed(), make_tracker(text, slots=ready), domain)
    assert "对吗" in texts(messages)
    confirmed = {**ready, **slots_of(read_back), "transfer_confirmed": True}
    events, messages = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=confirmed), domain)
    assert slots_of(events)["outcome"] == "completed" and "转好了" in texts(messages)
    assert backend.posts("/api/v1/fraud/stops") == []


def test_a_scam_story_at_the_deposit_read_back_cancels_the_pending_deposit(backend, domain):
    from actions.savings import ActionAskDepositConfirmed, ValidateDepositForm

    ready = {"deposit_term": "12", "deposit_amount": "10000.00", "from_account_id": "1", "deposit_form_id": "d-1"}
    events, _ = run(ActionAskDepositConfirmed(), make_tracker("一万", slots=ready), domain)
    at_read_back = {**ready, **slots_of(events), "requested_slot": "deposit_confirmed"}
    pending = int(at_read_back["pending_deposit_id"])
    tracker = scam_turn("理财经理说有个养老项目保本高收益，让我把定期取出来投进去", "investment",
                        slots=at_read_back, active_loop="deposit_form")
    assert run(ValidateDepositForm(), tracker, domain) == ([], [])
    stopped, messages, events = stop(tracker, domain)
    assert_warned(messages, "investment")
    assert_flow_ended(stopped, events)
    assert backend.deposits[pending]["status"] == "cancelled"


def test_the_stop_says_that_transfers_still_on_their_way_came_back(backend, domain):
    # The scam asked for a next-day transfer first; the story comes in a later conversation.
    backend.transfers[7] = {"id": 7, "status": "scheduled", "amount": "5000.00", "arrival_mode": "next_day"}
    backend.transfers[8] = {"id": 8, "status": "scheduled", "amount": "3000.00", "arrival_mode": "next_day"}
    slots, messages, events = stop(scam_turn(), domain)
    assert messages[0]["text"] == warning_text(FAMILY)
    assert len(messages) == 2
    assert "两笔转账" in messages[1]["text"] and "撤回" in messages[1]["text"]
    assert backend.transfers[7]["status"] == backend.transfers[8]["status"] == "revoked"
    assert_flow_ended(slots, events)


def test_no_revoke_sentence_when_nothing_was_on_its_way(backend, domain):
    backend.transfers[7] = {"id": 7, "status": "completed", "amount": "5000.00", "arrival_mode": "realtime"}
    _, messages, _ = stop(scam_turn(), domain)
    assert_warned(messages)
