"""Bill payment by voice against a fake backend: start, choosing the biller account, the quote and read-back
from the pending bill payment, submit (issue 12)."""
from __future__ import annotations

from actions.bills import (
    ActionAskBillAccountId,
    ActionAskBillConfirmed,
    ActionBillStart,
    ActionBillSubmit,
    ValidateBillForm,
    biller_codes,
)
from actions.conversation import ActionCancelFlow
from actions.fraud import ActionFraudStop
from tests.actions.conftest import entity, make_tracker, run, slots_of, texts

POWER = {"bill_account_id": "31", "bill_kind": "bill", "from_account_id": "1", "bill_form_id": "form-b"}
TOPUP = {"bill_account_id": "33", "bill_kind": "topup", "bill_amount": "100.00", "from_account_id": "1",
         "bill_form_id": "form-t"}


def read_back(backend, domain, slots):
    tracker = make_tracker("交电费", "pay_bill", slots={**slots, "requested_slot": "bill_confirmed"})
    return run(ActionAskBillConfirmed(), tracker, domain)


def test_start_gets_ready_and_picks_the_only_account(backend, domain):
    events, _ = run(ActionBillStart(), make_tracker("交电费", "pay_bill"), domain)
    slots = slots_of(events)
    assert slots["outcome"] == "ready" and slots["from_account_id"] == "1"
    assert slots["bill_account_id"] is None and len(slots["bill_form_id"]) == 32


def test_start_without_saved_biller_accounts_says_where_to_save_one(backend, domain):
    backend.state["bill_accounts"] = []
    events, messages = run(ActionBillStart(), make_tracker("交电费", "pay_bill"), domain)
    assert slots_of(events)["outcome"] == "refused"
    assert "柜台" in texts(messages)


def test_start_signed_out_and_backend_down(backend, backend_down, domain):
    events, _ = run(ActionBillStart(), make_tracker("交电费", "pay_bill", token=None), domain)
    assert slots_of(events)["outcome"] == "not_signed_in"
    events, _ = run(ActionBillStart(), make_tracker("交电费", "pay_bill"), domain)
    assert slots_of(events)["outcome"] == "backend_down"


def test_start_after_a_fraud_stop_sends_nothing(backend, domain):
    events, messages = run(ActionBillStart(), make_tracker("交电费", "pay_bill", slots={"fraud_stopped": True}), domain)
    assert slots_of(events)["outcome"] == "refused" and backend.requests == []


def test_words_choose_the_biller_account():
    assert biller_codes("交电费") == ["POWER"]
    assert biller_codes("家里水费交了没") == ["WATER"]
    assert biller_codes("给老伴手机充一百块话费") == ["MOBILE"]
    assert biller_codes("电话费充五十") == ["MOBILE"]


def test_electricity_is_chosen_and_no_amount_is_taken_for_a_bill(backend, domain):
    tracker = make_tracker("交电费一百块", "pay_bill", [entity("amount", "100.00")], slots={"from_account_id": "1"},
                           active_loop="bill_form")
    events, _ = run(ValidateBillForm(), tracker, domain)
    slots = slots_of(events)
    assert slots["bill_account_id"] == "31" and slots["bill_kind"] == "bill"
    assert slots.get("bill_amount") is None
    assert slots["requested_slot"] == "bill_confirmed"


def test_top_up_of_the_husbands_phone_takes_the_amount(backend, domain):
    tracker = make_tracker("给老伴手机充一百块话费", "pay_bill",
                           [entity("relationship", "老伴"), entity("amount", "100.00")],
                           slots={"from_account_id": "1"}, active_loop="bill_form")
    events, _ = run(ValidateBillForm(), tracker, domain)
    slots = slots_of(events)
    assert slots["bill_account_id"] == "33" and slots["bill_kind"] == "topup"
    assert slots["bill_amount"] == "100.00"


def test_a_top_up_out_of_range_is_said_and_asked_again(backend, domain):
    tracker = make_tracker("充两千", "inform", [entity("amount", "2000.00")],
                           slots={**TOPUP, "bill_amount": None, "requested_slot": "bill_amount"},
                           active_loop="bill_form")
    events, messages = run(ValidateBillForm(), tracker, domain)
    assert slots_of(events)["bill_amount"] is None
    assert "10元到500元" in texts(messages)


def test_a_biller_without_a_saved_account_is_said_plainly(backend, domain):
    tracker = make_tracker("交燃气费", "pay_bill", slots={"from_account_id": "1"}, active_loop="bill_form")
    events, messages = run(ValidateBillForm(), tracker, domain)
    assert slots_of(events)["bill_account_id"] is None and slots_of(events)["bill_hint"] == "交燃气费"
    assert "没有找到您存的燃气费户号" in texts(messages)


def test_unclear_words_ask_with_buttons_of_the_saved_accounts(backend, domain):
    _, messages = run(ActionAskBillAccountId(), make_tracker("缴费", "pay_bill"), domain)
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == ['/inform{"bill_account_id": "31"}', '/inform{"bill_account_id": "32"}',
                        '/inform{"bill_account_id": "33"}']
    tracker = make_tracker("/inform", "inform", [entity("bill_account_id", "32")],
                           slots={"requested_slot": "bill_account_id", "from_account_id": "1"}, active_loop="bill_form")
    events, _ = run(ValidateBillForm(), tracker, domain)
    assert slots_of(events)["bill_account_id"] == "32"


def test_read_back_is_the_pending_record_with_period_and_due_date(backend, domain):
    events, messages = read_back(backend, domain, POWER)
    slots = slots_of(events)
    record = backend.bill_payments[int(slots["pending_bill_id"])]
    assert record["status"] == "pending"
    text = texts(messages)
    assert "11月的电费" in text and "128.60元" in text and "壹佰贰拾捌元陆角" in text
    assert "12月20日前交" in text and "尾号1236" in text and "尾号1234" in text and text.endswith("对吗？")
    assert messages[-1]["custom"]["pending_id"] == record["id"]
    posted = backend.posts("/api/v1/bill-payments")[0]
    assert posted[3]["require_confirmation"] is True and posted[3]["amount"] is None
    assert posted[2]["Idempotency-Key"].startswith("anxin-bill-")


def test_asked_again_reads_the_same_record(backend, domain):
    events, _ = read_back(backend, domain, POWER)
    again, messages = read_back(backend, domain, {**POWER, **slots_of(events)})
    assert len(backend.posts("/api/v1/bill-payments")) == 1
    assert slots_of(again)["pending_bill_id"] == slots_of(events)["pending_bill_id"]


def test_an_unusual_amount_is_said_before_the_read_back(backend, domain):
    backend.state["bill_quotes"][31].update(amount_due="368.00", unusual=True, usual_amount="120.00")
    _, messages = read_back(backend, domain, POWER)
    assert len(messages) == 2
    assert "比平常多不少" in messages[0]["text"] and "120.00元" in messages[0]["text"]
    assert "368.00元" in messages[1]["text"]


def test_an_already_paid_bill_is_said_and_nothing_is_asked(backend, domain):
    backend.state["bill_quotes"][31].update(status="paid", message="11月的电费 128.60 元已经交过了，不用再交。")
    events, messages = read_back(backend, domain, POWER)
    assert "已经交过了" in texts(messages) and "对吗" not in texts(messages)
    assert slots_of(events)["bill_stop"] == "nothing_due" and backend.bill_payments == {}
    events, _ = run(ActionBillSubmit(), make_tracker("", slots={**POWER, **slots_of(events)}), domain)
    assert slots_of(events)["outcome"] == "refused"


def test_nothing_due_is_said(backend, domain):
    events, messages = read_back(backend, domain, {**POWER, "bill_account_id": "32"})
    assert "没有要交的费用" in texts(messages) and slots_of(events)["bill_stop"] == "nothing_due"


def test_the_bank_refusing_is_said_in_its_words(backend, domain):
    backend.bill_payment_answer = (422, {"code": "INSUFFICIENT_FUNDS", "message": "账户余额不够。"})
    events, messages = read_back(backend, domain, POWER)
    assert "账户余额不够" in texts(messages) and slots_of(events)["bill_stop"] == "insufficient_funds"


def test_topup_read_back_says_the_masked_phone(backend, domain):
    events, messages = read_back(backend, domain, TOPUP)
    text = texts(messages)
    assert "给老伴的手机充话费" in text and "139****0011" in text and "100.00元" in text
    assert backend.posts("/api/v1/bill-payments")[0][3]["amount"] == "100.00"


def test_yes_confirms_exactly_the_pending_record_and_offers_a_receipt(backend, domain):
    events, _ = read_back(backend, domain, POWER)
    slots = {**POWER, **slots_of(events), "bill_confirmed": True}
    events, messages = run(ActionBillSubmit(), make_tracker("是", "affirm", slots=slots), domain)
    assert slots_of(events)["outcome"] == "completed"
    pending = int(slots["pending_bill_id"])
    assert backend.bill_payments[pending]["status"] == "completed"
    assert [r[1] for r in backend.posts(f"/api/v1/bill-payments/{pending}/confirm")]
    custom = messages[-1]["custom"]
    assert custom["receipt"] == {"bill_payment_id": pending, "kind": "bill_payment",
                                 "receipt_no": f"JF20261201{pending:08d}"}
    assert "交好了" in texts(messages) and "收据号" in texts(messages)


def test_no_confirms_nothing_and_cancels_the_pending_record(backend, domain):
    events, _ = read_back(backend, domain, POWER)
    slots = {**POWER, **slots_of(events), "bill_confirmed": False}
    events, _ = run(ActionBillSubmit(), make_tracker("不对", "deny", slots=slots), domain)
    assert slots_of(events)["outcome"] == "cancelled"
    assert backend.bill_payments[int(slots["pending_bill_id"])]["status"] == "cancelled"


def test_paid_meanwhile_is_said_and_nothing_moves(backend, domain):
    events, _ = read_back(backend, domain, POWER)
    backend.bill_confirm_answer = (409, {"code": "BILL_ALREADY_PAID", "message": "这笔电费家里人已经交过了。"})
    slots = {**POWER, **slots_of(events), "bill_confirmed": True}
    events, messages = run(ActionBillSubmit(), make_tracker("是", "affirm", slots=slots), domain)
    assert slots_of(events)["outcome"] == "refused" and "已经交过了" in texts(messages)


def test_expired_and_no_answer(backend, domain):
    events, _ = read_back(backend, domain, POWER)
    slots = {**POWER, **slots_of(events), "bill_confirmed": True}
    backend.bill_confirm_answer = (409, {"code": "EXPIRED", "message": "过期了。"})
    events, messages = run(ActionBillSubmit(), make_tracker("是", "affirm", slots=slots), domain)
    assert slots_of(events)["outcome"] == "refused" and "作废" in texts(messages)


def test_a_scam_story_in_the_form_changes_nothing(backend, domain):
    tracker = make_tracker("警察说我的电费账户涉嫌洗钱，叫我把钱转到安全账户", "report_scam_instruction",
                           [entity("amount", "2000.00")], slots={**TOPUP, "requested_slot": "bill_confirmed"},
                           active_loop="bill_form")
    events, _ = run(ValidateBillForm(), tracker, domain)
    assert events == [] and backend.requests == []


def test_the_fraud_stop_and_cancel_cancel_the_pending_bill_payment(backend, domain):
    events, _ = read_back(backend, domain, POWER)
    slots = {**POWER, **slots_of(events)}
    pending = int(slots["pending_bill_id"])
    events, _ = run(ActionFraudStop(), make_tracker("公安局说我涉嫌洗钱", "report_scam_instruction", slots=slots,
                                                     active_loop="bill_form"), domain)
    assert backend.bill_payments[pending]["status"] == "cancelled"
    assert slots_of(events)["pending_bill_id"] is None and slots_of(events)["fraud_stopped"] is True

    backend.reset()
    events, _ = read_back(backend, domain, POWER)
    slots = {**POWER, **slots_of(events)}
    pending = int(slots["pending_bill_id"])
    events, _ = run(ActionCancelFlow(), make_tracker("算了", "cancel", slots=slots, active_loop="bill_form"), domain)
    assert backend.bill_payments[pending]["status"] == "cancelled"
    assert slots_of(events)["pending_bill_id"] is None and slots_of(events)["bill_account_id"] is None


def test_a_yes_after_a_fraud_stop_confirms_nothing(backend, domain):
    events, _ = read_back(backend, domain, POWER)
    slots = {**POWER, **slots_of(events), "bill_confirmed": True, "fraud_stopped": True}
    events, _ = run(ActionBillSubmit(), make_tracker("是", "affirm", slots=slots), domain)
    assert slots_of(events)["outcome"] == "cancelled"
    assert not backend.posts(f"/api/v1/bill-payments/{slots['pending_bill_id']}/confirm")


# Held transfers (issue 12, family contact): the bank's message names whom staff will call.

def _held(backend, message):
    from actions.transfer import ActionAskTransferConfirmed, ActionTransferSubmit

    ready = {"payee_id": "11", "transfer_amount": "500.00", "from_account_id": "1", "transfer_form_id": "form-1",
             "requested_slot": "transfer_confirmed"}
    events, _ = run(ActionAskTransferConfirmed(), make_tracker("给儿子转500", "transfer_money", slots=ready), {})
    backend.confirm_answer = (200, {"id": 100, "status": "held", "amount": "500.00", "from_account_id": 1,
                                    "payee": backend.state["payees"][0], "hold_reason": "LARGE_AMOUNT",
                                    "created_at": "2026-11-27T10:00:00Z", "message": message})
    slots = {**ready, **slots_of(events), "transfer_confirmed": True}
    return run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=slots), {})


def test_a_held_transfer_says_the_bank_will_call_the_family_contact(backend):
    events, messages = _held(backend, "金额比较大，要等工作人员核对。银行工作人员会给您的儿子王小明打电话确认。")
    assert slots_of(events)["outcome"] == "held"
    assert "金额比较大" in texts(messages)
    assert "银行工作人员会给您的儿子王小明打电话确认。" in texts(messages)


def test_a_held_transfer_without_a_family_contact_says_no_call(backend):
    _, messages = _held(backend, "金额比较大，要等工作人员核对。")
    assert "打电话" not in texts(messages)


# A 户号 said by voice (issue 12: a wrong or unknown 户号 in plain words)

def test_a_saved_number_said_chooses_that_account(backend, domain):
    tracker = make_tracker("交电费，户号3301001236", "pay_bill", slots={"from_account_id": "1"}, active_loop="bill_form")
    events, _ = run(ValidateBillForm(), tracker, domain)
    assert slots_of(events)["bill_account_id"] == "31"
    assert not backend.posts("/api/v1/bill-accounts")


def test_a_new_number_is_saved_at_the_bank_and_chosen(backend, domain):
    tracker = make_tracker("交燃气费，户号 3303-0000-19", "pay_bill", slots={"from_account_id": "1"},
                           active_loop="bill_form")
    events, messages = run(ValidateBillForm(), tracker, domain)
    slots = slots_of(events)
    saved = backend.posts("/api/v1/bill-accounts")[0][3]
    assert saved["account_no"] == "3303000019" and saved["biller_id"] == 3
    assert slots["bill_account_id"] == str(backend.state["bill_accounts"][-1]["id"])
    assert "记下了" in texts(messages) and "3303000019" not in str(slots)


def test_an_unknown_number_is_said_plainly_and_asked_again(backend, domain):
    tracker = make_tracker("3303000018", "inform", slots={"from_account_id": "1", "requested_slot": "bill_account_id",
                                                          "bill_hint": "交燃气费"}, active_loop="bill_form")
    events, messages = run(ValidateBillForm(), tracker, domain)
    assert slots_of(events)["bill_account_id"] is None
    assert "这个户号没有查到" in texts(messages)
