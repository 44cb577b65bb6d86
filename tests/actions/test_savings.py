"""Savings products and the time-deposit form against a fake backend."""
from __future__ import annotations

from actions.savings import (
    ActionAskDepositConfirmed,
    ActionAskDepositTerm,
    ActionDepositStart,
    ActionDepositSubmit,
    ActionSavingsProducts,
    ValidateDepositForm,
)
from tests.actions.conftest import entity, make_tracker, run, slots_of, texts

CONFIRMED = {"deposit_term": "12", "deposit_amount": "10000.00", "from_account_id": "1", "deposit_confirmed": True,
             "deposit_form_id": "dep-1"}


def test_products_are_listed_with_their_rates(backend, domain):
    _, messages = run(ActionSavingsProducts(), make_tracker("利息多少", "savings_products"), domain)
    assert "一年定期，年利率1.10%。" in texts(messages)
    assert messages[-1]["buttons"][0]["payload"] == "/open_time_deposit"


def test_term_buttons_come_from_the_backend_products(backend, domain):
    _, messages = run(ActionAskDepositTerm(), make_tracker("存定期", "open_time_deposit"), domain)
    assert [b["payload"] for b in messages[0]["buttons"]] == ['/inform{"deposit_term": "3"}',
                                                             '/inform{"deposit_term": "12"}']


def test_start_and_term_and_amount(backend, domain):
    events, _ = run(ActionDepositStart(), make_tracker("存一年定期", "open_time_deposit"), domain)
    assert slots_of(events)["outcome"] == "ready"
    tracker = make_tracker("存一年，一万块", "open_time_deposit",
                           [entity("deposit_term", "12"), entity("amount", "10000.00")])
    slots = slots_of(run(ValidateDepositForm(), tracker, domain)[0])
    assert slots["deposit_term"] == "12" and slots["deposit_amount"] == "10000.00"


def test_a_term_the_bank_does_not_offer_is_said(backend, domain):
    tracker = make_tracker("存两年", entities=[entity("deposit_term", "24")], slots={"requested_slot": "deposit_term"})
    events, messages = run(ValidateDepositForm(), tracker, domain)
    assert slots_of(events)["deposit_term"] is None
    assert "没有这个期限" in texts(messages)


READY = {k: v for k, v in CONFIRMED.items() if k != "deposit_confirmed"}


def read_back(backend, domain, slots=READY):
    events, messages = run(ActionAskDepositConfirmed(), make_tracker("一万", slots=slots), domain)
    return slots_of(events), messages


def test_read_back_is_rendered_from_a_pending_deposit(backend, domain):
    slots, messages = read_back(backend, domain)
    text = messages[0]["text"]
    assert "存一年定期，10000.00元" in text and "壹万元整" in text
    assert "年利率1.10%" in text and "到期利息约110.00元" in text
    (_, _, headers, body), = backend.posts("/api/v1/deposits")
    assert body == {"product_id": 3, "from_account_id": 1, "amount": "10000.00", "require_confirmation": True,
                    "maturity_choice": "renew"}
    assert "dep-1" in headers["Idempotency-Key"]
    record = backend.deposits[int(slots["pending_deposit_id"])]
    assert record["status"] == "pending"
    assert messages[0]["custom"]["pending_id"] == record["id"]


def test_the_interest_read_back_is_the_banks_figure(backend, domain):
    # The dialogue never computes money: whatever the bank says is what the customer hears.
    backend.expected_interest = "109.99"
    _, messages = read_back(backend, domain)
    assert "到期利息约109.99元" in messages[0]["text"]


def test_a_changed_amount_makes_a_new_pending_deposit(backend, domain):
    first, _ = read_back(backend, domain)
    changed, messages = read_back(backend, domain, {**READY, **first, "deposit_amount": "20000.00"})
    assert changed["pending_deposit_id"] != first["pending_deposit_id"]
    assert backend.deposits[int(first["pending_deposit_id"])]["status"] == "cancelled"
    assert "贰万元整" in messages[0]["text"]


def test_confirmed_deposit_confirms_the_read_back_record(backend, domain):
    slots, _ = read_back(backend, domain)
    tampered = {**CONFIRMED, **slots, "deposit_amount": "99999.00"}
    events, messages = run(ActionDepositSubmit(), make_tracker("是", "affirm", slots=tampered), domain)
    assert slots_of(events)["outcome"] == "completed"
    assert [r[1] for r in backend.requests if r[0] == "POST"][-1] == \
        f"/api/v1/deposits/{slots['pending_deposit_id']}/confirm"
    assert backend.deposits[int(slots["pending_deposit_id"])]["status"] == "active"
    assert "存好了" in texts(messages) and "2027年11月27日到期" in texts(messages)
    assert "10000.00元" in texts(messages) and "到期利息约110.00元" in texts(messages)


def test_refused_deposit(backend, domain):
    backend.deposit_answer = (422, {"code": "INSUFFICIENT_FUNDS", "message": "活期余额不够。"})
    slots, messages = read_back(backend, domain)
    assert slots["deposit_stop"] == "insufficient_funds"
    assert "活期余额不够。" in texts(messages)
    events, messages = run(ActionDepositSubmit(), make_tracker("是", "affirm", slots={**READY, **slots}), domain)
    assert slots_of(events)["outcome"] == "insufficient_funds" and "存好了" not in texts(messages)


def test_denied_deposit_cancels_the_pending_record(backend, domain):
    slots, _ = read_back(backend, domain)
    events, _ = run(ActionDepositSubmit(), make_tracker("不", "deny", slots={**CONFIRMED, **slots,
                                                                              "deposit_confirmed": False}),
                    domain)
    assert slots_of(events)["outcome"] == "cancelled"
    assert backend.deposits[int(slots["pending_deposit_id"])]["status"] == "cancelled"


def test_a_yes_without_a_pending_deposit_opens_nothing(backend, domain):
    events, _ = run(ActionDepositSubmit(), make_tracker("是", "affirm", slots=CONFIRMED), domain)
    assert slots_of(events)["outcome"] == "refused"
    assert backend.posts("/api/v1/deposits") == []


def test_a_scam_turn_changes_nothing_in_the_deposit_form(backend, domain):
    tracker = make_tracker("客服说我的定期要转到安全账户", "report_scam_instruction",
                           [entity("amount", "5000.00")], slots={**READY, "requested_slot": "deposit_confirmed"})
    events, messages = run(ValidateDepositForm(), tracker, domain)
    assert events == [] and messages == []


def test_bad_amount_at_the_deposit_read_back_does_not_raise(backend, domain):
    slots, _ = read_back(backend, domain, {**READY, "deposit_amount": "1e30"})
    assert slots["deposit_stop"] == "refused"
    assert backend.posts("/api/v1/deposits") == []
