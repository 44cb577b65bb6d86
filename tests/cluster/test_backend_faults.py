"""Faults in the banking tier during traffic: a backend instance SIGKILLed, PostgreSQL restarted.

Clients move money the careful way (one Idempotency-Key per transfer, retried on 5xx and network errors);
afterwards every transfer exists exactly once, the books balance, users only ever saw a plain message, and the
cluster is whole again without anyone restarting the services that were not hit.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest

from cluster.books import check_books
from cluster.launch import Cluster
from tests.cluster.helpers import (
    Attempted,
    SignedIn,
    demand_account,
    new_customers,
    old_payee,
    sign_in,
    transfer_until_done,
)

pytestmark = pytest.mark.cluster

AMOUNT = Decimal("10.00")
OPENING = Decimal("1000000.00")


def _traffic(cluster: Cluster, customers: int, transfers_each: int, fault: threading.Event) -> tuple[
        list[SignedIn], list[list[Attempted]]]:
    """Starts traffic; sets `fault` once every customer has a completed transfer (so the fault hits mid-way)."""
    base = cluster.url("backend")
    people = [sign_in(base, c) for c in new_customers(cluster, customers)]
    started = threading.Barrier(customers + 1)

    def one_customer(who: SignedIn) -> list[Attempted]:
        account, payee = demand_account(base, who), old_payee(base, who)
        done = [transfer_until_done(base, who, account["id"], payee["id"], AMOUNT)]
        started.wait()
        for _ in range(transfers_each - 1):
            done.append(transfer_until_done(base, who, account["id"], payee["id"], AMOUNT))
        return done

    pool = ThreadPoolExecutor(customers)
    futures = [pool.submit(one_customer, who) for who in people]
    started.wait(timeout=60)
    fault.set()
    results = [f.result(timeout=180) for f in futures]
    pool.shutdown()
    return people, results


def _assert_each_transfer_once(cluster: Cluster, people: list[SignedIn], results: list[list[Attempted]]) -> None:
    base = cluster.url("backend")
    for who, attempts in zip(people, results, strict=True):
        assert all(a.result["status"] == "completed" for a in attempts)
        ids = [a.result["id"] for a in attempts]
        assert len(set(ids)) == len(ids), "two keys answered with the same transfer"
        balance = Decimal(demand_account(base, who)["balance"])
        assert balance == OPENING - AMOUNT * len(attempts), "money lost or moved twice"
    confirmed = {who.customer.phone: len(attempts) for who, attempts in zip(people, results, strict=True)}
    books = check_books(cluster.pg, confirmed)
    assert books.ok, books.problems


def _assert_plain_messages(results: list[list[Attempted]]) -> None:
    """Whatever a client was told on the way was a stable code and a Chinese sentence, not an HTML page."""
    for attempts in results:
        for attempt in attempts:
            for refusal in attempt.refusals:
                assert refusal.get("code"), refusal
                if refusal["code"] in {"ConnectError", "ReadError", "RemoteProtocolError", "ReadTimeout"}:
                    continue  # a transport error never reached a user: the gateway turns it into its apology
                assert any("\u4e00" <= ch <= "\u9fff" for ch in refusal.get("message", "")), refusal


def test_backend_instance_sigkilled_mid_transfers_then_restarted(cluster: Cluster) -> None:
    fault = threading.Event()
    victim = "backend1"
    pid_before = cluster.service(victim).proc.pid

    def inject() -> None:
        fault.wait(timeout=60)
        # Frozen first, so requests are surely in flight on it (accepted, unanswered) when it dies; then
        # SIGKILL: no graceful shutdown, every one of them is cut off.
        os.killpg(cluster.service(victim).proc.pid, signal.SIGSTOP)
        time.sleep(1.0)
        cluster.kill(victim)
        time.sleep(1.0)
        cluster.restart(victim)

    injector = threading.Thread(target=inject)
    injector.start()
    people, results = _traffic(cluster, customers=6, transfers_each=25, fault=fault)
    injector.join(timeout=120)

    assert cluster.service(victim).proc.pid != pid_before  # it really was killed and started again
    cut_off = [a for attempts in results for a in attempts if a.attempts > 1]
    assert cut_off, "no request was in flight on the killed instance: the test proved nothing"
    _assert_each_transfer_once(cluster, people, results)
    _assert_plain_messages(results)
    # The restarted instance serves again, directly and through nginx.
    who = people[0]
    direct = httpx.get(f"{cluster.members[victim].url}/api/v1/accounts", headers=who.headers, timeout=10)
    assert direct.status_code == 200


def test_postgres_restarted_during_traffic_services_recover_on_their_own(cluster: Cluster) -> None:
    fault = threading.Event()
    pids = {name: svc.proc.pid for name, svc in cluster.stack.services.items()}
    failures: list[BaseException] = []

    def inject() -> None:
        try:
            fault.wait(timeout=60)
            time.sleep(0.3)
            cluster.pg.restart()
        except BaseException as exc:  # surfaced below: a failed restart must fail the test, not hang it
            failures.append(exc)

    injector = threading.Thread(target=inject)
    injector.start()
    people, results = _traffic(cluster, customers=6, transfers_each=25, fault=fault)
    injector.join(timeout=120)
    assert not failures, failures

    assert any(a.attempts > 1 for attempts in results for a in attempts), "the restart hit no request"
    _assert_each_transfer_once(cluster, people, results)
    _assert_plain_messages(results)
    # No service was restarted, and every backend instance talks to the new PostgreSQL (pool_pre_ping).
    assert {name: svc.proc.pid for name, svc in cluster.stack.services.items()} == pids
    for inst in cluster.tier_members("backend"):
        resp = httpx.get(f"{inst.url}/api/v1/accounts", headers=people[0].headers, timeout=10)
        assert resp.status_code == 200, (inst.name, resp.text)
