"""`python -m backend.jobs payroll --batch-id ID --file batch.csv` or `... payroll --monthly [--today DATE]`.

--file: a CSV of `account_number,amount` lines (amount in yuan, "3500.00"; a header line and blank lines are
skipped), the social-security payer's file. --monthly: this month's batch for every enrolled pension account
(batch id PENSION-YYYY-MM unless --batch-id is given). Posting a batch id again changes nothing (status
already_posted); the same id with other contents is refused (exit 2). Prints the result as JSON.
"""
from __future__ import annotations

import argparse
import csv
import json
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from backend.errors import AppError
from backend.services import clock, payroll
from backend.services.amounts import InvalidAmount, parse_yuan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch-id", default=None, help="the batch's id (idempotency key), e.g. SS-2026-12-01")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--file", type=Path, help="CSV: account_number,amount (yuan)")
    source.add_argument("--monthly", action="store_true", help="every enrolled pension account, its monthly amount")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="China date for --monthly")


def read_lines(path: Path) -> list[payroll.Line]:
    lines: list[payroll.Line] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle):
            if not row or not row[0].strip() or not row[0].strip().isdigit():
                continue  # blank line or the header
            try:
                lines.append(payroll.Line(row[0].strip(), parse_yuan(row[1].strip())))
            except (IndexError, InvalidAmount) as exc:
                raise SystemExit(f"bad line for account ending {row[0].strip()[-4:]}: amount") from exc
    return lines


def run(engine: Engine, args: argparse.Namespace) -> int:
    try:
        if args.monthly:
            today = args.today or clock.today_cn()
            batch_id = args.batch_id or payroll.monthly_batch_id(today)
            result = payroll.post_batch(engine, batch_id, payroll.monthly_lines(engine))
        else:
            if not args.batch_id:
                raise SystemExit("--batch-id is required with --file")
            result = payroll.post_batch(engine, args.batch_id, read_lines(args.file))
    except AppError as exc:
        print(json.dumps({"status": "refused", "code": exc.code, "message": exc.message}, ensure_ascii=False))
        return 2
    print(json.dumps(result.as_json(), ensure_ascii=False))
    return 0
