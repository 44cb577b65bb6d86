"""Redis with Sentinel on loopback (issue 13): a master, two replicas and three Sentinels, password auth.

Server side, `RedisHA` renders deploy/redis/redis.conf and deploy/redis/sentinel.conf into its work dir (one
copy per process: Sentinel rewrites its own file) and runs the six processes as our children, so a drill can
SIGKILL the master and watch a replica take over.

Client side, `client_from_url` is the one place a Redis URL becomes a client, in both virtual envs (.venv:
gateway; .venv-rasa: the lock store), so it depends on redis-py alone. A `redis+sentinel://` URL

    redis+sentinel://:PASSWORD@127.0.0.1:26379,127.0.0.1:26380,127.0.0.1:26381/anxin[/DB]

(the form the `limits` library takes too, for the backend's sign-in limits) gives a client of redis-py's
`Sentinel.master_for`: every new connection asks the Sentinels where the master is now, so after a failover
the next command reaches the promoted replica by itself. Commands are retried on connection errors for a few
seconds, about as long as Sentinel takes to promote (down-after 1 s + election), so a turn that arrives during
the failover waits instead of failing.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import string
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "redis"
SERVICE = "anxin"
SENTINEL_SCHEME = "redis+sentinel://"
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 5000
# Retries on a lost connection: 10 with backoff capped at 0.5 s is ~4 s, longer than a failover here (2.5 s).
RETRIES = 10


def _retry() -> Retry:
    return Retry(ExponentialBackoff(cap=0.5, base=0.05), RETRIES)


@dataclass(frozen=True)
class SentinelURL:
    sentinels: list[tuple[str, int]]
    service: str
    password: str | None
    db: int = 0

    @classmethod
    def parse(cls, url: str) -> SentinelURL:
        """`redis+sentinel://[:password@]host:port[,host:port...]/service[/db]`."""
        if not url.startswith(SENTINEL_SCHEME):
            raise ValueError("not a redis+sentinel:// URL")
        rest = url[len(SENTINEL_SCHEME):]
        netloc, _, path = rest.partition("/")
        password = None
        if "@" in netloc:
            userinfo, _, netloc = netloc.rpartition("@")
            password = unquote(userinfo.partition(":")[2]) or None
        hosts = []
        for item in netloc.split(","):
            host, _, port = item.rpartition(":")
            hosts.append((host or "127.0.0.1", int(port or 26379)))
        parts = [p for p in path.split("?")[0].split("/") if p]
        if not parts:
            raise ValueError("a redis+sentinel:// URL names the master's service: .../anxin")
        return cls(hosts, parts[0], password, int(parts[1]) if len(parts) > 1 else 0)


def client_from_url(url: str, socket_timeout: float = 1.0, **kwargs: Any) -> redis.Redis:
    """A Redis client for a plain `redis://` URL or a `redis+sentinel://` one (see the module docstring)."""
    options: dict[str, Any] = {"socket_timeout": socket_timeout, "socket_connect_timeout": socket_timeout,
                               "retry": _retry(),
                               "retry_on_error": [redis.ConnectionError, redis.TimeoutError], **kwargs}
    if not url.startswith(SENTINEL_SCHEME):
        return redis.Redis.from_url(url, **options)
    parsed = SentinelURL.parse(url)
    sentinel = Sentinel(parsed.sentinels, socket_timeout=socket_timeout,
                        sentinel_kwargs={"password": parsed.password, "socket_timeout": socket_timeout,
                                         "socket_connect_timeout": socket_timeout})
    return sentinel.master_for(parsed.service, password=parsed.password, db=parsed.db, **options)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_block(count: int, start: int = 20000, stop: int = 60000) -> int:
    """The first of `count` consecutive loopback ports free right now (searched from a pid-dependent place,
    so two test sessions at once rarely race for the same block)."""
    step = count + 1
    first = start + (os.getpid() * 37) % (stop - start - step)
    for base in list(range(first, stop - step, step)) + list(range(start, first, step)):
        if all(_port_free(base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no block of {count} free ports")


def _render(template: Path, out: Path, **values: object) -> None:
    text = string.Template(template.read_text()).substitute({k: str(v) for k, v in values.items()})
    out.write_text(text)


def _up(port: int, password: str) -> bool:
    with contextlib.suppress(redis.RedisError, OSError):
        return bool(redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=0.5,
                                socket_connect_timeout=0.5).ping())
    return False


@dataclass
class Node:
    name: str
    port: int
    cmd: list[str]
    log: Path
    proc: subprocess.Popen | None = None

    def start(self) -> None:
        out = open(self.log, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)  # type: ignore[union-attr]

    def stop(self) -> None:
        if not self.alive():
            return
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)  # type: ignore[union-attr]
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.proc.wait(timeout=5)  # type: ignore[union-attr]


@dataclass
class RedisHA:
    """Redis nodes on base_port .. base_port+2 (the first starts as master), Sentinels on base_port+10 .. +12.
    base_port 0 picks a free block."""

    workdir: Path
    password: str
    base_port: int = 0
    service: str = SERVICE
    nodes: list[Node] = field(default_factory=list)
    sentinels: list[Node] = field(default_factory=list)
    _killed: set[str] = field(default_factory=set)  # nodes a drill killed: their exit is expected

    def __post_init__(self) -> None:
        if not self.base_port:
            self.base_port = free_port_block(13)
        if len(self.password) < 16:
            raise ValueError("RedisHA wants a real password (16+ characters)")

    @property
    def node_ports(self) -> list[int]:
        return [self.base_port + i for i in range(3)]

    @property
    def sentinel_ports(self) -> list[int]:
        return [self.base_port + 10 + i for i in range(3)]

    @property
    def url(self) -> str:
        """What every client is given (ANXIN_REDIS_URL): the Sentinels and the service, never a node."""
        hosts = ",".join(f"127.0.0.1:{p}" for p in self.sentinel_ports)
        return f"{SENTINEL_SCHEME}:{self.password}@{hosts}/{self.service}"

    @property
    def url_for_display(self) -> str:
        return self.url.replace(self.password, "***")

    def start(self, timeout_s: float = 30) -> None:
        server, sentinel = shutil.which("redis-server"), shutil.which("redis-sentinel")
        if not server or not sentinel:
            raise RuntimeError("redis-server/redis-sentinel not found: install the Debian packages redis-server "
                               "and redis-sentinel (make sysdeps).")
        self.workdir.mkdir(parents=True, exist_ok=True)
        master = self.node_ports[0]
        self.nodes, self.sentinels = [], []
        for i, port in enumerate(self.node_ports):
            d = self.workdir / f"redis{i}"
            d.mkdir(exist_ok=True)
            conf = d / "redis.conf"
            _render(DEPLOY / "redis.conf", conf, BIND="127.0.0.1", PORT=port, DIR=d, PASSWORD=self.password,
                    ANNOUNCE_IP="127.0.0.1", REPLICAOF="" if i == 0 else f"replicaof 127.0.0.1 {master}")
            self.nodes.append(Node(f"redis{i}", port, [server, str(conf)], d / "redis.log"))
        for i, port in enumerate(self.sentinel_ports):
            d = self.workdir / f"sentinel{i}"
            d.mkdir(exist_ok=True)
            conf = d / "sentinel.conf"
            _render(DEPLOY / "sentinel.conf", conf, BIND="127.0.0.1", PORT=port, DIR=d, PASSWORD=self.password,
                    ANNOUNCE_IP="127.0.0.1", SERVICE=self.service, MASTER_IP="127.0.0.1", MASTER_PORT=master,
                    DOWN_AFTER_MS=DOWN_AFTER_MS, FAILOVER_TIMEOUT_MS=FAILOVER_TIMEOUT_MS)
            self.sentinels.append(Node(f"sentinel{i}", port, [sentinel, str(conf)], d / "sentinel.log"))
        for node in self.nodes + self.sentinels:
            node.start()
        self._wait(lambda: all(_up(n.port, self.password) for n in self.nodes + self.sentinels), timeout_s,
                   "Redis nodes and Sentinels did not answer")
        self._wait(lambda: self._replicas_online() == 2, timeout_s, "replicas did not sync")
        self._wait(lambda: all(self._sentinel_knows_all(p) for p in self.sentinel_ports), timeout_s,
                   "Sentinels did not discover each other and the replicas")

    def _wait(self, predicate: Any, timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for node in self.nodes + self.sentinels:
                if node.proc is not None and node.proc.poll() is not None and node.name not in self._killed:
                    raise RuntimeError(f"{node.name} exited: {node.log.read_text(errors='replace')[-1500:]}")
            if predicate():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{what} within {timeout_s:.0f} s")

    def _admin(self, port: int) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=port, password=self.password, socket_timeout=1.0,
                           socket_connect_timeout=1.0, decode_responses=True)

    def _replicas_online(self) -> int:
        with contextlib.suppress(redis.RedisError):
            info = self._admin(self.master_port()).info("replication")
            return sum(1 for k, v in info.items() if k.startswith("slave") and isinstance(v, dict)
                       and v.get("state") == "online")
        return 0

    def _sentinel_knows_all(self, port: int) -> bool:
        with contextlib.suppress(redis.RedisError):
            raw = self._admin(port).execute_command("SENTINEL", "MASTER", self.service)
            master = dict(zip(raw[::2], raw[1::2], strict=True)) if isinstance(raw, list) else raw
            return int(master.get("num-slaves", 0)) >= 2 and int(master.get("num-other-sentinels", 0)) >= 2
        return False

    def master_port(self) -> int:
        """The master's port as the Sentinels report it (the first one that answers)."""
        for port in self.sentinel_ports:
            with contextlib.suppress(redis.RedisError):
                # The raw command: redis-py 6's parser for it takes only Sentinel-client calls.
                got = self._admin(port).execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.service)
                if got:
                    return int(got[1])
        raise RuntimeError("no Sentinel answered")

    def node(self, port: int) -> Node:
        return next(n for n in self.nodes if n.port == port)

    def kill_master(self) -> int:
        """SIGKILLs the current master (as a crash would); returns its port."""
        port = self.master_port()
        node = self.node(port)
        self._killed.add(node.name)
        node.signal(signal.SIGKILL)
        node.proc.wait(timeout=10)  # type: ignore[union-attr]
        return port

    def wait_failover(self, old_port: int, timeout_s: float = 30) -> int:
        """Waits until the Sentinels name a new master and it accepts writes; returns its port."""
        def promoted() -> bool:
            with contextlib.suppress(RuntimeError, redis.RedisError):
                port = self.master_port()
                return port != old_port and self._admin(port).info("replication").get("role") == "master"
            return False

        self._wait(promoted, timeout_s, "no replica was promoted")
        return self.master_port()

    def restart_node(self, port: int, timeout_s: float = 30) -> None:
        """Starts a killed node again; the Sentinels turn it into a replica of the new master."""
        node = self.node(port)
        self._killed.discard(node.name)
        node.start()
        self._wait(lambda: _up(port, self.password), timeout_s, f"{node.name} did not come back")

    def stop(self) -> None:
        for node in self.sentinels + self.nodes:
            node.stop()
