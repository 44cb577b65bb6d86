"""A throwaway real PostgreSQL server for tests and benchmarks.

`running_postgres()` starts the cluster's own server (cluster.stores.PostgresServer: initdb into a temporary
directory, `postgres` on a free loopback port, a random password, run as the `postgres` OS user under root)
and stops and deletes everything on exit, so tests, benchmarks and the cluster share one PostgreSQL starter.
Missing binaries are an error, not a skip: `make test` installs them (Debian package postgresql).

Use it from any suite:

    from tests.support.postgres import postgres_server  # noqa: F401  (a session-scoped pytest fixture)

    def test_x(postgres_server):
        url = postgres_server.create_database("mine")   # postgresql+psycopg://anxin:...@127.0.0.1:PORT/mine
"""
from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.services import free_port  # noqa: F401  (re-exported: tests import it from here)
from cluster.stores import PG_USER as SUPERUSER  # noqa: F401
from cluster.stores import PostgresServer


@contextlib.contextmanager
def running_postgres(durable: bool = False, max_connections: int = 200) -> Iterator[PostgresServer]:
    """A fresh server for the duration of the block. `durable=False` turns fsync off: fine for throwaway
    test data, much faster on a busy machine; benchmarks pass durable=True to measure real commits."""
    workdir = Path(tempfile.mkdtemp(prefix="anxin-pg-"))
    server = PostgresServer(workdir, durable=durable, max_connections=max_connections)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the whole test session."""
    with running_postgres() as server:
        yield server
