"""Starts Anxin's production profile on one machine and keeps a handle on every process.

Layout (every box on 127.0.0.1, every arrow through nginx so any instance can die):

    customers -> nginx :public -> gateway x N -> nginx :backend -> backend x N -> database tier (anxin)
                                              -> nginx :rasa    -> rasa x N    -> database tier (rasa trackers)
                                                                               -> Redis (ticket locks)
                                                                 -> nginx :actions -> actions x N -> nginx :backend

The database tier is either the HA profile (issue 13, `make run-cluster`'s default: HAProxy -> the Patroni
primary of three PostgreSQL 15 nodes, synchronous replication, three etcd members; cluster/patroni.py from
deploy/postgres, deploy/etcd, deploy/haproxy) or one PostgreSQL (`--single-postgres`, the comparison). Redis is
Sentinel's (cluster/redis_ha.py, deploy/redis) or one server; the event stream (cluster/broker.py, deploy/rabbitmq)
is optional.

The services are started with the commands of deploy/services.py (the Procfile and the systemd units are
generated from the same table), with the production settings in their environment. Tests and the load benchmark use `Cluster` to kill, restart and
re-balance instances while traffic flows.

There is no demo mode here: the operator's ANXIN_* variables (secrets included) go to every instance, and the
cluster refuses to start, before anything runs, when a secret an included tier needs is missing, public or
short (rules.secrets). PostgreSQL is durable (fsync, full-page writes) and asks for a password (scram-sha-256).
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cluster.balancer import Balancer, Tier
from cluster.patroni import PostgresHA
from cluster.services import (
    MODEL,
    ROOT,
    Processes,
    Service,
    actions_command,
    backend_command,
    free_port,
    gateway_command,
    python,
    rasa_command,
    spawn,
    wait_http,
)
from cluster.services import stop as stop_stack
from cluster.stores import PostgresServer, RedisServer
from deploy.services import SERVICES, command
from rules import secrets as secret_rules

ENDPOINTS = ROOT / "deploy" / "rasa" / "endpoints.yml"
TIERS = ("backend", "actions", "rasa", "gateway")
HEALTH = {"backend": "/health", "actions": "/health", "rasa": "/status", "gateway": "/health"}
STARTUP_TIMEOUT_S = {"backend": 60, "actions": 120, "rasa": 300, "gateway": 60}


@dataclass
class Instance:
    tier: str
    index: int
    port: int
    cmd: list[str]
    cwd: Path

    @property
    def name(self) -> str:
        return f"{self.tier}{self.index}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    workdir: Path
    instances: int = 2
    assistant: bool = True
    gateway: bool = True
    public_port: int | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    # The HA profile's parts (issue 13); off: one PostgreSQL, one Redis, no event stream (the comparison).
    ha_postgres: bool = False
    sentinel: bool = False
    events: bool = False
    pg: PostgresServer | PostgresHA = field(init=False)
    redis: Any = field(init=False)  # RedisServer, or cluster.redis_ha.RedisHA with sentinel
    broker: Any = field(init=False, default=None)  # cluster.broker.Broker with events
    lb: Balancer = field(init=False)
    stack: Processes = field(init=False)
    members: dict[str, Instance] = field(default_factory=dict)

    # ----- addresses -----
    @property
    def entry_url(self) -> str:
        """The public entry point: the gateways behind nginx."""
        return self.lb.url("gateway")

    def url(self, tier: str) -> str:
        """A tier through the load balancer (what the services themselves use)."""
        return self.lb.url(tier)

    def tier_members(self, tier: str) -> list[Instance]:
        return [m for m in self.members.values() if m.tier == tier]

    def service(self, name: str) -> Service:
        return self.stack.services[name]

    @property
    def database_url(self) -> str:
        return self.pg.url("anxin")

    def required_secrets(self) -> tuple[str, ...]:
        """The secrets the included tiers refuse to start without."""
        needed = [secret_rules.TOKEN_SECRET]
        if self.assistant:
            needed += [secret_rules.RASA_TOKEN, secret_rules.ACTIONS_SECRET]
        if self.gateway:
            needed.append(secret_rules.TWILIO_AUTH_TOKEN)
        return tuple(needed)

    def check_secrets(self) -> dict[str, str]:
        """The operator's settings (.env, the environment, extra_env) if every needed secret is usable; else a
        SecretError with one line naming each problem. The production profile has no demo mode."""
        dotenv = secret_rules.read_env_file(ROOT / ".env")  # the checkout's .env, under the environment
        operator = {k: v for k, v in {**dotenv, **os.environ}.items() if k.startswith("ANXIN_")}
        operator.update(self.extra_env)
        operator.pop("ANXIN_DEMO", None)
        problems = [p for p in (secret_rules.problem(n, operator.get(n)) for n in self.required_secrets()) if p]
        if problems:
            raise secret_rules.SecretError("; ".join(problems) + " (make run-cluster has no demo mode)")
        return operator

    # ----- life cycle -----
    def _tiers(self) -> list[str]:
        tiers = ["backend"]
        if self.assistant:
            tiers += ["actions", "rasa"]
        if self.gateway:
            tiers.append("gateway")
        return tiers

    def start(self) -> None:
        operator = self.check_secrets()  # before anything runs
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.lb = Balancer(self.workdir / "nginx")
        self._start_database()
        self.pg.create_database("anxin")
        self.pg.create_database("rasa")
        self._start_redis()
        self._start_broker()

        for tier in self._tiers():
            listen = self.public_port if (tier == "gateway" and self.public_port) else free_port()
            ports = [free_port() for _ in range(self.instances)]
            self.lb.tiers[tier] = Tier(tier, listen, ports)
        self.lb.start()

        audio_dir = self.workdir / "audio"  # one directory for every gateway: a shared volume in production
        audio_dir.mkdir(exist_ok=True)
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
        env = {
            **base_env,
            # nginx here listens on plain http: a deployment behind TLS sets ANXIN_COOKIE_SECURE=true.
            "ANXIN_COOKIE_SECURE": "false",
            "RASA_TELEMETRY_ENABLED": "false",
            **operator,  # the operator's own settings and secrets, for every instance
            "PYTHONPATH": str(ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "ANXIN_DATABASE_URL": self.database_url,
            "ANXIN_REDIS_URL": self.redis.url,
            "ANXIN_AUDIO_DIR": str(audio_dir),
            "ANXIN_BACKEND_URL": self.lb.url("backend"),
            # Rasa endpoints (deploy/rasa/endpoints.yml) and the action server read these.
            "ANXIN_RASA_TRACKER_URL": self.pg.url("rasa", driver="psycopg2"),
            # A single Redis's address for an endpoints file naming host and port (Sentinel's: ANXIN_REDIS_URL).
            "ANXIN_REDIS_HOST": "127.0.0.1",
            "ANXIN_REDIS_PORT": str(getattr(self.redis, "port", "")),
            # Small pools: N instances share one PostgreSQL (max_connections=300 in cluster/stores.py).
            "ANXIN_DB_POOL_SIZE": "5",
            "ANXIN_DB_MAX_OVERFLOW": "10",
            "SQL_POOL_SIZE": "5",
            "SQL_MAX_OVERFLOW": "10",
            # A Rasa server killed while holding a conversation's ticket lock blocks that conversation only
            # this long (Rasa's default is 60 s); a turn takes well under a second.
            "TICKET_LOCK_LIFETIME": "10",
        }
        if self.assistant:
            env["ANXIN_ACTIONS_URL"] = self.lb.url("actions")
            env["ANXIN_RASA_URL"] = self.lb.url("rasa")
        if self.broker is not None:
            env["ANXIN_AMQP_URL"] = self.broker.url  # the event consumer
            # Rasa's Pika broker (deploy/rasa/endpoints.yml) takes the parts.
            env["ANXIN_AMQP_HOST"] = "127.0.0.1"
            env["ANXIN_AMQP_PORT"] = str(self.broker.port)
            env["ANXIN_AMQP_PASSWORD"] = self.broker.password
        if self.gateway:
            env["ANXIN_GATEWAY_URL"] = self.entry_url
            # nginx on loopback is the one proxy in front of the gateways: its X-Forwarded-For is the customer.
            env.setdefault("ANXIN_GATEWAY_TRUSTED_PROXIES", "127.0.0.1")
        env.update(self.extra_env)  # what the caller passed wins, the cluster's own addresses included
        env.pop("ANXIN_DEMO", None)
        self.stack = Processes(workdir=self.workdir, env=env)

        self.migrate_and_seed()
        for tier in self._tiers():
            for index, port in enumerate(self.lb.tiers[tier].backends, start=1):
                inst = Instance(tier, index, port, self._command(tier, port), self._cwd(tier))
                self.members[inst.name] = inst
            # Start a whole tier at once, then wait for it: Rasa's model loads overlap instead of queueing.
            for inst in self.tier_members(tier):
                self._launch(inst)
            for inst in self.tier_members(tier):
                self.wait_ready(inst.name)
        self._start_event_consumer()

    def _start_event_consumer(self) -> None:
        """HOOK (event-stream helper): the consumer of Rasa's events, with its command from deploy/services.py."""
        if self.broker is not None and "events" in SERVICES:
            spawn(self.stack, "events1", command("events", port=free_port(), python=python()), ROOT)

    # ----- the stores: each part of the HA profile, or its single-server comparison -----
    def _start_database(self) -> None:
        if self.ha_postgres:
            self.pg = PostgresHA(self.workdir / "postgres-ha")
            self.pg.start()
            return
        self.pg = PostgresServer(self.workdir / "pg")
        self.pg.init()
        self.pg.start()

    def _start_redis(self) -> None:
        """HOOK (Redis helper): Sentinel's Redis when cluster/redis_ha.py is there and `sentinel` is on."""
        if self.sentinel:
            from cluster.redis_ha import RedisHA

            self.redis = RedisHA(self.workdir / "redis-ha", secrets.token_urlsafe(24))
        else:
            self.redis = RedisServer(self.workdir / "redis")
        self.redis.start()

    def _start_broker(self) -> None:
        """HOOK (event-stream helper): RabbitMQ for Rasa's events when `events` is on (cluster/broker.py)."""
        if not self.events:
            return
        from cluster.broker import Broker

        self.broker = Broker(self.workdir / "rabbitmq", secrets.token_urlsafe(24))
        self.broker.start()

    def migrate_and_seed(self) -> None:
        res = subprocess.run([python(), "-m", "backend.seed"], cwd=ROOT, env=self.stack.env,
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError(f"backend.seed failed:\n{res.stdout[-2000:]}\n{res.stderr[-3000:]}")

    def _command(self, tier: str, port: int) -> list[str]:
        if tier == "backend":
            return backend_command(port)
        if tier == "gateway":
            # cluster.gateway_app: gateway.main with its sessions in Redis (ANXIN_REDIS_URL).
            return gateway_command(port, app="cluster.gateway_app:app")
        if tier == "actions":
            return actions_command(port)
        if not MODEL.exists():
            raise RuntimeError(f"No trained model at {MODEL}: run `make model` first.")
        return rasa_command(port, self._endpoints())

    def _endpoints(self) -> Path:
        """assistant/endpoints.yml with the cluster's stores (cluster/endpoints.yml) laid over it."""
        path = self.workdir / "endpoints.yml"
        if not path.exists():
            base = yaml.safe_load((ROOT / "assistant" / "endpoints.yml").read_text()) or {}
            base.update(yaml.safe_load(ENDPOINTS.read_text()))
            if self.broker is None:
                base.pop("event_broker", None)  # no event stream in this cluster: Rasa would wait for RabbitMQ
            path.write_text(yaml.safe_dump(base, allow_unicode=True, sort_keys=False))
        return path

    @staticmethod
    def _cwd(tier: str) -> Path:
        return ROOT / "assistant" if tier == "rasa" else ROOT

    def _launch(self, inst: Instance) -> None:
        old = self.stack.services.get(inst.name)
        if old is not None and old.log.exists():
            # Keep what the previous incarnation wrote: the log scan after a fault test must see it too.
            with open(self.workdir / f"{inst.name}.previous.log", "ab") as keep:
                keep.write(old.log.read_bytes())
        spawn(self.stack, inst.name, inst.cmd, inst.cwd)

    def wait_ready(self, name: str) -> None:
        inst = self.members[name]
        # Rasa's /status is part of its HTTP API: behind the token like the rest.
        params = {"token": self.stack.env[secret_rules.RASA_TOKEN]} if inst.tier == "rasa" else None
        wait_http(self.stack.services[name], inst.url + HEALTH[inst.tier], STARTUP_TIMEOUT_S[inst.tier], params)

    # ----- faults and scaling -----
    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kills one instance (its whole process group, as a crash or an OOM kill would)."""
        proc = self.stack.services[name].proc
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)

    def restart(self, name: str, wait: bool = True) -> None:
        """Starts a killed instance again on the same port; nginx lets it back in after fail_timeout."""
        self._launch(self.members[name])
        if wait:
            self.wait_ready(name)

    def use_instances(self, n: int) -> None:
        """Routes every tier to its first n instances only (the others stay up, idle), for side-by-side figures."""
        for tier in self._tiers():
            self.lb.set_backends(tier, [m.port for m in self.tier_members(tier)][:n])

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by each part (all processes of its session: PostgreSQL's backends, nginx's
        workers included), read from /proc. Two readings around a load run give each part's share."""
        ticks = os.sysconf("SC_CLK_TCK")
        leaders = {svc.proc.pid: name for name, svc in self.stack.services.items()}
        for name in ("pg", "redis", "lb"):
            proc = getattr(getattr(self, name, None), "proc", None)
            if proc is not None:
                leaders[proc.pid] = {"pg": "postgres", "redis": "redis", "lb": "nginx"}[name]
        if isinstance(getattr(self, "pg", None), PostgresHA):
            # Patroni's PostgreSQL (setsid()) under its Patroni; etcd and HAProxy: the database tier, as one.
            for proc in self.pg.processes().values():
                leaders[proc.pid] = "postgres"
            for node in self.pg.nodes:
                pid = node.postmaster_pid()
                if pid:
                    leaders[pid] = "postgres"
        out: dict[str, float] = dict.fromkeys(leaders.values(), 0.0)
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # After the command: state ppid pgrp session ... utime stime (indexes 11, 12 from "state").
            # By session (the services' own children), or by parent: PostgreSQL's backends call setsid().
            name = leaders.get(int(fields[3])) or leaders.get(int(fields[1]))
            if name is not None:
                out[name] += (int(fields[11]) + int(fields[12])) / ticks
        return out

    def logs(self) -> dict[str, str]:
        """Every log this cluster wrote: services (with earlier incarnations), nginx, PostgreSQL, Redis."""
        out: dict[str, str] = {}
        for path in sorted(self.workdir.rglob("*.log")):
            with contextlib.suppress(OSError):
                out[str(path.relative_to(self.workdir))] = path.read_text(errors="replace")
        return out

    def stop(self) -> None:
        with contextlib.suppress(AttributeError):
            stop_stack(self.stack)
        for part in ("lb", "broker", "redis", "pg"):
            with contextlib.suppress(AttributeError):
                if getattr(self, part) is not None:
                    getattr(self, part).stop()


@contextlib.contextmanager
def running_cluster(instances: int = 2, assistant: bool = True, gateway: bool = True,
                    public_port: int | None = None, keep: bool = False, ha_postgres: bool = False,
                    sentinel: bool = False, events: bool = False, workdir: Path | None = None,
                    **env: str) -> Iterator[Cluster]:
    """A whole cluster for the block. `workdir`: where its configs, data and logs go (make run-cluster:
    var/cluster); by default a temp dir, removed afterwards unless `keep`."""
    if workdir is not None:
        shutil.rmtree(workdir, ignore_errors=True)  # a fresh cluster each time: the old one's data is stale
        workdir.mkdir(parents=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="anxin-cluster-"))
    cluster = Cluster(workdir, instances, assistant, gateway, public_port, dict(env), ha_postgres=ha_postgres,
                      sentinel=sentinel, events=events)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        if not keep and os.environ.get("ANXIN_KEEP_STACK_LOGS") != "1":
            shutil.rmtree(workdir, ignore_errors=True)


def wait_until(predicate, timeout_s: float, interval_s: float = 0.2) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return False
