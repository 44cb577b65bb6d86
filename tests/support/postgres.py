"""A throwaway real PostgreSQL server for tests and benchmarks.

`running_postgres()` runs initdb into a temporary directory, starts `postgres` on a free loopback port
(unix sockets in the same directory), and stops and deletes everything on exit. As root, the server runs as
the `postgres` OS user (PostgreSQL refuses to run as root). Missing binaries are an error, not a skip:
`make test` installs them (Debian package postgresql).

Use it from any suite:

    from tests.support.postgres import postgres_server  # noqa: F401  (a session-scoped pytest fixture)

    def test_x(postgres_server):
        url = postgres_server.create_database("mine")   # postgresql+psycopg://anxin@127.0.0.1:PORT/mine
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SUPERUSER = "anxin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin_dir() -> Path:
    """The newest installed PostgreSQL server's bin directory (Debian keeps them under /usr/lib/postgresql)."""
    env_dir = os.environ.get("ANXIN_PG_BIN")
    candidates = [env_dir] if env_dir else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "postgres").exists():
            return Path(candidate)
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, postgres) not found under /usr/lib/postgresql/*/bin. "
        "Install them with `make sysdeps` (Debian package `postgresql`) or set ANXIN_PG_BIN."
    )


def _as_postgres_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running as root but `runuser` is missing: cannot start PostgreSQL as user postgres")
    return [runuser, "-u", "postgres", "--", *cmd]


@dataclass
class PostgresServer:
    bin_dir: Path
    workdir: Path
    port: int
    host: str = "127.0.0.1"
    user: str = SUPERUSER
    databases: list[str] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{self.user}@{self.host}:{self.port}/{database}"

    def conninfo(self, database: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={database}"

    def create_database(self, name: str) -> str:
        """Creates (or re-creates, empty) a database and returns its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return self.url(name)

    def run_tool(self, tool: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Runs a client tool of the same installation (psql, pgbench, ...) against this server."""
        env = os.environ | {"PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user}
        return subprocess.run([str(self.bin_dir / tool), *args], env=env, capture_output=True, text=True,
                              timeout=timeout, check=True)


def _wait_ready(server: PostgresServer, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 30) -> None:
    import psycopg

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"postgres exited with {proc.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            with psycopg.connect(server.conninfo(), connect_timeout=2):
                return
        except psycopg.OperationalError:
            time.sleep(0.2)
    raise RuntimeError(f"postgres did not accept connections within {timeout_s:.0f} s:\n"
                       f"{log.read_text(errors='replace')[-2000:]}")


@contextlib.contextmanager
def running_postgres(durable: bool = False, max_connections: int = 200) -> Iterator[PostgresServer]:
    """A fresh server for the duration of the block. `durable=False` turns fsync off: fine for throwaway
    test data, much faster on a busy machine; benchmarks pass durable=True to measure real commits."""
    bin_dir = postgres_bin_dir()
    workdir = Path(tempfile.mkdtemp(prefix="anxin-pg-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, user="postgres", group="postgres")
    server = PostgresServer(bin_dir=bin_dir, workdir=workdir, port=free_port())
    log = workdir / "postgres.log"
    proc: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            _as_postgres_user([str(bin_dir / "initdb"), "-D", str(server.data_dir), "-U", SUPERUSER,
                               "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"]),
            check=True, capture_output=True, timeout=120,
        )
        settings = ["-c", "listen_addresses=127.0.0.1", "-c", f"max_connections={max_connections}",
                    "-c", "shared_buffers=128MB"]
        if not durable:
            settings += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                _as_postgres_user([str(bin_dir / "postgres"), "-D", str(server.data_dir), "-p", str(server.port),
                                   "-k", str(workdir), *settings]),
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        _wait_ready(server, proc, log)
        yield server
    finally:
        if proc is not None and proc.poll() is None:
            subprocess.run(_as_postgres_user([str(bin_dir / "pg_ctl"), "-D", str(server.data_dir), "-m", "fast",
                                              "-w", "stop"]), capture_output=True, timeout=60)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the whole test session."""
    with running_postgres() as server:
        yield server
