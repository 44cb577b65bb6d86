"""The database gone (a PostgreSQL failover, a restart): a clear, retryable refusal, never a 500 and never
"your money did not move" (a commit cut off mid-way may have landed; the same Idempotency-Key finds out)."""
from __future__ import annotations

import sqlite3

import psycopg
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import InternalError, OperationalError

from backend.errors import ErrorCode, install_error_handlers


def _app(exc: Exception) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/move")
    def move() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=False)


def test_a_lost_database_connection_is_unavailable_with_retry_after() -> None:
    lost = OperationalError("COMMIT", {}, psycopg.OperationalError("server closed the connection unexpectedly"))
    resp = _app(lost).post("/move")
    assert resp.status_code == 503 and resp.json()["code"] == "UNAVAILABLE", resp.text
    assert int(resp.headers["Retry-After"]) >= 1
    assert "没有动" not in resp.json()["message"]  # the outcome is unknown: it may have committed


def test_a_demoted_primary_refusing_writes_is_unavailable_too() -> None:
    read_only = psycopg.errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction")
    resp = _app(InternalError("INSERT", {}, read_only)).post("/move")
    assert resp.status_code == 503 and resp.json()["code"] == "UNAVAILABLE", resp.text


def test_sqlite_busy_stays_busy() -> None:
    locked = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
    resp = _app(locked).post("/move")
    assert resp.status_code == 503 and resp.json()["code"] == ErrorCode.BUSY.name
