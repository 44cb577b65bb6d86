"""`python -m backend.jobs mature [--now DATE] [--no-lease]`: run the deposit maturity job once, now.
(`python -m backend.jobs payroll ...`: a pension payroll batch, see backend/jobs/payroll_cli.py.)
`python -m backend.jobs settle [--now INSTANT] [--no-lease]`: settle every delayed-arrival transfer due by then
(an ISO instant, 2026-12-02T15:30:00+08:00, China time when no offset is given; a date means that day's end).

--now takes a China calendar date (2027-03-01) or an ISO instant (2027-03-01T09:00:00+08:00): maturities due
on or before that day are handled (a clock to catch up with, or to rehearse a day ahead on a copy of the data).
Without --no-lease it waits for nobody: if another instance holds the lease it says so and exits 3.
Prints the result as JSON.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime

from sqlalchemy import Engine

from backend.core.config import Settings, get_settings
from backend.core.db import make_engine, run_migrations
from backend.jobs import payroll_cli
from backend.scheduler import run_maturity_job, run_settlement_job
from backend.services import clock, maturity, settlement


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=clock.CHINA_TZ)
        return moment.astimezone(clock.CHINA_TZ).date()


def _instant(text: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text)
        return moment.replace(tzinfo=clock.CHINA_TZ) if moment.tzinfo is None else moment
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=clock.CHINA_TZ)


def _settle(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    now = args.now or clock.now()
    report: settlement.SettlementReport | None
    if args.no_lease:
        report = settlement.settle_due(engine, now)
    else:
        report = run_settlement_job(engine, settings, now=now)
        if report is None:
            print(json.dumps({"status": "busy", "message": "another instance is running the job"}))
            return 3
    print(json.dumps({"status": "ok", "now": now.isoformat(), "settled": report.settled, "failed": report.failed}))
    return 1 if report.failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.jobs")
    jobs = parser.add_subparsers(dest="job", required=True)
    mature = jobs.add_parser("mature", help="pay and renew (or pay out) every deposit due by --now")
    mature.add_argument("--now", type=_day, default=None, help="China date or ISO instant; default today")
    mature.add_argument("--no-lease", action="store_true",
                        help="skip the job lease (still exactly once per deposit and maturity date)")
    settle = jobs.add_parser("settle", help="settle every delayed-arrival transfer due by --now")
    settle.add_argument("--now", type=_instant, default=None, help="ISO instant (China time) or date; default now")
    settle.add_argument("--no-lease", action="store_true",
                        help="skip the job lease (still exactly once per transfer)")
    payroll_job = jobs.add_parser("payroll", help="post a pension payroll batch (代发), idempotent by batch id")
    payroll_cli.add_arguments(payroll_job)
    args = parser.parse_args(argv)

    settings = get_settings()
    run_migrations(settings.database_url)
    engine = make_engine(settings)
    try:
        if args.job == "payroll":
            return payroll_cli.run(engine, args)
        if args.job == "settle":
            return _settle(engine, settings, args)
        matured: maturity.MaturityReport | None
        if args.no_lease:
            matured = maturity.mature_due(engine, args.now)
        else:
            matured = run_maturity_job(engine, settings, today=args.now)
            if matured is None:
                print(json.dumps({"status": "busy", "message": "another instance is running the job"}))
                return 3
        print(json.dumps({"status": "ok", "today": (args.now or clock.today_cn()).isoformat(),
                          "renewed": matured.renewed, "paid_out": matured.paid_out, "failed": matured.failed}))
        return 1 if matured.failed else 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
