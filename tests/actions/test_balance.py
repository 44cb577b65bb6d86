"""Balance and recent transactions: short sentences, digits and capitals, clear apologies."""
from __future__ import annotations

import re

from actions.balance import ActionCheckBalance, ActionRecentTransactions
from tests.actions.conftest import entity, make_tracker, run, texts


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[。\n！？]", text) if s]


def test_balance_in_digits_and_capitals_in_short_sentences(backend, domain):
    _, messages = run(ActionCheckBalance(), make_tracker("查余额", "check_balance"), domain)
    text = texts(messages)
    assert "余额12000.00元" in text and "壹万贰仟元整" in text
    assert all(len(s) <= 20 for s in sentences(text)), text
    assert not re.search(r"[A-Za-z]", text)
    assert messages[0]["custom"]["key_figure"] == "12000.00元"


def test_balance_of_the_account_asked_for(backend, domain):
    backend.state["accounts"].append({"id": 2, "kind": "pension", "name": "养老金账户", "tail": "5678",
                                      "balance": "3500.00", "currency": "CNY"})
    _, messages = run(ActionCheckBalance(), make_tracker("养老金有多少", "check_balance",
                                                         [entity("account_type", "pension")]), domain)
    assert "养老金账户" in texts(messages) and "活期" not in texts(messages)


def test_no_token_asks_to_sign_in(backend, domain):
    _, messages = run(ActionCheckBalance(), make_tracker("查余额", "check_balance", token=None), domain)
    assert messages[0]["response"] == "utter_not_signed_in"


def test_backend_down_apologises(backend_down, domain):
    _, messages = run(ActionCheckBalance(), make_tracker("查余额", "check_balance"), domain)
    assert messages[0]["response"] == "utter_backend_down"


def test_recent_transactions(backend, domain):
    _, messages = run(ActionRecentTransactions(), make_tracker("明细", "recent_transactions"), domain)
    text = texts(messages)
    assert "活期账户最近1笔" in text
    assert "11月20日，转出500.00元。" in text and "伍佰元整" in text and "王小明" in text
