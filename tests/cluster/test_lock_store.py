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
