"""PostgreSQL with automatic failover on one machine, from the files under deploy/: three etcd members
(deploy/etcd/), three PostgreSQL 15 nodes under Patroni with synchronous replication (deploy/postgres/), and
HAProxy sending every connection to the current primary by Patroni's REST health check (deploy/haproxy/).

`PostgresHA` offers what `cluster.stores.PostgresServer` offers (url, create_database, psql, run_tool, stop),
so the cluster, the books check and the benchmarks take either; and the faults the drills inject (kill, freeze,
stop a node or an etcd member). Everything runs as our children in one work directory on loopback.
"""
from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

import httpx

from cluster.services import ROOT, free_port
from cluster.stores import PG_USER, _pg_bin, _port_open, _stop_proc

DEPLOY = ROOT / "deploy"
PATRONI = "/usr/bin/patroni"
NODES = 3


def render(template: Path, **values: object) -> str:
    """A deploy/ template with its ${variables} filled; a missing one is an error, not an empty string."""
    return Template(template.read_text()).substitute({k: str(v) for k, v in values.items()})


def _server_bin_dir() -> Path:
    """Where all of one installation's server programs are (Patroni runs pg_controldata, pg_rewind, ...
    from it): ANXIN_PG_BIN, or Debian's newest /usr/lib/postgresql/N/bin."""
    chosen = os.environ.get("ANXIN_PG_BIN")
    if chosen and (Path(chosen) / "pg_controldata").exists():
        return Path(chosen)
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_controldata"), reverse=True):
        return candidate.parent
    return Path(_pg_bin("pg_controldata")).parent


def _postgres_user() -> dict[str, object]:
    """Patroni starts PostgreSQL, which refuses to run as root: under root both run as `postgres`."""
    if os.geteuid() != 0:
        return {}
    pw = pwd.getpwnam("postgres")
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


def _open_up(path: Path) -> None:
    """The postgres user must reach its directories inside our temp dirs (mkdtemp makes them 0700)."""
    for parent in [path, *path.parents]:
        if parent in (Path(tempfile.gettempdir()), Path("/")):
            break
        with contextlib.suppress(OSError):
            os.chmod(parent, parent.stat().st_mode | 0o711)


@dataclass
class EtcdMember:
    name: str
    client_port: int = field(default_factory=free_port)
    peer_port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def client_url(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"


@dataclass
class PatroniNode:
    name: str
    workdir: Path
    pg_port: int = field(default_factory=free_port)
    rest_port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    @property
    def config(self) -> Path:
        return self.workdir / "patroni.yml"

    @property
    def log(self) -> Path:
        return self.workdir / "patroni.log"

    def rest(self, path: str) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{self.rest_port}{path}", timeout=1.0)

    def postmaster_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        return None

    def pids(self) -> list[int]:
        """Patroni, its postmaster and every PostgreSQL process under it (the postmaster calls setsid())."""
        postmaster = self.postmaster_pid()
        found = [p for p in (self.proc.pid if self.proc else None, postmaster) if p]
        if postmaster:
            for stat in Path("/proc").glob("[0-9]*/stat"):
                with contextlib.suppress(OSError, IndexError, ValueError):
                    if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                        found.append(int(stat.parent.name))
        return found


@dataclass
class PostgresHA:
    workdir: Path
    password: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    replication_password: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    rewind_password: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    port: int = field(default_factory=free_port)  # HAProxy: where every client connects
    stats_port: int = field(default_factory=free_port)
    etcd: list[EtcdMember] = field(default_factory=list)
    nodes: list[PatroniNode] = field(default_factory=list)
    haproxy: subprocess.Popen | None = None
    durable: bool = True  # always: the settings are deploy/postgres/patroni.yml.tmpl's

    # ----- what PostgresServer offers -----
    def url(self, database: str = "anxin", driver: str = "psycopg") -> str:
        return f"postgresql+{driver}://{PG_USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def url_for_display(self, database: str = "anxin") -> str:
        return f"postgresql://{PG_USER}:***@127.0.0.1:{self.port}/{database} (HAProxy -> Patroni primary)"

    @property
    def proc(self) -> subprocess.Popen | None:
        return self.haproxy

    def processes(self) -> dict[str, subprocess.Popen]:
        """Every long-running process of the database tier, by name (for CPU accounting)."""
        named = {f"etcd-{m.name}": m.proc for m in self.etcd} | {f"patroni-{n.name}": n.proc for n in self.nodes}
        named["haproxy"] = self.haproxy
        return {k: v for k, v in named.items() if v is not None}

    def _client_env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.password, "PGCONNECT_TIMEOUT": "3"}

    def psql(self, database: str, sql: str, port: int | None = None) -> str:
        res = subprocess.run(
            [_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port or self.port), "-U", PG_USER, "-d", database,
             "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
            check=True, capture_output=True, text=True, env=self._client_env(), timeout=60,
        )
        return res.stdout

    def create_database(self, name: str) -> str:
        subprocess.run(
            [_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER, "-d", "postgres",
             "-v", "ON_ERROR_STOP=1", "-q", "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
             "-c", f'CREATE DATABASE "{name}"'],
            check=True, capture_output=True, env=self._client_env(), timeout=60,
        )
        return self.url(name)

    def run_tool(self, tool: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        env = {**self._client_env(), "PGHOST": "127.0.0.1", "PGPORT": str(self.port), "PGUSER": PG_USER}
        return subprocess.run([_pg_bin(tool), *args], env=env, capture_output=True, text=True,
                              timeout=timeout, check=True)

    # ----- life cycle -----
    def start(self, timeout_s: float = 120) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.etcd = [EtcdMember(f"etcd{i}") for i in range(1, NODES + 1)]
        self.nodes = [PatroniNode(f"pg{i}", self.workdir / f"pg{i}") for i in range(1, NODES + 1)]
        for member in self.etcd:
            self.start_etcd(member)
        deadline = time.monotonic() + timeout_s
        while not self._etcd_healthy():
            if time.monotonic() > deadline:
                raise RuntimeError(f"etcd did not form a cluster:\n{self._tail('etcd1.log')}")
            time.sleep(0.3)
        for node in self.nodes:
            self._write_node_config(node)
        # The first node bootstraps (initdb) and becomes the leader; the others clone it with pg_basebackup.
        self.start_node(self.nodes[0])
        self.wait_for_primary(timeout_s)
        for node in self.nodes[1:]:
            self.start_node(node)
        self._start_haproxy()
        self.wait_writable(timeout_s)
        self.wait_replicas(NODES - 1, timeout_s)

    def _tail(self, name: str, chars: int = 3000) -> str:
        path = self.workdir / name
        with contextlib.suppress(OSError):
            return f"--- {name}\n" + path.read_text(errors="replace")[-chars:]
        return ""

    def start_etcd(self, member: EtcdMember) -> None:
        initial = ",".join(f"{m.name}=http://127.0.0.1:{m.peer_port}" for m in self.etcd)
        env_text = render(DEPLOY / "etcd" / "etcd.env.tmpl", name=member.name, host="127.0.0.1",
                          client_port=member.client_port, peer_port=member.peer_port,
                          data_dir=self.workdir / member.name, initial_cluster=initial,
                          cluster_token=f"anxin-{self.workdir.name}")
        env_file = self.workdir / f"{member.name}.env"
        env_file.write_text(env_text)
        settings = dict(line.split("=", 1) for line in env_text.splitlines() if line and not line.startswith("#"))
        out = open(self.workdir / f"{member.name}.log", "ab")  # noqa: SIM115 - kept open for its lifetime
        member.proc = subprocess.Popen([shutil.which("etcd") or "/usr/bin/etcd"], env={**os.environ, **settings},
                                       stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()

    def stop_etcd(self, member: EtcdMember) -> None:
        _stop_proc(member.proc, timeout_s=10)

    def _etcd_healthy(self) -> bool:
        for member in self.etcd:
            try:
                if httpx.get(member.client_url + "/health", timeout=1.0).json().get("health") != "true":
                    return False
            except (httpx.HTTPError, ValueError):
                return False
        return True

    def _write_node_config(self, node: PatroniNode) -> None:
        node.workdir.mkdir(parents=True, exist_ok=True)
        as_user = _postgres_user()
        text = render(
            DEPLOY / "postgres" / "patroni.yml.tmpl", name=node.name, host="127.0.0.1", pg_port=node.pg_port,
            rest_port=node.rest_port, etcd_hosts=",".join(f"127.0.0.1:{m.client_port}" for m in self.etcd),
            data_dir=node.data_dir, run_dir=node.workdir, bin_dir=_server_bin_dir(),
            superuser_password=self.password, replication_password=self.replication_password,
            rewind_password=self.rewind_password,
        )
        fd = os.open(node.config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the passwords
        with os.fdopen(fd, "w") as out:
            out.write(text)
        if as_user:
            _open_up(node.workdir)
            for path in (node.workdir, node.config):
                os.chown(path, as_user["user"], as_user["group"])  # type: ignore[arg-type]

    def start_node(self, node: PatroniNode) -> None:
        as_user = _postgres_user()
        out = open(node.log, "ab")  # noqa: SIM115
        if as_user:
            os.chown(node.log, as_user["user"], as_user["group"])  # type: ignore[arg-type]
        node.proc = subprocess.Popen([PATRONI, str(node.config)], cwd=node.workdir, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     env={k: v for k, v in os.environ.items() if not k.startswith(("PG", "ANXIN_"))},
                                     **as_user)  # type: ignore[arg-type]
        out.close()

    def _start_haproxy(self) -> None:
        servers = "\n".join(f"    server {n.name} 127.0.0.1:{n.pg_port} check port {n.rest_port}" for n in self.nodes)
        conf = self.workdir / "haproxy.cfg"
        conf.write_text(render(DEPLOY / "haproxy" / "haproxy.cfg.tmpl", host="127.0.0.1", primary_port=self.port,
                               servers=servers, stats_port=self.stats_port))
        out = open(self.workdir / "haproxy.log", "ab")  # noqa: SIM115
        self.haproxy = subprocess.Popen([shutil.which("haproxy") or "/usr/sbin/haproxy", "-db", "-f", str(conf)],
                                        stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        deadline = time.monotonic() + 10
        while not _port_open(self.port):
            if self.haproxy.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"haproxy did not start:\n{self._tail('haproxy.log')}")
            time.sleep(0.1)

    def stop(self) -> None:
        _stop_proc(self.haproxy, timeout_s=5)
        for node in reversed(self.nodes):
            self.stop_node(node)
        for member in self.etcd:
            self.stop_etcd(member)

    def stop_node(self, node: PatroniNode, timeout_s: float = 30) -> None:
        """Patroni's own shutdown: it stops its PostgreSQL (fast) and, as leader, gives up the leader key."""
        _stop_proc(node.proc, signal.SIGTERM, timeout_s=timeout_s)
        pid = node.postmaster_pid()
        if pid and _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)
            _wait_gone([pid], 15)

    # ----- state, from Patroni's REST API -----
    def members(self) -> list[dict[str, object]]:
        """Patroni's view of the cluster (name, role, state, timeline, lag), from any node that answers."""
        for node in self.nodes:
            if node.proc is None or node.proc.poll() is not None:
                continue
            with contextlib.suppress(httpx.HTTPError, ValueError):
                return list(node.rest("/cluster").json().get("members", []))
        return []

    def node(self, name: str) -> PatroniNode:
        return next(n for n in self.nodes if n.name == name)

    def primary(self) -> PatroniNode | None:
        """The node whose Patroni answers /primary with 200 (what HAProxy asks)."""
        for node in self.nodes:
            with contextlib.suppress(httpx.HTTPError):
                if node.rest("/primary").status_code == 200:
                    return node
        return None

    def sync_standby(self) -> PatroniNode | None:
        for member in self.members():
            if member.get("role") == "sync_standby":
                return self.node(str(member["name"]))
        return None

    def timelines(self) -> dict[str, int]:
        return {str(m["name"]): int(m.get("timeline") or 0) for m in self.members()}  # type: ignore[call-overload]

    def wait_for_primary(self, timeout_s: float = 60) -> PatroniNode:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.primary()
            if found is not None:
                return found
            time.sleep(0.3)
        raise RuntimeError("no PostgreSQL primary:\n" + "\n".join(self._tail(f"{n.name}/patroni.log", 1500)
                                                                  for n in self.nodes))

    def wait_writable(self, timeout_s: float = 60) -> None:
        """Until a write through HAProxy commits (the primary is promoted and HAProxy routes to it)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self.psql("postgres", "CREATE TEMP TABLE anxin_probe(x int); INSERT INTO anxin_probe VALUES (1)")
                return
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def wait_replicas(self, count: int, timeout_s: float = 120) -> None:
        """Until `count` standbys stream from the primary, one of them synchronous."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            members = self.members()
            streaming = [m for m in members if m.get("role") in ("replica", "sync_standby")
                         and m.get("state") in ("streaming", "running")]
            if len(streaming) >= count and any(m.get("role") == "sync_standby" for m in members):
                return
            time.sleep(0.5)
        raise RuntimeError(f"standbys not streaming: {json.dumps(self.members())}")

    # ----- faults -----
    def kill_node(self, node: PatroniNode) -> float:
        """SIGKILL to Patroni and its PostgreSQL at once, as a machine dying would. Returns the moment
        (time.monotonic()) the last signal went out: the fault's start, for RTO."""
        pids = node.pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        at = time.monotonic()
        if node.proc is not None:
            node.proc.wait(timeout=10)
        _wait_gone(pids, 15)
        return at

    def freeze_node(self, node: PatroniNode) -> tuple[list[int], float]:
        """SIGSTOP to Patroni and every PostgreSQL process of the node (a machine hung, not dead). Returns
        the pids (for thaw) and the moment the last signal went out (finding them takes a while on a busy
        machine: requests sent meanwhile are still served)."""
        pids = node.pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        return pids, time.monotonic()

    @staticmethod
    def thaw(pids: list[int]) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def rejoin(self, node: PatroniNode, timeout_s: float = 120) -> None:
        """Starts a killed or stopped node again; Patroni rewinds it and it streams as a standby."""
        self.start_node(node)
        self.wait_replicas(NODES - 1, timeout_s)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (killed, not yet reaped by its parent) is gone for our purposes.
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return False


def _wait_gone(pids: list[int], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
