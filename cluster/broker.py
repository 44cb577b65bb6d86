"""RabbitMQ on loopback for the event stream (issue 13): Rasa's Pika event broker publishes every conversation
event to the durable queue `anxin_events`; `python -m backend.events` consumes it into PostgreSQL.

RabbitMQ runs as our child, never as the Debian service: its own node name, ports, Mnesia and log dirs and
Erlang cookie, all under the work dir, with deploy/rabbitmq/rabbitmq.conf rendered there (a real password; no
guest account). stop() and start() on the same port and data dir are what drill 6 uses: the durable queue and
the persistent messages in it survive.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import string
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from cluster.redis_ha import free_port_block
from cluster.stores import _port_open

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "rabbitmq"
QUEUE = "anxin_events"
SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")  # Debian's wrapper in /usr/sbin switches to its own user
CTL = Path("/usr/lib/rabbitmq/bin/rabbitmqctl")


@dataclass
class Broker:
    workdir: Path
    password: str
    port: int = 0  # 0: a free pair of ports (AMQP, and the Erlang distribution port just above it)
    proc: subprocess.Popen | None = None
    node: str = field(init=False, default="")

    def __post_init__(self) -> None:
        if not self.port:
            self.port = free_port_block(2)
        if len(self.password) < 16:
            raise ValueError("Broker wants a real password (16+ characters)")
        self.node = f"anxin{self.port}@localhost"

    @property
    def url(self) -> str:
        return f"amqp://anxin:{self.password}@127.0.0.1:{self.port}/"

    @property
    def url_for_display(self) -> str:
        return self.url.replace(self.password, "***")

    @property
    def log(self) -> Path:
        return self.workdir / "rabbitmq.log"

    def _env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("RABBITMQ_")},
            "HOME": str(self.workdir),  # the Erlang cookie is read from $HOME/.erlang.cookie
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.port + 1),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_MNESIA_BASE": str(self.workdir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.workdir / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.workdir / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.workdir / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.workdir / "rabbitmq.pid"),
            "RABBITMQ_ALLOW_INPUT": "",
        }

    def _render(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = string.Template((DEPLOY / "rabbitmq.conf").read_text())
        (self.workdir / "rabbitmq.conf").write_text(
            conf.substitute(BIND="127.0.0.1", PORT=str(self.port), PASSWORD=self.password))
        shutil.copy(DEPLOY / "enabled_plugins", self.workdir / "enabled_plugins")
        cookie = self.workdir / ".erlang.cookie"
        if not cookie.exists():
            cookie.write_text(secrets.token_hex(20))
            cookie.chmod(0o400)

    def start(self, timeout_s: float = 90) -> None:
        if not SERVER.exists():
            raise RuntimeError("rabbitmq-server not found: install the Debian package rabbitmq-server (make sysdeps).")
        self._render()
        out = open(self.log, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen([str(SERVER)], env=self._env(), cwd=self.workdir, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"rabbitmq exited: {self.log.read_text(errors='replace')[-2000:]}")
            if _port_open(self.port):
                return
            time.sleep(0.3)
        raise RuntimeError(f"rabbitmq did not come up on {self.port} within {timeout_s:.0f} s")

    def ctl(self, *args: str, timeout: float = 60) -> str:
        res = subprocess.run([str(CTL), "-n", self.node, *args], env=self._env(), capture_output=True, text=True,
                             timeout=timeout)
        if res.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {res.stderr[-1000:]}")
        return res.stdout

    def queue_depth(self, queue: str = QUEUE) -> int:
        """Messages in `queue` not yet acknowledged by a consumer (ready + unacked); 0 if it does not exist."""
        for line in self.ctl("list_queues", "-q", "name", "messages").splitlines():
            name, _, count = line.partition("\t")
            if name == queue:
                return int(count)
        return 0

    def stop(self) -> None:
        """SIGTERM: RabbitMQ's orderly shutdown (persistent messages in durable queues are kept)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
