"""A real uvicorn process serving the backend on a free port, for the stress test and the benchmark."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from deploy.services import command
from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def running_backend(env_overrides: dict[str, str], workers: int = 1) -> Iterator[str]:
    """Yields the base URL (`http://127.0.0.1:PORT/api/v1`); the database must already be migrated."""
    def cmd(port: int) -> list[str]:
        # The one service command (deploy/services.py), quieter: the stress test makes thousands of requests.
        argv = [*command("backend", port=port, python=sys.executable), "--no-access-log", "--log-level", "warning"]
        return argv + (["--workers", str(workers)] if workers > 1 else [])

    with running_server(cmd, env_overrides) as (url, _pid):
        yield url


@contextlib.contextmanager
def running_server(cmd: Callable[[int], list[str]], env_overrides: dict[str, str], cwd: Path = ROOT,
                   name: str = "backend") -> Iterator[tuple[str, int]]:
    """Starts `cmd(port)` on a free port in its own process group and waits for its /health; yields (base URL
    `http://127.0.0.1:PORT/api/v1`, the server's pid). Stopped with SIGTERM (then SIGKILL) on exit."""
    port = free_port()
    env = os.environ | env_overrides | {"PYTHONDONTWRITEBYTECODE": "1"}
    log = Path(tempfile.mkstemp(prefix=f"anxin-{name}-", suffix=".log")[1])
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd(port), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/api/v1", proc.pid
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.unlink(missing_ok=True)
