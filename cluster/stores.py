"""Throwaway PostgreSQL and Redis servers on loopback, each in its own temp dir, restartable on the same port.

They run in the foreground as our children (never as system services), so a test can stop, kill or restart
them to inject faults, and everything goes away with the temp dir.
"""
from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from cluster.services import free_port

PG_USER = "anxin"


def _pg_bin(name: str) -> str:
    """Debian keeps the server binaries out of PATH (only wrappers are there); ANXIN_PG_BIN picks one install."""
    env_dir = os.environ.get("ANXIN_PG_BIN")
    if env_dir and (Path(env_dir) / name).exists():
        return str(Path(env_dir) / name)
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise RuntimeError(f"PostgreSQL's {name} not found: install the Debian package postgresql (make sysdeps).")


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def _stop_proc(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout_s: float = 15) -> None:
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=5)


@dataclass
class PostgresServer:
    """One PostgreSQL cluster. PostgreSQL refuses to run as root, so under root it runs as the `postgres` user.

    The production profile's settings: durable (fsync and full-page writes on, PostgreSQL's defaults) and a
    password for every connection (scram-sha-256, local socket included), random for each cluster and passed
    to the services in their database URLs only (the logs mask passwords in URLs)."""

    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    password: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    # Tests pass durable=False (fsync off: throwaway data, much faster on a busy machine); benchmarks and the
    # cluster keep it on to measure and survive real commits.
    durable: bool = True
    max_connections: int = 300

    @property
    def datadir(self) -> Path:
        return self.workdir / "pgdata"

    @property
    def log(self) -> Path:
        return self.workdir / "postgres.log"

    def url(self, database: str = "anxin", driver: str = "psycopg") -> str:
        return f"postgresql+{driver}://{PG_USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def url_for_display(self, database: str = "anxin") -> str:
        return f"postgresql://{PG_USER}:***@127.0.0.1:{self.port}/{database}"

    def _client_env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.password}

    def _run_as(self) -> dict[str, object]:
        if os.geteuid() != 0:
            return {}
        pw = pwd.getpwnam("postgres")
        return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}

    def init(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        as_user = self._run_as()
        if as_user:
            # The postgres user must reach its data dir inside our temp dirs (mkdtemp makes them 0700).
            os.chmod(self.workdir, 0o777)
            for parent in self.workdir.parents:
                if parent == Path(tempfile.gettempdir()) or parent == Path("/"):
                    break
                os.chmod(parent, parent.stat().st_mode | 0o711)
        pwfile = self.workdir / "initdb.pw"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(self.password + "\n")
        if as_user:
            os.chown(pwfile, as_user["user"], as_user["group"])  # type: ignore[arg-type]
        try:
            res = subprocess.run(
                [_pg_bin("initdb"), "-D", str(self.datadir), "-U", PG_USER, "--auth=scram-sha-256",
                 f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8"],
                capture_output=True, text=True, **as_user,  # type: ignore[arg-type]
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if res.returncode != 0:
            raise RuntimeError(f"initdb failed: {res.stderr[-2000:]}")

    def start(self, timeout_s: float = 30) -> None:
        as_user = self._run_as()
        out = open(self.log, "ab")  # noqa: SIM115 - kept open for the server's lifetime
        if as_user:
            os.chmod(self.log, 0o666)
        self.proc = subprocess.Popen(
            [_pg_bin("postgres"), "-D", str(self.datadir), "-p", str(self.port), "-k", str(self.workdir),
             "-c", "listen_addresses=127.0.0.1", "-c", f"max_connections={self.max_connections}",
             "-c", "shared_buffers=128MB", "-c", "password_encryption=scram-sha-256", *self._durability()],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **as_user,  # type: ignore[arg-type]
        )
        out.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited: {self.log.read_text(errors='replace')[-2000:]}")
            if self._ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"postgres did not come up on {self.port}")

    def _durability(self) -> list[str]:
        if self.durable:
            return ["-c", "fsync=on", "-c", "full_page_writes=on"]
        return ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]

    def _ready(self) -> bool:
        res = subprocess.run(
            [_pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER, "-d", "postgres"],
            capture_output=True,
        )
        return res.returncode == 0

    def create_database(self, name: str) -> str:
        """Creates (or re-creates, empty) a database and returns its SQLAlchemy URL (psycopg 3)."""
        # Two -c: psql runs each in its own transaction (CREATE DATABASE refuses to run inside one).
        subprocess.run(
            [_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER, "-d", "postgres",
             "-v", "ON_ERROR_STOP=1", "-q", "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
             "-c", f'CREATE DATABASE "{name}"'],
            check=True, capture_output=True, env=self._client_env(),
        )
        return self.url(name)

    def run_tool(self, tool: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Runs a client tool of the same installation (psql, pgbench, ...) against this server."""
        env = {**self._client_env(), "PGHOST": "127.0.0.1", "PGPORT": str(self.port), "PGUSER": PG_USER}
        return subprocess.run([_pg_bin(tool), *args], env=env, capture_output=True, text=True,
                              timeout=timeout, check=True)

    def psql(self, database: str, sql: str) -> str:
        """Runs one statement and returns the unaligned, tuples-only output (for checks in tests)."""
        res = subprocess.run(
            [_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER, "-d", database,
             "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
            check=True, capture_output=True, text=True, env=self._client_env(),
        )
        return res.stdout

    def stop(self, fast: bool = True) -> None:
        # SIGINT is PostgreSQL's "fast" shutdown: clients are disconnected, committed work is kept.
        _stop_proc(self.proc, signal.SIGINT if fast else signal.SIGTERM, timeout_s=30)

    def restart(self) -> None:
        self.stop()
        self.start()


@dataclass
class RedisServer:
    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log(self) -> Path:
        return self.workdir / "redis.log"

    def start(self, timeout_s: float = 15) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        redis = shutil.which("redis-server")
        if not redis:
            raise RuntimeError("redis-server not found: install the Debian package redis-server (make sysdeps).")
        out = open(self.log, "ab")  # noqa: SIM115
        # No persistence: locks, rate-limit counters and sessions are short-lived by design.
        self.proc = subprocess.Popen(
            [redis, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir), "--daemonize", "no", "--protected-mode", "yes"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        out.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis exited: {self.log.read_text(errors='replace')[-2000:]}")
            if _port_open(self.port):
                return
            time.sleep(0.1)
        raise RuntimeError(f"redis did not come up on {self.port}")

    def stop(self) -> None:
        _stop_proc(self.proc)

    def restart(self) -> None:
        self.stop()
        self.start()
