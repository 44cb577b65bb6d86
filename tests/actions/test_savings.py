"""Savings products and the time-deposit form against a fake backend."""
from __future__ import annotations

from decimal import Decimal

import pytest

from actions.savings import (
    ActionAskDepositConfirmed,
    ActionAskDepositTerm,
    ActionDepositStart,
    ActionDepositSubmit,
    ActionSavingsProducts,
    ValidateDepositForm,
    expected_interest,
)
from tests.actions.conftest import entity, make_tracker, run, slots_of, texts

CONFIRMED = {"deposit_term": "12", "deposit_amount": "10000.00", "from_account_id": "1", "deposit_confirmed": True,
             "deposit_form_id": "dep-1"}


@pytest.mark.parametrize(("principal", "rate", "months", "interest"), [
    ("10000.00", "1.10", 12, "110.00"), ("10000.00", "0.85", 3, "21.25"), ("3333.33", "1.55", 60, "258.33"),
    ("0.01", "1.10", 12, "0.00"), ("50000.00", "1.50", 36, "2250.00"),
])
def test_expected_interest_is_exact(principal, rate, months, interest):
    assert expected_interest(Decimal(principal), rate, months) == Decimal(interest)


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


def test_read_back_has_rate_and_interest(backend, domain):
    slots = {k: v for k, v in CONFIRMED.items() if k != "deposit_confirmed"}
    _, messages = run(ActionAskDepositConfirmed(), make_tracker("一万", slots=slots), domain)
    text = messages[0]["text"]
    assert "存一年定期，10000.00元" in text and "壹万元整" in text
    assert "年利率1.10%" in text and "到期利息约110.00元" in text


def test_confirmed_deposit_is_sent_with_an_idempotency_key(backend, domain):
    events, messages = run(ActionDepositSubmit(), make_tracker("是", "affirm", slots=CONFIRMED), domain)
    assert slots_of(events)["outcome"] == "completed"
    (_, _, headers, body), = backend.posts("/api/v1/deposits")
    assert body == {"product_id": 3, "from_account_id": 1, "amount": "10000.00"}
    assert headers["Idempotency-Key"].endswith("dep-1")
    assert "存好了" in texts(messages) and "2027年11月27日到期" in texts(messages)


def test_refused_deposit(backend, domain):
    backend.deposit_answer = (422, {"code": "INSUFFICIENT_FUNDS", "message": "活期余额不够。"})
    events, messages = run(ActionDepositSubmit(), make_tracker("是", "affirm", slots=CONFIRMED), domain)
    assert slots_of(events)["outcome"] == "insufficient_funds"
    assert "活期余额不够。" in texts(messages) and "存好了" not in texts(messages)


def test_denied_deposit_moves_nothing(backend, domain):
    events, _ = run(ActionDepositSubmit(), make_tracker("不", "deny", slots={**CONFIRMED, "deposit_confirmed": False}),
                    domain)
    assert slots_of(events)["outcome"] == "cancelled"
    assert backend.posts("/api/v1/deposits") == []
