"""Engine and sessions. SQLite runs in WAL mode and takes its write lock up front (BEGIN IMMEDIATE) for
writing sessions, so two money movements never interleave; PostgreSQL (psycopg 3) relies on row locks."""
from __future__ import annotations

import fcntl
import sqlite3
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from backend.core.config import Settings

BACKEND_DIR = Path(__file__).resolve().parents[1]
SQLITE_BEGIN_OPTION = "anxin_sqlite_begin"
_HOLDS_WRITER_LOCK = "anxin_holds_writer_lock"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def normalize_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here (SQLAlchemy would otherwise pick psycopg2, which is not installed)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(settings: Settings) -> Engine:
    url = normalize_url(settings.database_url)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_s},
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        _configure_sqlite(engine, settings)
        return engine
    engine = create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        # A bounded connect keeps a request from hanging on a lost node (issue 13). No pool_pre_ping: the BEGIN
        # sent at checkout tests the connection instead (_configure_postgresql). psycopg's autocommit mode: the
        # transactions are begun by us, as on SQLite; COMMIT and ROLLBACK still go through psycopg.
        connect_args={"connect_timeout": 5, "autocommit": True},
    )
    _configure_postgresql(engine)
    return engine


_BEGUN_AT_CHECKOUT = "anxin_begun_at_checkout"


def _configure_postgresql(engine: Engine) -> None:
    """Issue 14: pre-ping's SELECT 1 and psycopg's own BEGIN were two round trips before a transaction's first
    statement (of ~10 per transfer). Here one BEGIN sent when a connection is checked out does both: it opens the
    transaction, and a connection that cannot answer it (after a failover, issue 13: Patroni behind HAProxy,
    pooled connections to the old primary are dead) is discarded and replaced by the pool, as pre-ping did. A
    later transaction on the same checked-out connection sends its BEGIN from the begin event."""
    import psycopg
    from sqlalchemy.exc import DisconnectionError

    @event.listens_for(engine, "checkout")
    def _begin_on_checkout(dbapi_conn: psycopg.Connection[Any], record: ConnectionPoolEntry,
                           _proxy: object) -> None:
        try:
            dbapi_conn.execute("BEGIN")
        except psycopg.Error as exc:
            raise DisconnectionError(f"connection check failed: {type(exc).__name__}") from exc
        record.info[_BEGUN_AT_CHECKOUT] = True

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # The pooled connection's info is its record's, kept across checkouts.
        if not conn.connection.info.pop(_BEGUN_AT_CHECKOUT, False):
            conn.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: object, record: ConnectionPoolEntry) -> None:
        # Checked out and given back without a transaction: the pool's reset rolled the BEGIN back.
        record.info.pop(_BEGUN_AT_CHECKOUT, None)


def _configure_sqlite(engine: Engine, settings: Settings) -> None:
    busy_ms = int(settings.sqlite_busy_timeout_s * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        # pysqlite's own transaction handling cannot issue BEGIN IMMEDIATE; we emit BEGIN ourselves below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    # Writers of this process queue on a lock instead of in SQLite's busy handler, which sleeps in steps of
    # up to 100 ms and so turns a short wait into a long one. The lock is taken before BEGIN IMMEDIATE and given
    # back when the connection returns to the pool, i.e. after its COMMIT or ROLLBACK. Other processes on the
    # same file still meet in the busy handler (run SQLite deployments with one worker process).
    writer_lock = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        if mode == "IMMEDIATE":
            record_info = conn.connection.info  # per pooled connection, kept across checkouts
            if not record_info.get(_HOLDS_WRITER_LOCK):
                if not writer_lock.acquire(timeout=settings.sqlite_busy_timeout_s):
                    raise sqlite3.OperationalError("database is locked (writer queue timeout)")
                record_info[_HOLDS_WRITER_LOCK] = True
        try:
            conn.exec_driver_sql(f"BEGIN {mode}")
        except Exception:
            _release(conn.connection.info)
            raise

    def _release(record_info: dict[Any, Any]) -> None:
        if record_info.pop(_HOLDS_WRITER_LOCK, False):
            writer_lock.release()

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: object, record: ConnectionPoolEntry) -> None:
        _release(record.info)

    @event.listens_for(engine, "close")
    def _on_close(_dbapi_conn: object, record: ConnectionPoolEntry) -> None:
        _release(record.info)


def read_session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


_write_binds: dict[int, Engine] = {}


def write_bind(engine: Engine) -> Engine:
    """The engine itself, or on SQLite a view of it whose transactions begin with BEGIN IMMEDIATE."""
    if not is_sqlite(engine):
        return engine
    if id(engine) not in _write_binds:
        _write_binds[id(engine)] = engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    return _write_binds[id(engine)]


def write_session(engine: Engine) -> Session:
    """A session whose transaction holds SQLite's write lock from its first statement on. Creating it does no
    I/O: the lock is taken by the first statement, in whatever thread runs it."""
    return Session(write_bind(engine), expire_on_commit=False)


def run_migrations(database_url: str) -> None:
    """`alembic upgrade head` against the given database (what the app, the seed and the tests all use)."""
    from alembic import command
    from alembic.config import Config

    url = normalize_url(database_url)
    cfg = Config(str(BACKEND_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(BACKEND_DIR / "alembic"))
    cfg.attributes["database_url"] = url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        # PostgreSQL serializes concurrent migrations with an advisory lock (alembic/env.py); SQLite with a file lock.
        lock_path = Path(f"{parsed.database}.migrate.lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            command.upgrade(cfg, "head")
        return
    command.upgrade(cfg, "head")
