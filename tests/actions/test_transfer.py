"""The transfer skill against a fake backend: start, form validation, read-back, submit."""
from __future__ import annotations

import pytest

from actions import backend_client
from actions.transfer import (
    ActionAskPayeeId,
    ActionAskTransferConfirmed,
    ActionTransferStart,
    ActionTransferSubmit,
    ValidateTransferForm,
)
from tests.actions.conftest import entity, make_tracker, run, slots_of, texts

CONFIRMED = {"payee_id": "11", "transfer_amount": "500.00", "from_account_id": "1", "transfer_confirmed": True,
             "transfer_form_id": "form-1"}


def test_start_gets_ready_and_picks_the_only_account(backend, domain):
    events, messages = run(ActionTransferStart(), make_tracker("给儿子转500块", "transfer_money"), domain)
    slots = slots_of(events)
    assert slots["outcome"] == "ready"
    assert slots["from_account_id"] == "1"
    assert len(slots["transfer_form_id"]) == 32
    assert slots["payee_id"] is None and slots["transfer_amount"] is None


def test_start_without_token_asks_to_sign_in(backend, domain):
    events, _ = run(ActionTransferStart(), make_tracker("转账", "transfer_money", token=None), domain)
    assert slots_of(events)["outcome"] == "not_signed_in"
    assert backend.requests == []


def test_start_with_backend_down(backend_down, domain):
    events, _ = run(ActionTransferStart(), make_tracker("转账", "transfer_money"), domain)
    assert slots_of(events)["outcome"] == "backend_down"


def test_start_stops_a_scam_script_before_asking_anything(backend, domain):
    events, _ = run(ActionTransferStart(), make_tracker("警察说要把钱转到安全账户", "transfer_money"), domain)
    assert slots_of(events)["outcome"] == "scam"
    assert backend.requests == []


def test_relationship_finds_the_saved_payee(backend, domain):
    tracker = make_tracker("给儿子转500块", "transfer_money", [entity("relationship", "儿子"), entity("amount", "500.00")])
    events, _ = run(ValidateTransferForm(), tracker, domain)
    slots = slots_of(events)
    assert slots["payee_id"] == "11"
    assert slots["transfer_amount"] == "500.00"


def test_colloquial_relationship_of_the_saved_payee_is_matched(backend, domain):
    # The payee was saved as 闺女; the NLU gives the normalised id 女儿.
    backend.state["payees"][1]["relationship"] = "闺女"
    events, _ = run(ValidateTransferForm(), make_tracker("给女儿", entities=[entity("relationship", "女儿")],
                                                       slots={"requested_slot": "payee_id"}), domain)
    assert slots_of(events)["payee_id"] == "12"


def test_a_name_is_matched_without_an_entity(backend, domain):
    events, _ = run(ValidateTransferForm(), make_tracker("王小红", slots={"requested_slot": "payee_id"}), domain)
    assert slots_of(events)["payee_id"] == "12"


def test_two_sons_are_asked_with_buttons_for_just_them(backend, domain):
    backend.state["payees"].append({**backend.state["payees"][0], "id": 13, "name": "王小刚"})
    events, _ = run(ValidateTransferForm(), make_tracker("给儿子", entities=[entity("relationship", "儿子")],
                                                       slots={"requested_slot": "payee_id"}), domain)
    slots = slots_of(events)
    assert slots["payee_id"] is None and slots["payee_hint"] == "儿子"
    _, messages = run(ActionAskPayeeId(), make_tracker("给儿子", slots=slots), domain)
    assert [b["title"] for b in messages[0]["buttons"]] == ["儿子王小明", "儿子王小刚"]
    assert messages[0]["buttons"][0]["payload"] == '/inform{"payee_id": "11"}'


def test_an_unknown_payee_is_said_and_asked_again(backend, domain):
    events, messages = run(ValidateTransferForm(), make_tracker("给老伴", entities=[entity("relationship", "老伴")],
                                                               slots={"requested_slot": "payee_id"}), domain)
    assert slots_of(events)["payee_id"] is None
    assert "没有找到“老伴”" in texts(messages)


def test_words_that_are_no_name_are_left_to_the_fallback(backend, domain):
    events, messages = run(ValidateTransferForm(), make_tracker("好的", "affirm", slots={"requested_slot": "payee_id"}),
                           domain)
    # Nothing filled and nothing said: Rasa rejects the form turn and the fallback rule answers.
    assert events == [] and messages == []


@pytest.mark.parametrize(("issue", "words"), [("ambiguous", "准确的数"), ("foreign", "人民币")])
def test_an_unusable_amount_is_explained_and_asked_again(backend, domain, issue, words):
    tracker = make_tracker("几百块", entities=[entity("amount_issue", issue)],
                           slots={"requested_slot": "transfer_amount", "payee_id": "11"})
    events, messages = run(ValidateTransferForm(), tracker, domain)
    slots = slots_of(events)
    assert "transfer_amount" in slots and slots["transfer_amount"] is None
    assert words in texts(messages)


def test_a_new_amount_while_confirming_asks_for_confirmation_again(backend, domain):
    tracker = make_tracker("不对，是八百", "deny", [entity("amount", "800.00")],
                           slots={**CONFIRMED, "transfer_confirmed": False, "requested_slot": "transfer_confirmed"})
    events, _ = run(ValidateTransferForm(), tracker, domain)
    slots = slots_of(events)
    assert slots["transfer_amount"] == "800.00"
    assert slots["transfer_confirmed"] is None


def test_a_scam_phrase_in_the_middle_stops_the_form(backend, domain):
    tracker = make_tracker("他说把验证码告诉他就行", slots={"requested_slot": "transfer_amount", "payee_id": "11"})
    events, _ = run(ValidateTransferForm(), tracker, domain)
    slots = slots_of(events)
    assert slots["transfer_stop"] == "scam"
    assert slots["requested_slot"] is None


def test_cancel_is_left_to_the_rules(backend, domain):
    events, _ = run(ValidateTransferForm(), make_tracker("算了", "cancel", slots={"requested_slot": "payee_id"}), domain)
    assert events == []


def test_read_back_says_who_how_much_in_digits_and_capitals_and_from_where(backend, domain):
    slots = {k: v for k, v in CONFIRMED.items() if k != "transfer_confirmed"}
    _, messages = run(ActionAskTransferConfirmed(), make_tracker("500", slots=slots), domain)
    text = messages[0]["text"]
    assert "给儿子王小明转账500.00元" in text
    assert "伍佰元整" in text
    assert "尾号1234" in text and "6222" not in text
    assert [b["title"] for b in messages[0]["buttons"]] == ["是", "否"]
    assert messages[0]["custom"] == {"speech_rate": 1.0, "key_figure": "500.00元"}


def test_confirmed_transfer_is_sent_once_with_a_key_from_the_conversation(backend, domain):
    tracker = make_tracker("是", "affirm", slots=CONFIRMED)
    events, messages = run(ActionTransferSubmit(), tracker, domain)
    assert slots_of(events)["outcome"] == "completed"
    assert "转好了" in texts(messages) and "伍佰元整" in texts(messages)
    (_, _, headers, body), = backend.posts("/api/v1/transfers")
    assert body == {"from_account_id": 1, "payee_id": 11, "amount": "500.00", "note": ""}
    key = headers["Idempotency-Key"]
    assert "form-1" in key and "conversation-1" not in key

    # The same confirmation delivered again carries the same key: the bank pays once.
    run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=CONFIRMED), domain)
    assert [r[2]["Idempotency-Key"] for r in backend.posts("/api/v1/transfers")] == [key, key]
    assert len(backend.transfers_by_key) == 1
    # Another conversation with the same form id gets another key.
    run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=CONFIRMED, sender_id="conversation-2"), domain)
    assert len(backend.transfers_by_key) == 2


def test_denied_read_back_moves_nothing(backend, domain):
    events, _ = run(ActionTransferSubmit(), make_tracker("不", "deny", slots={**CONFIRMED, "transfer_confirmed": False}),
                    domain)
    assert slots_of(events)["outcome"] == "cancelled"
    assert backend.posts("/api/v1/transfers") == []


@pytest.mark.parametrize(("code", "outcome"), [("INSUFFICIENT_FUNDS", "insufficient_funds"),
                                               ("PER_TRANSFER_LIMIT", "refused"), ("DAILY_LIMIT", "refused"),
                                               ("SCAM_SUSPECTED", "scam")])
def test_refusals_are_explained_in_the_backends_words(backend, domain, code, outcome):
    backend.transfer_answer = (422, {"code": code, "message": "余额不够，这笔钱没有转出。"})
    events, messages = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=CONFIRMED), domain)
    assert slots_of(events)["outcome"] == outcome
    assert "余额不够，这笔钱没有转出。" in texts(messages)
    assert "转好了" not in texts(messages)


def test_held_transfer_is_not_reported_done(backend, domain):
    backend.transfer_answer = (201, {"id": 1, "status": "held", "amount": "500.00", "from_account_id": 1,
                                     "payee": backend.state["payees"][0], "hold_reason": "NEW_PAYEE",
                                     "created_at": "2026-11-27T10:00:00Z"})
    events, messages = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=CONFIRMED), domain)
    assert slots_of(events)["outcome"] == "held"
    assert "新加的收款人" in texts(messages)
    assert "转好了" not in texts(messages)


def test_no_answer_within_the_time_limit_is_unknown_not_done(backend, domain, monkeypatch):
    monkeypatch.setattr(backend_client, "TIMEOUT_S", 0.3)
    backend.delay_s = 1.0
    events, messages = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=CONFIRMED), domain)
    assert slots_of(events)["outcome"] == "unknown"
    assert "转好了" not in texts(messages)


def test_backend_down_at_submit(backend_down, domain):
    events, _ = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=CONFIRMED), domain)
    assert slots_of(events)["outcome"] == "backend_down"


def test_submit_clears_the_form_but_keeps_its_id(backend, domain):
    events, _ = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=CONFIRMED), domain)
    slots = slots_of(events)
    assert all(slots[s] is None for s in ("payee_id", "transfer_amount", "from_account_id", "transfer_confirmed"))
    assert "transfer_form_id" not in slots


def test_token_never_lands_in_a_slot(backend, domain):
    for action, slots in ((ActionTransferStart(), {}), (ValidateTransferForm(), {"requested_slot": "payee_id"}),
                          (ActionTransferSubmit(), CONFIRMED)):
        events, _ = run(action, make_tracker("给儿子转500", "transfer_money", [entity("relationship", "儿子")],
                                             slots=slots), domain)
        assert "good-token" not in repr(events)
