"""The audit trail records every money movement, login, lock-out and approval; logs never carry a PIN,
a token or a full account number."""
from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from backend.core.log_redaction import RedactingFilter, redact
from backend.models import AuditLog
from tests.backend.factories import CustomerFixture, StaffFixture


def test_redaction_of_secrets():
    assert redact("Authorization: Bearer eyJhbGciOi.abc.def") == "Authorization: Bearer ***"
    assert "6222021001000011234" not in redact("from 6222021001000011234 to x")
    assert redact("from 6222021001000011234") == "from ****1234"  # the one rule (rules.redact): last four
    assert redact('{"phone": "13800000001", "pin": "135790"}').endswith('"pin": "***"}')
    assert "secret" not in redact("password=secret&x=1")
    assert redact("amount 1200.50 yuan to payee 12") == "amount 1200.50 yuan to payee 12"


def test_filter_rewrites_records():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "pin=%s card=%s", ("135790", "6222021001000011234"), None)
    RedactingFilter().filter(record)
    assert "135790" not in record.getMessage() and "6222021001000011234" not in record.getMessage()


def test_a_whole_session_logs_no_secret(
    client: TestClient, alice: CustomerFixture, staff: StaffFixture, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    handler_filter = RedactingFilter()
    login = client.post("/auth/login", json={"phone": alice.phone, "pin": alice.pin}).json()
    client.post("/auth/login", json={"phone": alice.phone, "pin": "000000"})
    body = {"from_account_id": alice.accounts["demand"], "payee_id": alice.payees["新朋友"], "amount": "10.00"}
    client.post("/transfers", json=body, headers=alice.idem())
    client.post("/transfers", json=body | {"note": "安全账户"}, headers=alice.idem())
    for record in caplog.records:
        handler_filter.filter(record)
        text = record.getMessage()
        for secret in (alice.pin, login["access_token"], alice.token, *alice.account_numbers.values()):
            assert secret not in text


def test_audit_rows_say_who_what_when(
    client: TestClient, engine: Engine, alice: CustomerFixture, staff: StaffFixture
):
    client.post("/auth/login", json={"phone": alice.phone, "pin": alice.pin})
    body = {"from_account_id": alice.accounts["demand"], "payee_id": alice.payees["新朋友"], "amount": "10.00"}
    transfer = client.post("/transfers", json=body, headers=alice.idem()).json()
    approval = next(a for a in client.get("/staff/approvals?status=pending", headers=staff.headers).json()
                    if a["transfer"]["id"] == transfer["id"])
    client.post(f"/staff/approvals/{approval['id']}/approve", headers=staff.headers)
    with Session(engine) as session:
        rows = session.exec(select(AuditLog).where(
            ((AuditLog.actor_kind == "customer") & (AuditLog.actor_id == alice.id))
            | ((AuditLog.actor_kind == "staff") & (AuditLog.actor_id == staff.id))
        ).order_by(AuditLog.id)).all()  # type: ignore[arg-type]
    actions = [(r.actor_kind, r.action, r.target_id) for r in rows]
    assert ("customer", "login.ok", alice.id) in actions
    assert ("customer", "transfer.held", transfer["id"]) in actions
    # To a payee saved today: approved, it leaves her account and arrives the next day (issue 12).
    assert ("staff", "transfer.scheduled", transfer["id"]) in actions
    assert ("staff", "approval.approved", approval["id"]) in actions
    assert all(r.at is not None for r in rows)
    completed = next(r for r in rows if r.action == "transfer.scheduled")
    assert json.loads(completed.detail)["amount"] == "10.00"
    for row in rows:
        for secret in (alice.pin, *alice.account_numbers.values()):
            assert secret not in row.detail
