"""PostgreSQL connections as backend/core/db.py hands them out (issue 14: one BEGIN at checkout instead of
pre-ping's SELECT 1 plus psycopg's own BEGIN): a pooled connection whose server end is gone is replaced on
checkout (issue 13's failover), and every transaction is a real one, the first on a checkout and later ones."""
from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, text

from backend.core.db import make_engine, read_session, write_session
from tests.backend.conftest import make_settings
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.postgres


@pytest.fixture()
def pg_engine(postgres_server: PostgresServer) -> Iterator[Engine]:
    url = postgres_server.create_database("checkout")
    engine = make_engine(make_settings(url, db_pool_size=2, db_max_overflow=0))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t (v integer)"))
        conn.execute(text("TRUNCATE t"))
    yield engine
    engine.dispose()


def _backend_pids(engine: Engine) -> set[int]:
    """The server processes of the connections now in the pool (checked out one by one, then given back)."""
    with engine.connect() as a, engine.connect() as b:
        return {c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in (a, b)}


def test_a_pooled_connection_whose_server_went_away_is_replaced_on_checkout(pg_engine: Engine) -> None:
    before = _backend_pids(pg_engine)
    # What a failover or a restart does to pooled connections: their server processes end (ended from a
    # connection of its own, outside the pool).
    with psycopg.connect(pg_engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY(%s)", (list(before),))
    with read_session(pg_engine) as session:  # no error: the dead connection was replaced
        assert session.execute(text("SELECT 1")).scalar_one() == 1
    assert not before & _backend_pids(pg_engine)


def test_every_transaction_on_one_checkout_is_a_transaction(pg_engine: Engine) -> None:
    with pg_engine.connect() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        conn.rollback()  # the first transaction, begun at checkout
        conn.execute(text("INSERT INTO t VALUES (2)"))
        conn.execute(text("INSERT INTO t VALUES (3)"))
        conn.rollback()  # the second, begun by the begin event: both of its rows go
        conn.execute(text("INSERT INTO t VALUES (4)"))
        conn.commit()
    with read_session(pg_engine) as session:
        assert session.execute(text("SELECT array_agg(v) FROM t")).scalar_one() == [4]


def test_sessions_leave_no_transaction_open(pg_engine: Engine) -> None:
    with write_session(pg_engine) as session:
        session.execute(text("INSERT INTO t VALUES (5)"))
        session.commit()
    with read_session(pg_engine) as session:
        session.execute(text("SELECT count(*) FROM t")).scalar_one()
    with pg_engine.connect() as conn:
        idle_in_transaction = conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()")).scalar_one()
    assert idle_in_transaction == 0
