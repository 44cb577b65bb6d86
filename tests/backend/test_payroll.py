"""Pension payroll (代发, issue 12): batches idempotent by batch id, credits, "none this month", notices."""
from __future__ import annotations

import json
import secrets
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from backend.core.config import Settings, get_settings
from backend.core.db import write_session
from backend.errors import AppError
from backend.jobs.__main__ import main as jobs_main
from backend.models import AuditLog, OutboxMessage, PayrollBatch, PayrollCredit
from backend.services import clock, ledger, maturity, payroll
from tests.backend.factories import CustomerFixture, create_customer
from tests.backend.helpers import MovingClock, balance_fen, entries_sum_fen


def batch_id() -> str:
    return f"SS-{secrets.token_hex(6)}"


def payer_balance(engine: Engine) -> int:
    with Session(engine) as session:
        return balance_fen(engine, ledger.internal_account_id(session, payroll.PAYER))


def test_a_batch_credits_each_pension_account_once(engine: Engine, settings: Settings, bob: CustomerFixture):
    other = create_customer(engine, settings, "王奶奶", {"pension": 0, "demand": 100_00}, {})
    lines = [payroll.Line(bob.account_numbers["pension"], 3_500_00),
             payroll.Line(other.account_numbers["pension"], 2_800_50),
             payroll.Line(other.account_numbers["demand"], 1_00),  # not a pension account: rejected
             payroll.Line("6222000000000000000", 1_00)]  # no such account: rejected
    payer_before = payer_balance(engine)
    ident = batch_id()
    result = payroll.post_batch(engine, ident, lines)
    assert (result.status, result.credits, result.total_fen) == ("posted", 2, 6_300_50)
    assert sorted(result.rejected) == sorted([other.account_numbers["demand"][-4:], "0000"])
    assert balance_fen(engine, bob.accounts["pension"]) == 3_000_00 + 3_500_00
    assert balance_fen(engine, other.accounts["pension"]) == 2_800_50
    assert balance_fen(engine, other.accounts["demand"]) == 100_00
    assert entries_sum_fen(engine, bob.accounts["pension"]) == 6_500_00
    assert payer_balance(engine) == payer_before - 6_300_50
    with Session(engine) as session:
        audited = session.exec(select(AuditLog).where(AuditLog.action == "payroll.credited",
                                                      AuditLog.target_id == bob.accounts["pension"])).all()
    assert len(audited) == 1 and json.loads(audited[0].detail)["batch_id"] == ident

    again = payroll.post_batch(engine, ident, lines)
    assert (again.status, again.credits, again.total_fen) == ("already_posted", 2, 6_300_50)
    assert balance_fen(engine, bob.accounts["pension"]) == 6_500_00
    with pytest.raises(AppError) as refused:
        payroll.post_batch(engine, ident, lines[:1])
    assert refused.value.code == "PAYROLL_BATCH_MISMATCH"
    assert balance_fen(engine, bob.accounts["pension"]) == 6_500_00

    with Session(engine) as session:
        sms = session.exec(select(OutboxMessage).where(OutboxMessage.customer_id == bob.id)).all()
    assert [(m.kind, m.to_phone) for m in sms] == [("pension_credit", bob.phone)]
    assert "3,500.00元" in sms[0].text


def test_two_runners_post_a_batch_once(engine: Engine, settings: Settings):
    people = [create_customer(engine, settings, f"退休{i}", {"pension": 0}, {}) for i in range(3)]
    lines = [payroll.Line(p.account_numbers["pension"], 1_000_00 + i) for i, p in enumerate(people)]
    ident = batch_id()
    barrier = threading.Barrier(4)
    statuses: list[str] = []

    def run() -> None:
        barrier.wait()
        statuses.append(payroll.post_batch(engine, ident, lines).status)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == ["already_posted"] * 3 + ["posted"]
    assert [balance_fen(engine, p.accounts["pension"]) for p in people] == [1_000_00, 1_000_01, 1_000_02]
    with Session(engine) as session:
        batch = session.exec(select(PayrollBatch).where(PayrollBatch.batch_id == ident)).one()
        assert len(session.exec(select(PayrollCredit).where(PayrollCredit.batch_id == batch.id)).all()) == 3


def test_pension_credits_and_none_this_month(client: TestClient, engine: Engine, settings: Settings,
                                             moving_clock: MovingClock):
    li = create_customer(engine, settings, "李大山", {"pension": 0, "demand": 0}, {})
    empty = client.get("/pension/credits", headers=li.headers).json()
    assert empty == {"items": [], "last": None, "this_month": False, "message": "还没有查到养老金到账的记录。"}
    payroll.post_batch(engine, batch_id(), [payroll.Line(li.account_numbers["pension"], 3_500_00)])
    today = clock.today_cn()
    got = client.get("/pension/credits", headers=li.headers).json()
    assert got["this_month"] is True and got["last"]["amount"] == "3500.00"
    assert got["last"]["credited_on"] == today.isoformat() and got["last"]["account_id"] == li.accounts["pension"]
    assert got["message"] == f"您的养老金3,500.00元已经到账了，{today.month}月{today.day}日到的。"
    moving_clock.advance(days=40)
    later = client.get("/pension/credits?limit=1", headers=li.headers).json()
    assert later["this_month"] is False and len(later["items"]) == 1
    assert later["message"] == f"这个月的养老金还没有到账。上一次是{today.month}月{today.day}日到的，3,500.00元。"
    assert client.get("/pension/credits?limit=0", headers=li.headers).json()["code"] == "VALIDATION_ERROR"


def test_notices_are_said_once(client: TestClient, engine: Engine, settings: Settings, alice: CustomerFixture):
    li = create_customer(engine, settings, "李大山", {"pension": 0, "demand": 5_000_00}, {})
    payroll.post_batch(engine, batch_id(), [payroll.Line(li.account_numbers["pension"], 3_500_00)])
    td3 = next(p for p in client.get("/savings/products").json() if p["code"] == "TD3")
    opened = client.post("/deposits", json={"product_id": td3["id"], "from_account_id": li.accounts["demand"],
                                            "amount": "1000.00", "maturity_choice": "demand"}, headers=li.idem())
    assert opened.status_code == 201, opened.text
    maturity.mature_due(engine, date.fromisoformat(opened.json()["maturity_date"]))
    notices = client.get("/notices", headers=li.headers).json()
    assert [n["kind"] for n in notices] == ["pension_credit", "deposit_matured"]
    pension, deposit = notices
    assert pension["text"].startswith("您的养老金3,500.00元已经到账了") and pension["amount"] == "3500.00"
    assert "三个月定期到期了" in deposit["text"] and "转回" in deposit["text"]
    # Another customer cannot mark them, nor see them; a malformed id is a validation error.
    assert client.post(f"/notices/{pension['id']}/seen", headers=alice.headers).json()["code"] == "NOT_FOUND"
    assert client.get("/notices", headers=alice.headers).json() == []
    assert client.post("/notices/pension:abc/seen", headers=li.headers).status_code == 422
    for _ in range(2):  # idempotent
        seen = client.post(f"/notices/{pension['id']}/seen", headers=li.headers)
        assert seen.status_code == 200 and seen.json() == {"id": pension["id"], "seen": True}
    assert [n["id"] for n in client.get("/notices", headers=li.headers).json()] == [deposit["id"]]
    client.post(f"/notices/{deposit['id']}/seen", headers=li.headers)
    assert client.get("/notices", headers=li.headers).json() == []


def test_monthly_batch_from_enrollments(engine: Engine, settings: Settings):
    li = create_customer(engine, settings, "李大山", {"pension": 0}, {})
    with write_session(engine) as session:
        payroll.enroll(session, li.accounts["pension"], 3_500_00)
        session.commit()
    # A month no other test uses, so the batch is this test's.
    day = date(2040 + secrets.randbelow(50), 1 + secrets.randbelow(12), 10)
    assert payroll.run_monthly_if_due(engine, 0, day) is None  # off
    assert payroll.run_monthly_if_due(engine, 15, day) is None  # not yet this month
    first = payroll.run_monthly_if_due(engine, 5, day)
    assert first is not None and first.status == "posted" and first.batch_id == payroll.monthly_batch_id(day)
    assert balance_fen(engine, li.accounts["pension"]) == 3_500_00
    assert payroll.run_monthly_if_due(engine, 5, day + timedelta(days=3)) is None  # once a month
    assert balance_fen(engine, li.accounts["pension"]) == 3_500_00


def test_the_command_posts_a_batch_file(engine: Engine, settings: Settings, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    li = create_customer(engine, settings, "李大山", {"pension": 0}, {})
    batch_file = tmp_path / "batch.csv"
    batch_file.write_text(f"account_number,amount\n{li.account_numbers['pension']},3500.00\n\n", encoding="utf-8")
    ident = batch_id()
    monkeypatch.setenv("ANXIN_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        assert jobs_main(["payroll", "--batch-id", ident, "--file", str(batch_file)]) == 0
        first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert jobs_main(["payroll", "--batch-id", ident, "--file", str(batch_file)]) == 0
        second = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        batch_file.write_text(f"{li.account_numbers['pension']},3600.00\n", encoding="utf-8")
        assert jobs_main(["payroll", "--batch-id", ident, "--file", str(batch_file)]) == 2
        third = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    finally:
        get_settings.cache_clear()
    assert (first["status"], first["credits"], first["total"]) == ("posted", 1, "3500.00")
    assert second["status"] == "already_posted"
    assert third["code"] == "PAYROLL_BATCH_MISMATCH"
    assert balance_fen(engine, li.accounts["pension"]) == 3_500_00
