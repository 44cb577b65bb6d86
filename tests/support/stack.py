"""Starts Anxin's real services on free loopback ports for end-to-end tests.

The services run as they do under `make run` (same commands, same virtual environments), each with its own
free port and a throwaway SQLite database seeded with the demo data, so tests never touch the fixed ports
and several test runs can share one machine.

They do not run in demo mode: every stack gets fresh random secrets (rules.secrets.generate_all) in its
environment, as a deployment would, so the services' refusal of missing or public secrets is what the whole
suite runs through. Only the seed runs in demo mode, with its demo file in the stack's own directory (never
var/secrets.env) and the staff password STAFF_PASSWORD.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from cluster.services import (  # noqa: F401  (re-exported: tests import these from here)
    MODEL,
    ROOT,
    VENV_PY,
    VENV_RASA,
    Processes,
    Service,
    action_endpoint,
    actions_command,
    backend_command,
    free_port,
    gateway_command,
    rasa_command,
    stop,
)
from cluster.services import python as _python
from cluster.services import spawn as _spawn
from cluster.services import wait_http as _wait_http
from rules import secrets as secret_rules

# The test stack's kiosk staff password (test code only; `make run` prints a random one).
STAFF_PASSWORD = "anxin-staff"


@dataclass
class Stack(Processes):
    db_url: str = ""
    backend_url: str = ""
    actions_url: str = ""
    rasa_url: str = ""
    gateway_url: str = ""

    def log_of(self, name: str) -> str:
        return self.services[name].tail(200) if name in self.services else ""

    @property
    def rasa_token(self) -> str:
        """Rasa's HTTP API token (`?token=`): without it /conversations/... and /model answer 401."""
        return self.env[secret_rules.RASA_TOKEN]

    @property
    def actions_secret(self) -> str:
        """What Rasa sends the action server in header X-Anxin-Actions-Secret."""
        return self.env[secret_rules.ACTIONS_SECRET]

    @property
    def staff_password(self) -> str:
        return self.env.get(secret_rules.DEMO_STAFF_PASSWORD, STAFF_PASSWORD)

    def logs(self) -> dict[str, str]:
        """Every log this stack wrote so far (for log scans)."""
        out: dict[str, str] = {}
        for path in sorted(self.workdir.rglob("*.log")):
            with contextlib.suppress(OSError):
                out[path.name] = path.read_text(errors="replace")
        return out


def _rasa_endpoints(stack: Stack) -> Path:
    """The assistant's endpoints.yml with the action server moved to this stack's port."""
    source = ROOT / "assistant" / "endpoints.yml"
    config = yaml.safe_load(source.read_text()) if source.exists() else {}
    config = config or {}
    config["action_endpoint"] = action_endpoint(stack.actions_url)
    path = stack.workdir / "endpoints.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def seed_demo_data(stack: Stack) -> None:
    """The demo customers and staff (only demo mode seeds them), with this stack's own demo secrets file."""
    env = {**stack.env, "ANXIN_DEMO": "1", "ANXIN_SECRETS_FILE": str(stack.workdir / "demo-secrets.env")}
    env.setdefault(secret_rules.DEMO_STAFF_PASSWORD, STAFF_PASSWORD)
    done = subprocess.run([_python(), "-m", "backend.seed"], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"backend.seed failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")


def start_backend(stack: Stack) -> None:
    seed_demo_data(stack)
    port = free_port()
    stack.backend_url = f"http://127.0.0.1:{port}"
    svc = _spawn(stack, "backend", backend_command(port))
    _wait_http(svc, f"{stack.backend_url}/health", 60)


def start_assistant(stack: Stack) -> None:
    if not (VENV_RASA / "rasa").exists():
        raise RuntimeError("`.venv-rasa` is missing: run `make test` (or `make venvs`), which creates it.")
    if not MODEL.exists():
        raise RuntimeError(f"No trained model at {MODEL}: run `make model` (make test does it first).")
    actions_port, rasa_port = free_port(), free_port()
    stack.actions_url = f"http://127.0.0.1:{actions_port}"
    stack.rasa_url = f"http://127.0.0.1:{rasa_port}"
    actions = _spawn(stack, "actions", actions_command(actions_port))
    rasa = _spawn(stack, "rasa", rasa_command(rasa_port, _rasa_endpoints(stack)), cwd=ROOT / "assistant")
    _wait_http(actions, f"{stack.actions_url}/health", 90)
    _wait_http(rasa, f"{stack.rasa_url}/status", 180, params={"token": stack.rasa_token})


def start_gateway(stack: Stack) -> None:
    port = free_port()
    stack.gateway_url = f"http://127.0.0.1:{port}"
    stack.env["ANXIN_GATEWAY_URL"] = stack.gateway_url
    svc = _spawn(stack, "gateway", gateway_command(port))
    _wait_http(svc, f"{stack.gateway_url}/health", 60)


@contextlib.contextmanager
def running_stack(assistant: bool = True, gateway: bool = True, **env: str) -> Iterator[Stack]:
    """Backend (seeded), then optionally action server + Rasa, then optionally the gateway."""
    workdir = Path(tempfile.mkdtemp(prefix="anxin-stack-"))
    db_url = f"sqlite:///{workdir / 'anxin.db'}"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    stack = Stack(workdir=workdir, db_url=db_url, env={
        **base_env,
        **secret_rules.generate_all(),
        "ANXIN_DATABASE_URL": db_url,
        "ANXIN_AUDIO_DIR": str(workdir / "audio"),
        "ANXIN_RASA_TRACKER_DB": str(workdir / "tracker.db"),  # issue 14: Rasa's SQLite store, per stack
        # Plain http on loopback, like the demo: the session cookie must not be Secure-only here.
        "ANXIN_COOKIE_SECURE": "false",
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_TELEMETRY_ENABLED": "false",
        **env,
    })
    try:
        start_backend(stack)
        stack.env["ANXIN_BACKEND_URL"] = stack.backend_url
        if assistant:
            start_assistant(stack)
            stack.env["ANXIN_RASA_URL"] = stack.rasa_url
        if gateway:
            start_gateway(stack)
        yield stack
    finally:
        stop(stack)
        if os.environ.get("ANXIN_KEEP_STACK_LOGS") != "1":
            shutil.rmtree(workdir, ignore_errors=True)
