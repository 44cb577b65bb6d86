"""Repeat, slower, cancel, hand-over and the fallback."""
from __future__ import annotations

import re

import pytest

from actions.conversation import (
    ActionAnxinFallback,
    ActionCancelFlow,
    ActionHandoff,
    ActionRepeat,
    ActionSlower,
)
from rules import speech
from tests.actions.conftest import TOKEN, make_tracker, run, slots_of, texts


def user(text: str, intent: str) -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}, "metadata": {}}


def bot(text: str, buttons: list | None = None, **custom) -> dict:
    return {"event": "bot", "text": text, "data": {"buttons": buttons, "custom": custom}}


HISTORY = [user("查余额", "check_balance"), bot("活期账户，尾号1234。", speech_rate=1.0),
           bot("余额500.00元。", key_figure="500.00元")]


def test_repeat_replays_the_last_turn(domain):
    _, messages = run(ActionRepeat(), make_tracker("再说一遍", "repeat", events=HISTORY,
                                                  slots={"speech_rate": 0.85}), domain)
    assert [m["text"] for m in messages] == ["活期账户，尾号1234。", "余额500.00元。"]
    assert messages[1]["custom"] == {"key_figure": "500.00元", "speech_rate": 0.85}


def test_repeat_in_a_form_leaves_the_question_to_the_form(domain):
    history = [user("给儿子转", "transfer_money"), bot("没有找到。"), bot("转给谁？", [{"title": "儿子", "payload": "/x"}])]
    _, messages = run(ActionRepeat(), make_tracker("啥", "repeat", events=history, active_loop="transfer_form"), domain)
    assert [m["text"] for m in messages] == ["没有找到。"]


def test_repeat_with_nothing_said_yet(domain):
    _, messages = run(ActionRepeat(), make_tracker("再说一遍", "repeat"), domain)
    assert "您想办什么事" in texts(messages)


def test_slower_steps_down_to_a_floor():
    rates = [1.0]
    for _ in range(5):
        rates.append(speech.slower(rates[-1]))
    assert rates == [1.0, 0.85, 0.7, 0.55, 0.5, 0.5]


def test_slower_sets_the_slot_and_replays_at_the_new_rate(domain):
    events, messages = run(ActionSlower(), make_tracker("说慢点", "slower", events=HISTORY), domain)
    assert slots_of(events) == {"speech_rate": 0.85}
    assert all(m["custom"]["speech_rate"] == 0.85 for m in messages)
    assert [m["text"] for m in messages][1:] == ["活期账户，尾号1234。", "余额500.00元。"]


def test_cancel_ends_the_form_and_clears_it(domain):
    tracker = make_tracker("算了", "cancel", active_loop="transfer_form",
                           slots={"payee_id": "11", "transfer_amount": "500.00"})
    events, messages = run(ActionCancelFlow(), tracker, domain)
    assert {"event": "active_loop", "name": None} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    assert slots_of(events)["payee_id"] is None and slots_of(events)["transfer_amount"] is None
    assert "钱没有动" in texts(messages)


def test_cancel_at_the_read_back_cancels_the_pending_record(backend, domain):
    backend.transfers[100] = {"id": 100, "status": "pending", "amount": "500.00"}
    tracker = make_tracker("算了", "cancel", active_loop="transfer_form",
                           slots={"payee_id": "11", "transfer_amount": "500.00", "pending_transfer_id": "100"})
    events, _ = run(ActionCancelFlow(), tracker, domain)
    assert backend.transfers[100]["status"] == "cancelled"
    assert slots_of(events)["pending_transfer_id"] is None


def test_cancel_with_the_backend_down_still_ends_the_form(backend_down, domain):
    tracker = make_tracker("算了", "cancel", active_loop="transfer_form", slots={"pending_transfer_id": "100"})
    events, messages = run(ActionCancelFlow(), tracker, domain)
    assert slots_of(events)["pending_transfer_id"] is None
    assert "钱没有动" in texts(messages)


def test_two_misunderstandings_in_a_row_offer_a_person(domain):
    first, first_messages = run(ActionAnxinFallback(), make_tracker("呜啦啦", "nlu_fallback"), domain)
    assert "查余额" in texts(first_messages)
    history = [user("呜啦啦", "nlu_fallback"), bot(first_messages[0]["text"], misunderstood=True)]
    _, messages = run(ActionAnxinFallback(), make_tracker("哈哈哈", "nlu_fallback", events=history), domain)
    assert "转人工" in texts(messages)
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/human_handoff", "/deny"]


def test_second_misunderstanding_in_a_form_asks_no_second_question(domain):
    history = [user("呜啦啦", "nlu_fallback"), bot("对不起，我没听明白。", misunderstood=True), bot("转给谁？")]
    _, messages = run(ActionAnxinFallback(), make_tracker("哈哈", "nlu_fallback", events=history,
                                                         active_loop="transfer_form"), domain)
    assert "转人工" in texts(messages) and "？" not in texts(messages)
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/human_handoff"]


def test_an_understood_turn_in_between_resets_the_count(domain):
    history = [user("呜啦啦", "nlu_fallback"), bot("没听明白", misunderstood=True), user("查余额", "check_balance"),
               bot("余额500.00元。")]
    _, messages = run(ActionAnxinFallback(), make_tracker("哈哈哈", "nlu_fallback", events=history), domain)
    assert "要不要转人工" not in texts(messages)


def test_handoff_carries_a_summary_without_secrets(domain):
    tracker = make_tracker("转人工", "human_handoff", active_loop="transfer_form",
                           slots={"transfer_amount": "500.00", "payee_hint": "儿子"},
                           events=[user("给儿子转500", "transfer_money")])
    events, messages = run(ActionHandoff(), tracker, domain)
    custom = messages[0]["custom"]
    assert custom["handoff"]["reason"] == "asked"
    summary = custom["handoff"]["summary"]
    assert "转账" in summary and "500.00" in summary
    assert not re.search(r"[A-Za-z]", summary)
    assert TOKEN not in repr(messages) and TOKEN not in repr(events)


@pytest.mark.parametrize("form, words", [("revoke_form", "撤回转账"), ("some_future_form", "一件业务")])
def test_a_handoff_summary_names_every_form_in_words(domain, form, words):
    # Staff read this summary: a code name such as "revoke_form" means nothing to them.
    tracker = make_tracker("转人工", "human_handoff", active_loop=form, events=[user("刚才那笔撤回", "revoke_transfer")])
    _, messages = run(ActionHandoff(), tracker, domain)
    summary = messages[0]["custom"]["handoff"]["summary"]
    assert f"客户正在办{words}" in summary
    assert not re.search(r"[A-Za-z]", summary)


def test_a_handoff_after_a_misunderstanding_says_so(domain):
    history = [user("呜啦啦", "nlu_fallback"), bot("还是没听明白，对不起。", misunderstood=True)]
    _, messages = run(ActionHandoff(), make_tracker("转人工", "human_handoff", events=history), domain)
    assert messages[0]["custom"]["handoff"]["reason"] == "misunderstood"
