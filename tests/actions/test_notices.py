"""One-time notices at the start of a conversation (issue 12): said once before the first answer or after the
greeting, then marked seen; never in the way of the customer's request."""
from __future__ import annotations

import pytest

from actions.balance import ActionCheckBalance
from actions.bills import ActionBillStart
from actions.notices import ActionStartNotices
from tests.actions.conftest import make_tracker, run, slots_of, texts

PENSION = {"id": "pension:12", "kind": "pension_credit", "text": "您的养老金3,500.00元已经到账了，12月5日到的。",
           "amount": "3500.00", "at": "2026-12-05T01:00:00Z"}
MATURED = {"id": "deposit:5", "kind": "deposit_matured", "text": "您的一年定期10,000.00元已经到期了，已经自动转存。",
           "amount": "10000.00", "at": "2026-12-01T01:00:00Z"}


def test_the_pension_notice_comes_before_the_answer_once_and_is_marked_seen(backend, domain):
    backend.state["notices"] = [PENSION]
    events, messages = run(ActionCheckBalance(), make_tracker("查余额", "check_balance"), domain)
    assert messages[0]["text"] == PENSION["text"]
    assert "余额" in texts(messages[1:])
    assert slots_of(events)["notices_said"] is True
    assert backend.seen_notices == ["pension:12"]
    # The rest of the conversation: not said again.
    _, messages = run(ActionCheckBalance(), make_tracker("查余额", "check_balance", slots={"notices_said": True}), domain)
    assert PENSION["text"] not in texts(messages)


def test_each_notice_is_one_sentence_and_the_request_still_starts(backend, domain):
    backend.state["notices"] = [PENSION, MATURED]
    events, messages = run(ActionBillStart(), make_tracker("交电费", "pay_bill"), domain)
    assert [m["text"] for m in messages] == [PENSION["text"], MATURED["text"]]
    assert slots_of(events)["outcome"] == "ready"
    assert sorted(backend.seen_notices) == ["deposit:5", "pension:12"]


def test_after_the_greeting(backend, domain):
    backend.state["notices"] = [PENSION]
    events, messages = run(ActionStartNotices(), make_tracker("你好", "greet"), domain)
    assert texts(messages) == PENSION["text"] and slots_of(events)["notices_said"] is True
    backend.state["notices"] = []
    events, messages = run(ActionStartNotices(), make_tracker("你好", "greet"), domain)
    assert messages == []


def test_the_pension_question_does_not_hear_it_twice(backend, domain):
    # The pension question is issue 11's (actions/pension.py).
    ActionPensionArrival = pytest.importorskip("actions.pension").ActionPensionArrival
    backend.state["notices"] = [PENSION]
    backend.state["pension"] = {"items": [], "last": {"amount": "3500.00", "credited_on": "2026-12-05"},
                                "this_month": True, "message": PENSION["text"]}
    _, messages = run(ActionPensionArrival(), make_tracker("养老金到了没", "ask_pension_arrival"), domain)
    assert texts(messages).count("已经到账") == 1
    assert backend.seen_notices == ["pension:12"]


def test_notices_never_block_the_request(backend_down, domain):
    events, messages = run(ActionStartNotices(), make_tracker("你好", "greet"), domain)
    assert events == [] and messages == []
    _, messages = run(ActionCheckBalance(), make_tracker("查余额", "check_balance"), domain)
    assert [m.get("response") for m in messages] == ["utter_backend_down"]


def test_nothing_is_read_signed_out_or_after_a_fraud_stop(backend, domain):
    backend.state["notices"] = [PENSION]
    run(ActionStartNotices(), make_tracker("你好", "greet", token=None), domain)
    run(ActionStartNotices(), make_tracker("你好", "greet", slots={"fraud_stopped": True}), domain)
    assert backend.requests == []
