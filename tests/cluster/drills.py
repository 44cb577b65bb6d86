"""PostgreSQL fault drills of issue 13 (used by tests/cluster/test_drills_pg.py and bench/bench_failover.py).

`Traffic` runs bounded transfer and conversation traffic in threads while a drill injects its fault: customers
move 1.00 yuan at a time the careful way (one Idempotency-Key, retried on 5xx and network errors: see
helpers.transfer_until_done), and chat customers ask their balance through the public entry point. Each drill
function injects one fault, waits for the cluster to be whole again and returns its figures; `verify` checks
afterwards that every acknowledged transfer is in the ledger exactly once, the books balance to the fen, and
no Rasa server fell back to its in-memory tracker store.
"""
from __future__ import annotations

import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cluster.books import check_books
from cluster.launch import Cluster
from cluster.patroni import PostgresHA
from cluster.stores import PG_USER, _pg_bin
from tests.cluster.chat import WebChat
from tests.cluster.helpers import (
    Attempted,
    SignedIn,
    demand_account,
    new_customers,
    old_payee,
    sign_in,
    transfer_until_done,
)

AMOUNT = Decimal("1.00")
# Rasa's FailSafeTrackerStore says this when it answers from memory instead of the configured store.
FALLBACK_MARKERS = ("Falling back to use the 'InMemoryTrackerStore'", "InMemoryTrackerStore'. Please investigate")
# Patroni's line when the primary goes on without a synchronous standby (synchronous_mode_strict: false).
ASYNC_FALLBACK_LINE = "Assigning synchronous standby status to []"
CHAT_TURNS = ("我的余额是多少", "谢谢")


@dataclass
class Turn:
    at: float
    status: int


@dataclass
class Traffic:
    cluster: Cluster
    payers: int = 3
    chatters: int = 2
    deadline_s: float = 120  # a transfer retried this long before a thread gives up (it never should)
    acks: list[tuple[str, Attempted]] = field(default_factory=list)  # (phone, transfer)
    turns: list[Turn] = field(default_factory=list)
    conversations: int = 0
    conversations_completed: int = 0
    signed_in: int = 0
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Traffic:
        base = self.cluster.url("backend")
        people = [sign_in(base, c) for c in new_customers(self.cluster, self.payers)]
        for who in people:
            self._threads.append(threading.Thread(target=self._pay, args=(who,), daemon=True))
        if self.cluster.assistant and self.cluster.gateway:
            for customer in new_customers(self.cluster, self.chatters):
                self._threads.append(threading.Thread(target=self._chat, args=(customer,), daemon=True))
        for thread in self._threads:
            thread.start()
        self.wait_for_acks(len(people), timeout_s=60)
        # Every chatter signed in before any fault: sign-ins are rate-limited, and a fault is not a sign-in test.
        deadline = time.monotonic() + 60
        while self.signed_in < self.chatters and self.cluster.assistant and self.cluster.gateway:
            assert time.monotonic() < deadline, "the chat customers could not sign in"
            time.sleep(0.2)
        return self

    def _pay(self, who: SignedIn) -> None:
        base = self.cluster.url("backend")
        try:
            account, payee = demand_account(base, who), old_payee(base, who)
            while not self._stop.is_set():
                done = transfer_until_done(base, who, account["id"], payee["id"], AMOUNT, self.deadline_s)
                with self._lock:
                    self.acks.append((who.customer.phone, done))
        except Exception as exc:  # noqa: BLE001 - surfaced by verify(): a payer must never give up
            self.failures.append(f"payer …{who.customer.phone[-4:]}: {type(exc).__name__}: {exc}"[:500])

    def _chat(self, customer: Any) -> None:
        """Signs in once (sign-ins are rate-limited per phone), then holds short conversations: each one is
        CHAT_TURNS, completed when every turn was answered."""
        chat = WebChat(self.cluster.entry_url, customer)
        try:
            while chat.sign_in().status_code != 200:
                if self._stop.wait(1.0):
                    return
            with self._lock:
                self.signed_in += 1
            while not self._stop.is_set():
                with self._lock:
                    self.conversations += 1
                ok = True
                for text in CHAT_TURNS:
                    try:
                        resp = chat.say_raw(text)
                        status = resp.status_code
                        ok = ok and status == 200 and bool(resp.json().get("replies"))
                    except Exception:  # noqa: BLE001 - a turn cut off counts as not completed
                        status, ok = 0, False
                    with self._lock:
                        self.turns.append(Turn(time.monotonic(), status))
                with self._lock:
                    self.conversations_completed += int(ok)
                self._stop.wait(0.5)
        finally:
            chat.client.close()

    def wait_for_acks(self, count: int, timeout_s: float = 60, after: float = 0.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if sum(1 for _, a in list(self.acks) if a.last_try_at > after) >= count:
                return
            if self.failures:
                raise AssertionError(self.failures)
            time.sleep(0.1)
        raise AssertionError(f"fewer than {count} transfers acknowledged within {timeout_s:.0f} s")

    def first_ack_sent_after(self, t: float, timeout_s: float = 90) -> float:
        """Seconds from `t` to the first transfer acknowledged whose attempt was sent after `t` (so it
        committed after the fault)."""
        self.wait_for_acks(1, timeout_s, after=t)
        return min(a.acked_at for _, a in list(self.acks) if a.last_try_at > t) - t

    def refusals_between(self, start: float, end: float) -> list[dict[str, Any]]:
        """What clients were told by transfers acknowledged in [start, end] (and retried on the way)."""
        return [r for _, a in list(self.acks) if start <= a.acked_at and a.last_try_at <= end for r in a.refusals]

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.deadline_s + 30)


def verify(cluster: Cluster, traffic: Traffic) -> dict[str, Any]:
    """Every acknowledged transfer in the ledger exactly once, the books balanced, no in-memory fallback."""
    assert not traffic.failures, traffic.failures
    ids = [a.result["id"] for _, a in traffic.acks]
    assert len(ids) == len(set(ids)), "two Idempotency-Keys answered with one transfer"
    found = cluster.pg.psql("anxin", "SELECT id FROM transfers WHERE status = 'completed' AND id IN ("
                                     + ",".join(str(int(i)) for i in ids) + ")").split() if ids else []
    missing = set(map(str, ids)) - set(found)
    assert not missing, f"{len(missing)} acknowledged transfer(s) not in the ledger (RPO > 0)"
    confirmed: dict[str, int] = {}
    for phone, _ in traffic.acks:
        confirmed[phone] = confirmed.get(phone, 0) + 1
    books = check_books(cluster.pg, confirmed)
    assert books.ok, books.problems
    fallbacks = [name for name, text in cluster.logs().items() if name.startswith("rasa")
                 and any(marker in text for marker in FALLBACK_MARKERS)]
    assert not fallbacks, f"Rasa fell back to its in-memory tracker store: {fallbacks}"
    return {"acknowledged": len(ids), "found": len(ids) - len(missing), "conversations": traffic.conversations,
            "conversations_completed": traffic.conversations_completed,
            "turns_failed": sum(1 for t in traffic.turns if t.status != 200)}


def _ha(cluster: Cluster) -> PostgresHA:
    assert isinstance(cluster.pg, PostgresHA), "the drills need the HA database tier (ha_postgres=True)"
    return cluster.pg


def _primaries_answering(pg: PostgresHA) -> int:
    answering = 0
    for node in pg.nodes:
        try:
            answering += node.rest("/primary").status_code == 200
        except Exception:  # noqa: BLE001 - a frozen or dead node does not answer
            pass
    return answering


def _single_primary_while(pg: PostgresHA, seconds: float) -> int:
    """Polls every node's /primary for `seconds`; returns the most nodes seen answering 200 at once."""
    most, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        most = max(most, _primaries_answering(pg))
        time.sleep(0.2)
    return most


def _split_brain_while(pg: PostgresHA, old: Any, seconds: float) -> tuple[int, int]:
    """For `seconds` after the old primary wakes: (the most nodes whose Patroni /primary answered 200 at once,
    how many writes the old primary acknowledged when sent to it directly, bypassing HAProxy).

    The second is split brain: a commit the client is told happened, on the old timeline. The first is only what
    the REST API says in the instant before Patroni's loop demotes it; a write there still waits for a
    synchronous standby that no longer follows it, so it is never acknowledged."""
    most, acknowledged, deadline = 0, 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        most = max(most, _primaries_answering(pg))
        try:  # a client that gets no answer within 2 s has no acknowledgement
            subprocess.run(
                [_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(old.pg_port), "-U", PG_USER, "-d", "postgres",
                 "-v", "ON_ERROR_STOP=1", "-qAt", "-c", "INSERT INTO anxin_split_probe VALUES (1)"],
                check=True, capture_output=True, text=True, env=pg._client_env(), timeout=2)
            acknowledged += 1
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass
        time.sleep(0.2)
    return most, acknowledged


def drill_kill_primary(cluster: Cluster, traffic: Traffic) -> dict[str, Any]:
    """1. SIGKILL the primary's PostgreSQL and Patroni: a standby is promoted; RTO = kill -> first transfer
    committed after it. The killed node rejoins as a standby before the drill returns."""
    pg = _ha(cluster)
    old = pg.primary()
    assert old is not None
    timeline = pg.timelines()[old.name]
    killed_at = pg.kill_node(old)
    rto = traffic.first_ack_sent_after(killed_at)
    new = pg.wait_for_primary()
    assert new.name != old.name
    pg.rejoin(old)
    timelines = pg.timelines()
    assert len(set(timelines.values())) == 1 and timelines[new.name] == timeline + 1, timelines
    return {"rto_s": round(rto, 2), "old": old.name, "new": new.name}


def drill_freeze_primary(cluster: Cluster, traffic: Traffic, seconds: float = 30) -> dict[str, Any]:
    """2. SIGSTOP the primary for `seconds`, then SIGCONT: a standby takes over meanwhile; the old primary
    comes back as a standby on the new timeline and never answers as primary beside the new one."""
    pg = _ha(cluster)
    old = pg.primary()
    assert old is not None
    pg.psql("postgres", "CREATE TABLE IF NOT EXISTS anxin_split_probe (x int)")  # on every node before the freeze
    pids, frozen_at = pg.freeze_node(old)
    try:
        rto = traffic.first_ack_sent_after(frozen_at)
        new = pg.wait_for_primary()
        assert new.name != old.name
        time.sleep(max(0.0, seconds - (time.monotonic() - frozen_at)))
    finally:
        pg.thaw(pids)
    # While the old primary wakes up and Patroni demotes it: how many nodes claim to be primary at once.
    most_primaries, acknowledged_on_old = _split_brain_while(pg, old, 10)
    # Both standbys stream again at once, but Patroni has once taken more than 120 s on a busy machine to name a
    # synchronous one again (meanwhile commits are asynchronous: synchronous_mode_strict is off); measured, and
    # waited for up to 5 minutes so the next drill starts with a synchronous standby.
    thawed_at = time.monotonic()
    pg.wait_replicas(2, timeout_s=300)
    sync_back_s = round(time.monotonic() - thawed_at, 1)
    timelines = pg.timelines()
    final = pg.wait_for_primary()
    assert len(set(timelines.values())) == 1, timelines  # the old primary follows the new timeline
    assert acknowledged_on_old == 0, f"the old primary acknowledged {acknowledged_on_old} write(s) (split brain)"
    return {"rto_s": round(rto, 2), "old": old.name, "new": new.name, "primary_after": final.name,
            "primaries_at_once": most_primaries, "writes_acknowledged_on_old_primary": acknowledged_on_old,
            "timelines": timelines, "sync_standby_back_s": sync_back_s}


def drill_etcd(cluster: Cluster, traffic: Traffic, hold_s: float = 12) -> dict[str, Any]:
    """3. One etcd member stopped: no failover and no error. Two stopped (no quorum): the primary demotes
    itself, writes are refused with a retryable 503; once quorum is back, writes go on, one primary."""
    pg = _ha(cluster)
    primary = pg.primary()
    assert primary is not None
    one, two = pg.etcd[0], pg.etcd[1]
    start = time.monotonic()
    pg.stop_etcd(one)
    traffic.wait_for_acks(5, timeout_s=30, after=start)
    time.sleep(hold_s / 2)
    one_end = time.monotonic()
    assert pg.primary() is not None and pg.primary().name == primary.name  # type: ignore[union-attr]
    seen_with_one_down = traffic.refusals_between(start, one_end)
    assert not seen_with_one_down, seen_with_one_down
    pg.stop_etcd(two)
    no_quorum = time.monotonic()
    # The leader key can no longer be renewed: Patroni demotes the primary (read-only) and HAProxy has none.
    deadline = time.monotonic() + 60
    while pg.primary() is not None:
        assert time.monotonic() < deadline, "the primary kept its role without an etcd quorum"
        time.sleep(0.3)
    refused_from = time.monotonic()
    time.sleep(hold_s)
    assert _single_primary_while(pg, 1) == 0
    pg.start_etcd(one)
    pg.start_etcd(two)
    quorum_back = time.monotonic()
    back_after = traffic.first_ack_sent_after(quorum_back)
    pg.wait_replicas(2)
    refusals = traffic.refusals_between(no_quorum, time.monotonic())
    codes = {r.get("code") for r in refusals}
    assert "UNAVAILABLE" in codes, codes  # writes were refused, with the retryable code ...
    assert all(r.get("retry_after") for r in refusals if r.get("code") == "UNAVAILABLE")  # ... and a Retry-After
    # Nothing committed while there was no primary.
    committed = [a for _, a in list(traffic.acks) if refused_from < a.acked_at < quorum_back
                 and a.last_try_at > refused_from]
    assert not committed, f"{len(committed)} transfer(s) committed without an etcd quorum"
    return {"writes_refused_s": round(quorum_back - no_quorum, 1), "back_after_quorum_s": round(back_after, 2),
            "refusal_codes": sorted(c for c in codes if c)}


def drill_sync_standby(cluster: Cluster, traffic: Traffic) -> dict[str, Any]:
    """4. The synchronous standby killed: the other standby becomes synchronous and writes go on (RPO 0
    kept). Both standbys killed: synchronous_mode_strict is false, so the primary goes on alone
    (asynchronous) and Patroni logs it; both rejoin and one is synchronous again."""
    pg = _ha(cluster)
    primary, sync = pg.primary(), pg.sync_standby()
    assert primary is not None and sync is not None
    other = next(n for n in pg.nodes if n.name not in (primary.name, sync.name))
    killed_at = pg.kill_node(sync)
    stall = traffic.first_ack_sent_after(killed_at)
    deadline = time.monotonic() + 30
    while (pg.sync_standby() or other).name != other.name or pg.sync_standby() is None:
        assert time.monotonic() < deadline, pg.members()
        time.sleep(0.3)
    alone_at = pg.kill_node(other)
    alone_stall = traffic.first_ack_sent_after(alone_at)
    traffic.wait_for_acks(5, timeout_s=30, after=alone_at)
    log = primary.log.read_text(errors="replace")
    assert ASYNC_FALLBACK_LINE in log, "Patroni did not log the fall-back to asynchronous replication"
    refusals = traffic.refusals_between(killed_at, time.monotonic())
    assert not refusals, refusals  # slower for a moment, never refused
    pg.start_node(sync)
    pg.start_node(other)
    pg.wait_replicas(2)
    return {"stall_s": round(stall, 2), "alone_stall_s": round(alone_stall, 2),
            "new_sync": other.name, "refused": len(refusals)}


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, max(0, round(0.99 * len(ordered) + 0.5) - 1))]
    return {"n": len(values), "min": ordered[0], "median": statistics.median(ordered), "p99": p99,
            "max": ordered[-1]}
