"""Time deposits mature (issue 10, item 6): term interest paid, then renewed (自动转存) or paid out, exactly once.

The clock is moved by handing the job the day it runs on (`today`): a deposit opened today is handled as if the
job ran on its maturity date, or 310 days after it."""
from __future__ import annotations

import json
import threading
import time
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, update
from sqlmodel import Session, select

from backend.core.config import Settings, get_settings
from backend.core.db import make_engine
from backend.jobs.__main__ import main as jobs_main
from backend.models import (
    Account,
    AuditLog,
    DepositMaturity,
    JobLease,
    LedgerEntry,
    SavingsProduct,
    TimeDeposit,
)
from backend.scheduler import MATURITY_JOB, release_lease, run_maturity_job, start, take_lease
from backend.services import clock, interest, ledger, maturity
from tests.backend.factories import CustomerFixture
from tests.backend.helpers import balance_fen, entries_sum_fen


def _products(client: TestClient) -> dict[str, dict]:
    return {p["code"]: p for p in client.get("/savings/products").json()}


def open_deposit(client: TestClient, engine: Engine, who: CustomerFixture, code: str, amount: str,
                 choice: str = "renew") -> dict:
    body = {"product_id": _products(client)[code]["id"], "from_account_id": who.accounts["demand"], "amount": amount,
            "maturity_choice": choice}  # what the customer chose at opening
    response = client.post("/deposits", json=body, headers=who.idem())
    assert response.status_code == 201, response.text
    deposit = response.json()
    assert deposit_row(engine, deposit["id"]).maturity_choice == choice
    return deposit


def deposit_row(engine: Engine, deposit_id: int) -> TimeDeposit:
    with Session(engine) as session:
        row = session.get(TimeDeposit, deposit_id)
        assert row is not None
        return row


def chain(engine: Engine, first_id: int) -> list[TimeDeposit]:
    """The deposit and every renewal that continues it, in order."""
    rows = [deposit_row(engine, first_id)]
    with Session(engine) as session:
        while True:
            nxt = session.exec(select(TimeDeposit).where(TimeDeposit.renewed_from_id == rows[-1].id)).first()
            if nxt is None:
                return rows
            rows.append(nxt)


def interest_balance(engine: Engine) -> int:
    with Session(engine) as session:
        return balance_fen(engine, ledger.internal_account_id(session, ledger.INTEREST))


def last_maturity_id(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.coalesce(func.max(DepositMaturity.id), 0))).one())


def interest_paid_since(engine: Engine, after_id: int) -> int:
    """Interest of every maturity handled since `after_id` (other tests' deposits may mature in the same run)."""
    with Session(engine) as session:
        return int(session.exec(select(func.coalesce(func.sum(DepositMaturity.interest_fen), 0))
                                .where(DepositMaturity.id > after_id)).one())


def maturity_rows(engine: Engine, deposit_ids: list[int]) -> list[DepositMaturity]:
    with Session(engine) as session:
        return list(session.exec(select(DepositMaturity).where(DepositMaturity.deposit_id.in_(deposit_ids))).all())  # type: ignore[attr-defined]


def test_at_maturity_the_interest_is_paid_and_the_deposit_renews_at_todays_rate(
    client: TestClient, engine: Engine, alice: CustomerFixture
):
    opened = open_deposit(client, engine, alice, "TD12", "10000.00")
    maturity_day = date.fromisoformat(opened["maturity_date"])
    # The day before maturity nothing happens.
    maturity.mature_due(engine, maturity_day - timedelta(days=1))
    assert deposit_row(engine, opened["id"]).status == "active"

    with Session(engine) as session:
        product = session.exec(select(SavingsProduct).where(SavingsProduct.code == "TD12")).one()
        old_rate = product.rate_bp
    bank_interest_before, last = interest_balance(engine), last_maturity_id(engine)
    try:
        with Session(engine) as session:  # the product's rate changed while the deposit ran
            session.execute(update(SavingsProduct).where(SavingsProduct.code == "TD12").values(rate_bp=95))
            session.commit()
        report = maturity.mature_due(engine, maturity_day)
    finally:
        with Session(engine) as session:
            session.execute(update(SavingsProduct).where(SavingsProduct.code == "TD12").values(rate_bp=old_rate))
            session.commit()
    assert opened["id"] in report.renewed

    old, new = chain(engine, opened["id"])
    assert (old.status, old.interest_paid_fen, old.closed_on) == ("matured", 110_00, maturity_day)
    assert new.status == "active" and new.maturity_choice == "renew"
    assert new.principal_fen == 10_110_00  # principal + interest renew
    assert new.rate_bp == 95  # today's rate of the same product, not the old one
    assert new.opened_on == maturity_day and new.maturity_date == clock.add_months(maturity_day, 12)
    assert new.expected_interest_fen == interest.expected_interest_fen(10_110_00, 95, 12)
    assert new.account_id == old.account_id
    assert balance_fen(engine, old.account_id) == 10_110_00 == entries_sum_fen(engine, old.account_id)  # type: ignore[arg-type]
    assert balance_fen(engine, alice.accounts["demand"]) == 0
    assert interest_balance(engine) == bank_interest_before - interest_paid_since(engine, last)

    with Session(engine) as session:
        (row,) = maturity_rows(engine, [opened["id"]])
        entries = session.exec(select(LedgerEntry).where(LedgerEntry.journal_id == row.journal_id)).all()
        assert sum(e.amount_fen for e in entries) == 0 and {e.amount_fen for e in entries} == {110_00, -110_00}
        audit = session.exec(select(AuditLog).where(AuditLog.action == "deposit.matured",
                                                    AuditLog.target_id == opened["id"])).one()
        assert audit.actor_kind == "system"
        assert json.loads(audit.detail)["interest"] == "110.00"

    listed = {d["id"]: d for d in client.get("/deposits", headers=alice.headers).json()}
    assert listed[old.id]["status"] == "matured" and listed[old.id]["interest_paid"] == "110.00"
    assert listed[new.id]["principal"] == "10110.00"


def test_demand_choice_pays_principal_and_interest_to_the_current_account(
    client: TestClient, engine: Engine, alice: CustomerFixture
):
    opened = open_deposit(client, engine, alice, "TD3", "10000.00", choice="demand")
    report = maturity.mature_due(engine, date.fromisoformat(opened["maturity_date"]))
    assert opened["id"] in report.paid_out
    assert chain(engine, opened["id"])[-1].id == opened["id"]  # no renewal
    row = deposit_row(engine, opened["id"])
    assert (row.status, row.interest_paid_fen) == ("matured", 21_25)
    assert balance_fen(engine, alice.accounts["demand"]) == 10_021_25 == entries_sum_fen(engine, alice.accounts["demand"])
    assert balance_fen(engine, opened["account_id"]) == 0
    with Session(engine) as session:
        account = session.get(Account, opened["account_id"])
        assert account is not None and account.closed_at is not None
    kinds = [a["kind"] for a in client.get("/accounts", headers=alice.headers).json()]
    assert kinds == ["demand"]


def test_310_days_overdue_renewing_deposit_renews_once_per_missed_maturity(
    client: TestClient, engine: Engine, alice: CustomerFixture
):
    opened = open_deposit(client, engine, alice, "TD3", "10000.00")
    first_maturity = date.fromisoformat(opened["maturity_date"])
    today = first_maturity + timedelta(days=310)
    maturity.mature_due(engine, today)

    rows = chain(engine, opened["id"])
    # Maturities at M, M+3, M+6 and M+9 months (all <= M+310 days); the fifth deposit runs to M+12 months.
    assert [r.status for r in rows] == ["matured"] * 4 + ["active"]
    principal, rate, due = 10_000_00, rows[0].rate_bp, first_maturity
    for previous, row in zip(rows, rows[1:], strict=False):
        assert previous.closed_on == previous.maturity_date == due <= today
        principal += interest.expected_interest_fen(principal, rate, 3)  # principal + interest renew
        assert (row.opened_on, row.principal_fen) == (due, principal)
        due = clock.add_months(due, 3)
        assert row.maturity_date == due
    assert rows[-1].maturity_date > today
    assert balance_fen(engine, opened["account_id"]) == rows[-1].principal_fen == principal
    assert len(maturity_rows(engine, [r.id for r in rows])) == 4  # type: ignore[misc]


def test_310_days_overdue_demand_deposit_pays_out_once(client: TestClient, engine: Engine, alice: CustomerFixture):
    opened = open_deposit(client, engine, alice, "TD3", "10000.00", choice="demand")
    today = date.fromisoformat(opened["maturity_date"]) + timedelta(days=310)
    maturity.mature_due(engine, today)
    maturity.mature_due(engine, today)
    assert [r.status for r in chain(engine, opened["id"])] == ["matured"]
    assert balance_fen(engine, alice.accounts["demand"]) == 10_021_25


def test_running_again_pays_nothing_more(client: TestClient, engine: Engine, alice: CustomerFixture):
    opened = open_deposit(client, engine, alice, "TD6", "5000.00")
    day = date.fromisoformat(opened["maturity_date"])
    assert opened["id"] in maturity.mature_due(engine, day).renewed
    before = interest_balance(engine)
    again = maturity.mature_due(engine, day)
    assert opened["id"] not in again.renewed + again.paid_out
    assert interest_balance(engine) == before
    assert maturity.mature_one(engine, opened["id"], day) is None
    assert len(maturity_rows(engine, [opened["id"]])) == 1


def test_two_runners_at_once_pay_each_maturity_once(
    client: TestClient, engine: Engine, settings: Settings, alice: CustomerFixture, bob: CustomerFixture
):
    opened = [open_deposit(client, engine, alice, "TD3", "1000.00", choice="demand") for _ in range(4)]
    opened += [open_deposit(client, engine, alice, "TD3", "1000.00") for _ in range(4)]
    body = {"product_id": _products(client)["TD3"]["id"], "from_account_id": bob.accounts["demand"],
            "amount": "1000.00"}
    opened += [client.post("/deposits", json=body, headers=bob.idem()).json() for _ in range(2)]
    ids = [d["id"] for d in opened]
    day = date.fromisoformat(opened[0]["maturity_date"])
    before, last = interest_balance(engine), last_maturity_id(engine)

    # Two instances: each its own engine (own pool) on the same database, started together, no lease.
    engines = [make_engine(settings), make_engine(settings)]
    barrier = threading.Barrier(2)
    reports: list[maturity.MaturityReport] = []
    errors: list[BaseException] = []

    def runner(runner_engine: Engine) -> None:
        try:
            barrier.wait()
            reports.append(maturity.mature_due(runner_engine, day))
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)

    threads = [threading.Thread(target=runner, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for e in engines:
        e.dispose()
    assert not errors
    handled = [i for r in reports for i in r.renewed + r.paid_out if i in ids]
    assert sorted(handled) == sorted(ids)  # every one once, by one of the two runners
    assert not [i for r in reports for i in r.failed if i in ids]
    rows = maturity_rows(engine, ids)
    assert sorted(r.deposit_id for r in rows) == sorted(ids)
    paid = sum(r.interest_fen for r in rows)
    assert paid == 10 * 2_13  # 1000 * 0.85% / 4 = 2.125 -> 2.13 each
    assert interest_balance(engine) == before - interest_paid_since(engine, last)
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 - 8 * 1000_00 + 4 * 1002_13
    with Session(engine) as session:
        journals = session.exec(select(func.count()).select_from(DepositMaturity)
                                .where(DepositMaturity.deposit_id.in_(ids))).one()  # type: ignore[attr-defined]
        assert journals == len(ids)


def test_the_lease_lets_one_instance_run_the_job_at_a_time(engine: Engine, settings: Settings):
    assert take_lease(engine, MATURITY_JOB, "instance-a", 60)
    assert not take_lease(engine, MATURITY_JOB, "instance-b", 60)
    assert run_maturity_job(engine, settings, holder="instance-b") is None  # busy: another instance runs it
    assert take_lease(engine, MATURITY_JOB, "instance-a", 60)  # the holder renews its own lease
    release_lease(engine, MATURITY_JOB, "instance-a")
    assert take_lease(engine, MATURITY_JOB, "instance-b", 60)
    # A crashed holder's lease runs out.
    with Session(engine) as session:
        session.execute(update(JobLease).where(JobLease.name == MATURITY_JOB)
                        .values(expires_at=clock.now() - timedelta(seconds=1)))
        session.commit()
    report = run_maturity_job(engine, settings, holder="instance-a")
    assert report is not None
    with Session(engine) as session:
        lease = session.get(JobLease, MATURITY_JOB)
        assert lease is not None and lease.holder == ""  # released after the run


def test_the_command_runs_the_job_by_hand(
    client: TestClient, engine: Engine, settings: Settings, alice: CustomerFixture,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    opened = open_deposit(client, engine, alice, "TD3", "2000.00", choice="demand")
    monkeypatch.setenv("ANXIN_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        assert jobs_main(["mature", "--now", opened["maturity_date"]]) == 0
    finally:
        get_settings.cache_clear()
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["status"] == "ok" and opened["id"] in out["paid_out"]
    assert deposit_row(engine, opened["id"]).status == "matured"


def test_the_scheduler_runs_the_job_in_the_background(
    client: TestClient, engine: Engine, settings: Settings, alice: CustomerFixture
):
    assert start(engine, settings) is None  # tests run with ANXIN_MATURITY_INTERVAL_S=0: no thread
    opened = open_deposit(client, engine, alice, "TD3", "1000.00", choice="demand")
    with Session(engine) as session:  # due today
        session.execute(update(TimeDeposit).where(TimeDeposit.id == opened["id"])
                        .values(maturity_date=clock.today_cn()))
        session.commit()
    scheduler = start(engine, settings.model_copy(update={"maturity_interval_s": 3600}))
    assert scheduler is not None
    try:
        deadline = time.monotonic() + 60  # a bound on the wait, not a timing assertion
        while deposit_row(engine, opened["id"]).status != "matured" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.stop()
    assert deposit_row(engine, opened["id"]).status == "matured"
