"""Faults in the dialogue tier during conversations: a Rasa server killed, the action servers down, Redis down,
two messages of one conversation at two Rasa servers at once, PostgreSQL (the tracker store) restarted."""
from __future__ import annotations

import os
import signal
import threading
import time
import uuid

import psycopg
import pytest

from cluster.launch import Cluster, wait_until
from tests.cluster.chat import WebChat, completed_transfers, rasa_turn, tracker_events
from tests.cluster.helpers import new_customers, sign_in

pytestmark = [pytest.mark.cluster, pytest.mark.rasa]

ASKS_TO_CONFIRM = "对吗"
TRANSFER_DONE = "转好了"


def test_rasa_server_killed_mid_conversation_continues_on_another(rasa_cluster: Cluster) -> None:
    cluster = rasa_cluster
    rasa1, rasa2 = (m.port for m in cluster.tier_members("rasa"))
    chat = WebChat(cluster.entry_url, new_customers(cluster, 1)[0])
    assert chat.sign_in().status_code == 200
    # The first half of the conversation surely on rasa1 ...
    cluster.lb.set_backends("rasa", [rasa1])
    assert ASKS_TO_CONFIRM in chat.say("给儿子转500元")
    cluster.lb.set_backends("rasa", [rasa1, rasa2])
    cluster.kill("rasa1")
    try:
        # ... and after rasa1's death the confirmation lands on rasa2, which knows what is being confirmed.
        assert TRANSFER_DONE in chat.say("确认")
        assert completed_transfers(cluster, chat.customer.phone) == [500_00]
    finally:
        cluster.restart("rasa1", wait=False)  # back in the pool by the time the concurrency test needs it


def test_rasa_server_killed_mid_turn_after_the_money_moved_transfer_happens_once(rasa_cluster: Cluster) -> None:
    """The worst moment: the transfer is done at the bank, the Rasa server dies before it saves the turn.
    The customer is told to try again, says 确认 again on another server, and the money moves once."""
    cluster = rasa_cluster
    cluster.wait_ready("rasa1")
    rasa1, rasa2 = (m.port for m in cluster.tier_members("rasa"))
    chat = WebChat(cluster.entry_url, new_customers(cluster, 1)[0])
    assert chat.sign_in().status_code == 200
    cluster.lb.set_backends("rasa", [rasa1])
    assert ASKS_TO_CONFIRM in chat.say("给儿子转500元")
    answers: list[str] = []
    confirm = threading.Thread(target=lambda: answers.append(chat.say("确认")))
    with psycopg.connect(cluster.pg.url().replace("postgresql+psycopg", "postgresql"), autocommit=True) as db:
        confirm.start()
        deadline = time.monotonic() + 30
        # Poll tightly: the moment the bank has booked it, freeze rasa1 (still waiting for the action's answer,
        # with nothing of this turn saved), then kill it.
        while not db.execute("SELECT 1 FROM transfers t JOIN customers c ON c.id = t.customer_id "
                             "WHERE c.phone = %s AND t.status = 'completed'", (chat.customer.phone,)).fetchone():
            assert time.monotonic() < deadline, "the transfer was never booked"
    os.killpg(cluster.service("rasa1").proc.pid, signal.SIGSTOP)
    try:
        cluster.kill("rasa1")
        cluster.lb.set_backends("rasa", [rasa1, rasa2])
        confirm.join(timeout=60)
        told = answers[0] if answers else ""
        assert told.strip()  # done, or an apology asking to try again: never silence
        if TRANSFER_DONE not in told:
            # The customer tries again, as told. rasa1's ticket lock expires (TICKET_LOCK_LIFETIME), then rasa2
            # finds the conversation still waiting for the confirmation and repeats the action with the same
            # Idempotency-Key: the bank answers with the transfer already made.
            assert wait_until(lambda: TRANSFER_DONE in chat.say("确认"), timeout_s=60, interval_s=2.0)
        assert completed_transfers(cluster, chat.customer.phone) == [500_00]
    finally:
        cluster.lb.set_backends("rasa", [rasa1, rasa2])
        cluster.restart("rasa1", wait=False)


def test_action_server_down_user_told_and_nothing_reported_done(rasa_cluster: Cluster) -> None:
    cluster = rasa_cluster
    chat = WebChat(cluster.entry_url, new_customers(cluster, 1)[0])
    assert chat.sign_in().status_code == 200
    assert ASKS_TO_CONFIRM in chat.say("给儿子转500元")
    for inst in cluster.tier_members("actions"):
        cluster.kill(inst.name)
    try:
        answer = chat.say("确认")
        assert answer.strip(), "the customer was told nothing"
        assert TRANSFER_DONE not in answer and "存好了" not in answer
        assert completed_transfers(cluster, chat.customer.phone) == []
    finally:
        for inst in cluster.tier_members("actions"):
            cluster.restart(inst.name)
    # Recovered on its own: the same conversation works again once nginx retries the action servers
    # (it skips an instance that failed for fail_timeout=3 s).
    assert wait_until(lambda: "余额" in chat.say("查一下余额"), timeout_s=20, interval_s=1.0)


def test_redis_unavailable_clear_error_then_recovery(rasa_cluster: Cluster) -> None:
    cluster = rasa_cluster
    customer = new_customers(cluster, 1)[0]
    token = sign_in(cluster.url("backend"), customer).token
    chat = WebChat(cluster.entry_url, customer)
    assert chat.sign_in().status_code == 200
    cluster.redis.stop()
    try:
        # The gateway cannot read the session: a plain 503, never a stack trace.
        resp = chat.say_raw("查一下余额")
        assert resp.status_code == 503 and resp.json()["code"] == "SERVICE_UNAVAILABLE", resp.text
        # Rasa cannot take the conversation's lock: it does not answer as if all were well.
        status, replies = rasa_turn(cluster.url("rasa"), f"redis-{uuid.uuid4().hex[:8]}", "查一下余额", token)
        assert status != 200 or not any("余额" in (r.get("text") or "") for r in replies)
    finally:
        cluster.redis.start()
    # Recovery without restarting anything. Sessions lived in the stopped Redis: the customer signs in again.
    assert wait_until(lambda: chat.sign_in().status_code == 200, timeout_s=20)
    assert "余额" in chat.say("查一下余额")


def test_two_messages_of_one_conversation_at_two_servers_processed_in_order_once(rasa_cluster: Cluster) -> None:
    cluster = rasa_cluster
    cluster.wait_ready("rasa1")  # restarted in the background by the tests above
    urls = [m.url for m in cluster.tier_members("rasa")]
    token = sign_in(cluster.url("backend"), new_customers(cluster, 1)[0]).token
    for round_ in range(5):
        sender = f"race-{round_}-{uuid.uuid4().hex[:8]}"
        results: list[tuple[int, list]] = [(0, []), (0, [])]
        start = threading.Barrier(2)

        def send(i: int, text: str, sender: str, start: threading.Barrier, results: list) -> None:
            start.wait()
            results[i] = rasa_turn(urls[i], sender, text, token)

        threads = [threading.Thread(target=send, args=(0, "查一下余额", sender, start, results)),
                   threading.Thread(target=send, args=(1, "再说一遍", sender, start, results))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=90)
        assert all(status == 200 and replies for status, replies in results), results
        events = tracker_events(cluster, sender)
        users = [i for i, (kind, _) in enumerate(events) if kind == "user"]
        assert len(users) == 2, events  # each message exactly once
        # In order, never interleaved: the first message's turn ends (action_listen) before the second starts.
        between = events[users[0] + 1:users[1]]
        assert ("action", "action_listen") in between, events
        assert events[-1] == ("action", "action_listen"), events


def test_tracker_store_survives_postgres_restart(rasa_cluster: Cluster) -> None:
    cluster = rasa_cluster
    token = sign_in(cluster.url("backend"), new_customers(cluster, 1)[0]).token
    sender = f"pg-{uuid.uuid4().hex[:8]}"
    for inst in cluster.tier_members("rasa"):
        assert rasa_turn(inst.url, sender, "查一下余额", token)[0] == 200
    cluster.pg.restart()
    # Each Rasa server's pooled connections died with PostgreSQL; pre-ping replaces them, no turn fails.
    for inst in cluster.tier_members("rasa"):
        status, replies = rasa_turn(inst.url, sender, "查一下余额", token)
        assert status == 200 and any("余额" in (r.get("text") or "") for r in replies), replies
    assert [k for k, _ in tracker_events(cluster, sender)].count("user") == 4
