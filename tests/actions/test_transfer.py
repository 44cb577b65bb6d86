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


def test_start_after_a_fraud_stop_sends_nothing_to_the_bank(backend, domain):
    events, messages = run(ActionTransferStart(), make_tracker("给儿子转500块", "transfer_money",
                                                              slots={"fraud_stopped": True}), domain)
    assert slots_of(events)["outcome"] == "refused"
    assert "骗局" in texts(messages) and messages[0]["buttons"][0]["payload"] == "/human_handoff"
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


@pytest.mark.parametrize("requested", ["payee_id", "transfer_amount", "transfer_confirmed"])
def test_a_scam_turn_changes_nothing_in_the_form(backend, domain, requested):
    # "叫我先转两千给他侄子" at a 10-yuan read-back: the amount in it must not replace the one read back.
    tracker = make_tracker("我老同学说他急着用钱，叫我先转两千给他侄子", "report_scam_instruction",
                           [entity("amount", "2000.00"), entity("fraud_family", "relative")],
                           slots={**CONFIRMED, "transfer_amount": "10.00", "transfer_confirmed": None,
                                  "requested_slot": requested})
    events, messages = run(ValidateTransferForm(), tracker, domain)
    assert events == [] and messages == []
    assert backend.requests == []


def test_cancel_is_left_to_the_rules(backend, domain):
    events, _ = run(ValidateTransferForm(), make_tracker("算了", "cancel", slots={"requested_slot": "payee_id"}), domain)
    assert events == []


READY = {k: v for k, v in CONFIRMED.items() if k != "transfer_confirmed"}


def read_back(backend, domain, slots=READY, sender_id="conversation-1", events=None):
    """Runs the read-back; returns (its slots, its messages)."""
    result, messages = run(ActionAskTransferConfirmed(), make_tracker("500", slots=slots, sender_id=sender_id,
                                                                      events=events), domain)
    return slots_of(result), messages


def test_read_back_is_rendered_from_a_pending_record(backend, domain):
    slots, messages = read_back(backend, domain)
    text = messages[0]["text"]
    assert "给儿子王小明转账500.00元" in text
    assert "伍佰元整" in text
    assert "尾号1234" in text and "6222" not in text
    assert [b["title"] for b in messages[0]["buttons"]] == ["是", "否"]
    (_, _, headers, body), = backend.posts("/api/v1/transfers")
    assert body["require_confirmation"] is True and body["amount"] == "500.00"
    record = backend.transfers_by_key[headers["Idempotency-Key"]]
    assert record["status"] == "pending", "nothing moves before the yes"
    assert slots["pending_transfer_id"] == str(record["id"])
    assert messages[0]["custom"] == {"speech_rate": 1.0, "key_figure": "500.00元",
                                     "transfer_id": record["id"], "pending_id": record["id"]}


def test_the_read_back_says_the_records_figures_not_the_slots(backend, domain):
    # Whatever the slots say, the customer hears what the bank holds: that is what "是" will move.
    backend.transfer_answer = (201, {"id": 300, "status": "pending", "amount": "50.00", "from_account_id": 1,
                                     "payee": backend.state["payees"][1], "hold_reason": None})
    slots, messages = read_back(backend, domain)
    assert "给女儿王小红转账50.00元" in messages[0]["text"] and "伍拾元整" in messages[0]["text"]
    assert slots["pending_transfer_id"] == "300"


def test_a_repeated_read_back_makes_one_record_and_a_changed_amount_a_new_one(backend, domain):
    first, _ = read_back(backend, domain)
    again, _ = read_back(backend, domain, slots={**READY, **first})
    assert again["pending_transfer_id"] == first["pending_transfer_id"]
    assert len(backend.transfers) == 1
    changed, messages = read_back(backend, domain, slots={**READY, **first, "transfer_amount": "800.00"})
    assert changed["pending_transfer_id"] != first["pending_transfer_id"]
    assert backend.transfers[int(first["pending_transfer_id"])]["status"] == "cancelled"
    assert backend.transfers[int(changed["pending_transfer_id"])]["amount"] == "800.00"
    assert "捌佰元整" in messages[0]["text"]
    # Another conversation with the same form id gets another record.
    read_back(backend, domain, sender_id="conversation-2")
    assert len(backend.transfers) == 3


def test_the_transfer_carries_what_the_customer_said_with_digits_redacted(backend, domain):
    history = [
        {"event": "user", "text": "查余额"},
        {"event": "user", "text": "给儿子转500，卡号6222021234567890"},
        {"event": "action", "name": "action_transfer_start"},
        {"event": "user", "text": '/inform{"payee_id": "11"}'},
        {"event": "user", "text": "他说验证码是123456"},
    ]
    read_back(backend, domain, events=history)
    (_, _, _, body), = backend.posts("/api/v1/transfers")
    context = body["context"]
    assert "给儿子转500" in context and "验证码是" in context
    assert "6222021234567890" not in context and "123456" not in context and "****" in context
    assert "查余额" not in context and "payee_id" not in context
    assert len(context) <= 2000


def test_a_long_flow_sends_at_most_2000_characters(backend, domain):
    history = [{"event": "action", "name": "action_transfer_start"}] + [
        {"event": "user", "text": "我跟您说" * 50} for _ in range(20)]
    read_back(backend, domain, events=history)
    (_, _, _, body), = backend.posts("/api/v1/transfers")
    assert 0 < len(body["context"]) <= 2000


def test_the_bank_seeing_a_scam_at_the_read_back_ends_the_form(backend, domain):
    backend.transfer_answer = (422, {"code": "SCAM_SUSPECTED", "message": "这笔钱没有转。"})
    slots, messages = read_back(backend, domain)
    assert slots["transfer_stop"] == "scam" and slots["requested_slot"] is None
    events, _ = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots={**READY, **slots}), domain)
    assert slots_of(events)["outcome"] == "scam"


def test_confirmed_transfer_confirms_exactly_the_read_back_record(backend, domain):
    slots, _ = read_back(backend, domain)
    pending = slots["pending_transfer_id"]
    # A slot changed after the read-back (the tracker API attack of issue 10) cannot change what moves.
    tampered = {**CONFIRMED, **slots, "transfer_amount": "4999.00", "payee_id": "12"}
    events, messages = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=tampered), domain)
    assert slots_of(events)["outcome"] == "completed"
    assert [r[1] for r in backend.requests if r[0] == "POST"] == [
        "/api/v1/transfers", f"/api/v1/transfers/{pending}/confirm"]
    (moved,) = backend.moved()
    assert moved["amount"] == "500.00" and moved["payee"]["id"] == 11
    assert "转好了" in texts(messages) and "伍佰元整" in texts(messages)
    assert messages[0]["custom"]["receipt"] == {"transfer_id": int(pending)}
    assert messages[0]["custom"]["transfer_id"] == int(pending)

    # The same confirmation delivered again does not pay twice.
    run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=tampered), domain)
    assert len(backend.moved()) == 1


def test_a_yes_without_a_read_back_record_moves_nothing(backend, domain):
    events, messages = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=CONFIRMED), domain)
    assert slots_of(events)["outcome"] == "refused"
    assert backend.requests == [] and "转好了" not in texts(messages)


def test_denied_read_back_cancels_the_pending_record(backend, domain):
    slots, _ = read_back(backend, domain)
    events, _ = run(ActionTransferSubmit(), make_tracker("不", "deny", slots={**CONFIRMED, **slots,
                                                                               "transfer_confirmed": False}),
                    domain)
    assert slots_of(events)["outcome"] == "cancelled"
    assert backend.transfers[int(slots["pending_transfer_id"])]["status"] == "cancelled"
    assert backend.moved() == []


@pytest.mark.parametrize(("code", "outcome"), [("INSUFFICIENT_FUNDS", "insufficient_funds"),
                                               ("PER_TRANSFER_LIMIT", "refused"), ("DAILY_LIMIT", "refused"),
                                               ("EXPIRED", "refused"), ("SCAM_SUSPECTED", "scam")])
def test_refusals_at_the_confirmation(backend, domain, code, outcome):
    slots, _ = read_back(backend, domain)
    backend.confirm_answer = (422, {"code": code, "message": "余额不够，这笔钱没有转出。"})
    events, messages = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots={**CONFIRMED, **slots}),
                           domain)
    assert slots_of(events)["outcome"] == outcome
    assert "转好了" not in texts(messages)
    if outcome == "scam":
        # Left for action_fraud_stop (the rule after it), which needs the record's id.
        assert "pending_transfer_id" not in slots_of(events)
    else:
        assert "余额不够，这笔钱没有转出。" in texts(messages)


@pytest.mark.parametrize(("code", "outcome"), [("INSUFFICIENT_FUNDS", "insufficient_funds"),
                                               ("PER_TRANSFER_LIMIT", "refused")])
def test_refusals_when_the_record_is_made(backend, domain, code, outcome):
    backend.transfer_answer = (422, {"code": code, "message": "超过了限额。"})
    slots, messages = read_back(backend, domain)
    assert "超过了限额。" in texts(messages)
    events, _ = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots={**READY, **slots}), domain)
    assert slots_of(events)["outcome"] == outcome


def test_held_transfer_is_not_reported_done(backend, domain):
    slots, _ = read_back(backend, domain)
    backend.confirm_answer = (200, {"id": 100, "status": "held", "amount": "500.00", "from_account_id": 1,
                                    "payee": backend.state["payees"][0], "hold_reason": "NEW_PAYEE",
                                    "created_at": "2026-11-27T10:00:00Z"})
    events, messages = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots={**CONFIRMED, **slots}),
                           domain)
    assert slots_of(events)["outcome"] == "held"
    assert "新加的收款人" in texts(messages)
    assert "转好了" not in texts(messages)


def test_no_answer_within_the_time_limit_is_unknown_not_done(backend, domain, monkeypatch):
    slots, _ = read_back(backend, domain)
    monkeypatch.setattr(backend_client, "TIMEOUT_S", 0.3)
    backend.delay_s = 1.0
    events, messages = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots={**CONFIRMED, **slots}),
                           domain)
    assert slots_of(events)["outcome"] == "unknown"
    assert "转好了" not in texts(messages)


def test_backend_down_at_submit(backend_down, domain):
    events, _ = run(ActionTransferSubmit(), make_tracker("是", "affirm",
                                                        slots={**CONFIRMED, "pending_transfer_id": "100"}), domain)
    assert slots_of(events)["outcome"] == "backend_down"


def test_backend_down_at_the_read_back(backend_down, domain):
    events, messages = run(ActionAskTransferConfirmed(), make_tracker("500", slots=READY), domain)
    assert slots_of(events)["transfer_stop"] == "backend_down"


def test_submit_clears_the_form_but_keeps_its_id(backend, domain):
    slots, _ = read_back(backend, domain)
    events, _ = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots={**CONFIRMED, **slots}), domain)
    cleared = slots_of(events)
    assert all(cleared[s] is None for s in ("payee_id", "transfer_amount", "from_account_id", "transfer_confirmed",
                                            "pending_transfer_id"))
    assert "transfer_form_id" not in cleared


@pytest.mark.parametrize("amount", ["1e30", "NaN", "-Infinity", "1" * 40, "abc", "[1]"])
def test_bad_amount_values_never_make_an_action_raise(backend, domain, amount):
    # Issue 10 item 3: a typed /transfer_money{"amount":"1e30"} made yuan() raise decimal.InvalidOperation.
    tracker = make_tracker(f'/transfer_money{{"amount":"{amount}"}}', "transfer_money", [entity("amount", amount)])
    events, _ = run(ValidateTransferForm(), tracker, domain)
    assert slots_of(events).get("transfer_amount") is None
    tracker = make_tracker("是", "affirm", slots={**READY, "transfer_amount": amount, "requested_slot": None})
    events, _ = run(ActionAskTransferConfirmed(), tracker, domain)
    assert slots_of(events)["transfer_stop"] == "refused"
    run(ActionTransferSubmit(), make_tracker("是", "affirm", slots={**CONFIRMED, "transfer_amount": amount}), domain)
    assert backend.moved() == []


def test_an_action_that_fails_apologises_instead_of_raising(backend, domain, monkeypatch, caplog):
    import actions  # noqa: F401  (the package wraps every action's run)
    from actions import transfer

    def broken(*args, **kwargs):
        raise ArithmeticError("boom")

    monkeypatch.setattr(transfer, "idempotency_key", broken)
    events, messages = run(ActionAskTransferConfirmed(), make_tracker("500", slots=READY), domain)
    assert events == []
    assert "出了点问题" in texts(messages) and "转人工" in texts(messages)
    assert "action_ask_transfer_confirmed failed: ArithmeticError" in caplog.text
    assert backend.moved() == []


def test_during_a_cooling_off_the_transfer_is_held_and_the_customer_told_why(backend, domain):
    backend.cooling_off = True
    slots, _ = read_back(backend, domain)
    events, messages = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots={**CONFIRMED, **slots}),
                           domain)
    assert slots_of(events)["outcome"] == "held"
    assert "像骗局" in texts(messages) and "转好了" not in texts(messages)
    assert messages[0]["custom"]["transfer_id"] == int(slots["pending_transfer_id"])


def test_a_hold_reason_without_words_of_our_own_is_said_in_the_banks_words(backend, domain):
    slots, _ = read_back(backend, domain)
    backend.confirm_answer = (200, {"id": 100, "status": "held", "amount": "500.00", "from_account_id": 1,
                                    "payee": backend.state["payees"][0], "hold_reason": "CUMULATIVE_AMOUNT",
                                    "message": "今天给同一个人转得比较多，要先核对。"})
    _, messages = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots={**CONFIRMED, **slots}), domain)
    assert "今天给同一个人转得比较多" in texts(messages)


def test_haste_or_secrecy_adds_one_plain_sentence_and_no_question(backend, domain):
    history = [{"event": "user", "text": "马上给儿子转500"}, {"event": "action", "name": "action_transfer_start"}]
    _, messages = read_back(backend, domain, events=history)
    assert "96110" in messages[0]["text"] and messages[0]["text"].count("？") == 1
    _, plain = read_back(backend, domain, slots={**READY, "transfer_form_id": "form-2"},
                         events=[{"event": "user", "text": "给儿子转500，他急用"},
                                 {"event": "action", "name": "action_transfer_start"}])
    assert "96110" not in plain[0]["text"]


def test_the_read_back_asked_again_after_more_words_reads_the_same_record(backend, domain):
    # After "再说一遍" the form asks again; the flow's context has grown, so a second POST under the same key
    # would be refused by the bank (another body): the record is read back from the bank instead.
    first, _ = read_back(backend, domain, events=[{"event": "action", "name": "action_transfer_start"}])
    more = [{"event": "action", "name": "action_transfer_start"}, {"event": "user", "text": "再说一遍"}]
    again, messages = read_back(backend, domain, slots={**READY, **first}, events=more)
    assert "给儿子王小明转账500.00元" in messages[0]["text"]
    assert again.get("pending_transfer_id", first["pending_transfer_id"]) == first["pending_transfer_id"]
    assert len(backend.posts("/api/v1/transfers")) == 1


def test_a_record_that_expired_before_the_read_back_was_asked_again_is_said(backend, domain):
    first, _ = read_back(backend, domain)
    backend.transfers[int(first["pending_transfer_id"])]["status"] = "expired"
    again, messages = read_back(backend, domain, slots={**READY, **first})
    assert again["transfer_stop"] == "refused" and again["pending_transfer_id"] is None
    assert "作废" in texts(messages)


# --- arrival (issue 12): said from the record's arrival_mode only -------------------------------------------

def test_a_record_without_an_arrival_mode_says_nothing_about_arrival(backend, domain):
    _, messages = read_back(backend, domain)
    assert "到账" not in messages[0]["text"]
    slots, _ = read_back(backend, domain)
    done, said = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots={**CONFIRMED, **slots}), domain)
    assert "转好了" in texts(said) and "到账" not in texts(said)


@pytest.mark.parametrize(("mode", "sentence", "done_word"), [
    ("realtime", "实时到账。", "转好了"),
    ("normal", "两小时后到账。", "转出了"),
    ("next_day", "明天这个时候到账，\n到账前可以撤回。", "转出了"),
])
def test_the_read_back_and_the_done_message_say_when_it_arrives(backend, domain, mode, sentence, done_word):
    backend.arrival_mode = mode
    slots, messages = read_back(backend, domain)
    assert f"出钱。\n{sentence}\n对吗？" in messages[0]["text"]
    events, said = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots={**CONFIRMED, **slots}), domain)
    assert slots_of(events)["outcome"] == "completed"
    assert done_word in texts(said) and sentence in texts(said)
    assert said[0]["custom"]["receipt"] == {"transfer_id": int(slots["pending_transfer_id"])}


def test_a_retried_yes_for_a_scheduled_transfer_reports_it_once(backend, domain):
    backend.arrival_mode = "next_day"
    slots, _ = read_back(backend, domain)
    tracker = make_tracker("是", "affirm", slots={**CONFIRMED, **slots})
    run(ActionTransferSubmit(), tracker, domain)
    events, said = run(ActionTransferSubmit(), tracker, domain)
    assert slots_of(events)["outcome"] == "completed" and "转出了" in texts(said)
    assert len(backend.posts(f"/api/v1/transfers/{slots['pending_transfer_id']}/confirm")) == 2


def test_a_transfer_staff_check_first_promises_no_arrival_time(backend, domain):
    backend.transfer_answer = (201, {"id": 301, "status": "pending", "amount": "500.00", "from_account_id": 1,
                                     "payee": backend.state["payees"][0], "hold_reason": "NEW_PAYEE",
                                     "arrival_mode": "next_day", "arrives_at": None})
    _, messages = read_back(backend, domain)
    assert "给儿子王小明转账500.00元" in messages[0]["text"] and "到账" not in messages[0]["text"]
