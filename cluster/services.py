"""Starting Anxin's services as child processes: the one free-port helper, the service commands, spawn/wait/stop.

Production code (cluster/launch.py) and the test stack (tests/support/stack.py) both start services through
this module, so the process handling exists once and production never imports test code. The commands
themselves are deploy/services.py's table (the Procfile and the systemd units are generated from it).
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy.services import command
from rules import secrets as secret_rules

ROOT = Path(__file__).resolve().parents[1]
VENV_PY = ROOT / ".venv" / "bin" / "python"
VENV_RASA = ROOT / ".venv-rasa" / "bin"
MODEL = ROOT / "assistant" / "models" / "anxin.tar.gz"


def free_port() -> int:
    """A loopback port free right now (the OS picks it), so several stacks can share one machine."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Service:
    name: str
    proc: subprocess.Popen
    log: Path

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Processes:
    """The services one launcher started: their shared environment, work directory (logs) and handles."""

    workdir: Path
    env: dict[str, str]
    services: dict[str, Service] = field(default_factory=dict)


def python() -> str:
    """The interpreter of `.venv` (backend, gateway), or this one when the venv is absent."""
    return str(VENV_PY) if VENV_PY.exists() else sys.executable


def wait_http(service: Service, url: str, timeout_s: float, params: dict[str, str] | None = None) -> None:
    """Waits until `url` answers below 500; an exited process or the timeout is an error with its log tail."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if service.proc.poll() is not None:
            raise RuntimeError(f"{service.name} exited with {service.proc.returncode}:\n{service.tail()}")
        try:
            if httpx.get(url, params=params, timeout=2.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{service.name} did not answer at {url} within {timeout_s:.0f} s:\n{service.tail()}")


def spawn(group: Processes, name: str, cmd: list[str], cwd: Path = ROOT) -> Service:
    """Starts `cmd` in its own session (so stop() can kill its whole process group), logging to name.log."""
    log = group.workdir / f"{name}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=group.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    service = Service(name, proc, log)
    group.services[name] = service
    return service


def stop(group: Processes) -> None:
    """SIGTERM to every service's process group, newest first; SIGKILL after 10 s."""
    for service in reversed(list(group.services.values())):
        if service.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(service.proc.pid, 15)
    for service in group.services.values():
        try:
            service.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(service.proc.pid, 9)
            service.proc.wait(timeout=5)


def action_endpoint(url: str) -> dict[str, object]:
    """Rasa's action_endpoint: the URL, and the shared secret header, expanded by Rasa from its environment
    (the value itself is never written to a file)."""
    return {"url": f"{url}/webhook", "headers": {secret_rules.ACTIONS_SECRET_HEADER: "${ANXIN_ACTIONS_SECRET}"}}


def backend_command(port: int) -> list[str]:
    return command("backend", port=port, python=python())


def gateway_command(port: int, app: str = "gateway.main:app") -> list[str]:
    return command("gateway", port=port, python=python(), app=app)


def actions_command(port: int) -> list[str]:
    return command("actions", port=port, python=str(VENV_RASA / "python"))


def rasa_command(port: int, endpoints: Path) -> list[str]:
    return command("rasa", port=port, python=str(VENV_RASA / "python"), model=str(MODEL), endpoints=str(endpoints),
                   credentials=str(ROOT / "assistant" / "credentials.yml"))
