"""The cluster's Rasa lock store never lets two servers process one conversation at once (run in .venv-rasa)."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from cluster.stores import RedisServer
from tests.support.stack import ROOT, VENV_RASA

pytestmark = [pytest.mark.cluster, pytest.mark.rasa]


def test_simultaneous_first_messages_get_distinct_tickets(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        res = subprocess.run(
            [str(VENV_RASA / "python"), str(ROOT / "tests" / "cluster" / "lock_race.py"), str(server.port), "200"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300,
        )
    finally:
        server.stop()
    assert res.returncode == 0, res.stderr[-2000:]
    counts = json.loads(res.stdout.strip().splitlines()[-1])
    # Rasa's own RedisLockStore hands the same ticket to both servers most of the time (counts["plain"]);
    # the cluster's must never.
    assert counts["atomic"] == 0, counts


# Run in .venv-rasa: issues and releases tickets through Sentinel for `seconds`, printing {"ok": n, "errors": [...]}.
_FAILOVER_LOOP = """
import json, sys, time
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig
from cluster.rasa_stores import AtomicRedisLockStore
store = AtomicRedisLockStore(EndpointConfig(url=sys.argv[1], key_prefix="anxin"))
ok, errors, end = 0, [], time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    try:
        ticket = store.issue_ticket("c")
        store.cleanup("c", ticket)
        ok += 1
    except (LockError, Exception) as exc:
        errors.append(type(exc).__name__)
    time.sleep(0.05)
print(json.dumps({"ok": ok, "errors": errors}))
"""


def test_lock_store_follows_a_sentinel_failover(tmp_path: Path) -> None:
    """Rasa's own RedisLockStore knows one host: after the master dies it fails until restarted. The cluster's
    store, given a redis+sentinel:// URL, finds the promoted replica and at most one ticket fails meanwhile."""
    import time

    from cluster.redis_ha import RedisHA

    ha = RedisHA(tmp_path / "ha", "lock-store-test-password")
    ha.start()
    try:
        loop = subprocess.Popen([str(VENV_RASA / "python"), "-c", _FAILOVER_LOOP, ha.url, "12"], cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(5)  # the loop is issuing tickets (Rasa's import takes a few seconds)
        old = ha.kill_master()
        assert ha.wait_failover(old) != old
        out, err = loop.communicate(timeout=120)
    finally:
        ha.stop()
    assert loop.returncode == 0, err[-2000:]
    counts = json.loads(out.strip().splitlines()[-1])
    assert counts["ok"] > 0 and len(counts["errors"]) <= 1, counts
