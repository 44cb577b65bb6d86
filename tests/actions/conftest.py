"""Fixtures for the action tests: a fake banking backend on a free port, and tracker builders.

The fake backend is a real HTTP server (aiohttp, in a thread) so the actions' HTTP client, timeouts and
error handling are exercised as they run in production; only the bank behind it is simulated.
Run with: .venv-rasa/bin/python -m pytest tests/actions
"""
from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "good-token-for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_state() -> dict[str, Any]:
    return {
        "accounts": [{"id": 1, "kind": "demand", "name": "活期账户", "number_masked": "6222 **** **** 1234",
                      "tail": "1234", "balance": "12000.00", "currency": "CNY"}],
        "payees": [
            {"id": 11, "name": "王小明", "relationship": "儿子", "bank": "农业银行", "account_masked": "6228 **** 2345",
             "created_at": "2025-01-01T00:00:00Z", "is_new": False},
            {"id": 12, "name": "王小红", "relationship": "女儿", "bank": "邮储银行", "account_masked": "6221 **** 3456",
             "created_at": "2025-01-01T00:00:00Z", "is_new": False},
        ],
        "products": [
            {"id": 1, "code": "DEMAND", "name": "活期", "term_months": 0, "annual_rate_percent": "0.20"},
            {"id": 2, "code": "TD3", "name": "三个月定期", "term_months": 3, "annual_rate_percent": "0.85"},
            {"id": 3, "code": "TD12", "name": "一年定期", "term_months": 12, "annual_rate_percent": "1.10"},
        ],
        "transactions": [
            {"id": 5, "created_at": "2026-11-20T08:00:00Z", "amount": "-500.00", "balance_after": "11500.00",
             "description": "转账", "counterparty": "王小明"},
        ],
        # Opened deposits (GET /deposits) and the bank's early-withdrawal preview of each, as of the day the
        # test sets (days_to_maturity is the bank's clock).
        "time_deposits": [
            {"id": 31, "product": {"id": 3, "code": "TD12", "name": "一年定期", "term_months": 12,
                                   "annual_rate_percent": "1.10"},
             "principal": "10000.00", "annual_rate_percent": "1.10", "opened_on": "2026-06-01",
             "maturity_date": "2027-06-01", "expected_interest": "110.00", "status": "active",
             "source_account_id": 1, "maturity_choice": "renew", "interest_paid": None},
        ],
        "previews": {31: {"principal": "10000.00", "interest": "9.67", "annual_rate_percent": "0.20",
                          "total": "10009.67", "days_held": 174, "expected_interest_if_held": "110.00",
                          "lost_interest": "100.33", "maturity_date": "2027-06-01", "days_to_maturity": 182}},
        "pension": {"items": [], "last": None, "this_month": False, "message": "还没有查到养老金到账的记录。"},
        "notices": [],
        # issue 12: saved biller accounts and each one's quote (GET /bill-accounts/{id}/bill)
        "bill_accounts": [
            {"id": 31, "biller": {"id": 2, "code": "POWER", "name": "电费", "kind": "bill"}, "label": "家里的电费",
             "account_no_display": "3301001236", "account_tail": "1236", "created_at": "2025-01-01T00:00:00Z"},
            {"id": 32, "biller": {"id": 1, "code": "WATER", "name": "水费", "kind": "bill"}, "label": "家里的水费",
             "account_no_display": "3302004567", "account_tail": "4567", "created_at": "2025-01-01T00:00:00Z"},
            {"id": 33, "biller": {"id": 4, "code": "MOBILE", "name": "话费", "kind": "topup"}, "label": "老伴的手机",
             "account_no_display": "139****0011", "account_tail": "0011", "created_at": "2025-01-01T00:00:00Z"},
        ],
        "bill_quotes": {
            31: {"status": "due", "amount_due": "128.60", "period": "2026-11", "due_date": "2026-12-20",
                 "unusual": False, "usual_amount": "120.00", "message": "11月的电费要交 128.60 元，12月20日前交。"},
            32: {"status": "none", "amount_due": None, "period": None, "due_date": None, "unusual": False,
                 "usual_amount": None, "message": "家里的水费现在没有要交的费用。"},
            33: {"status": "topup", "amount_due": None, "period": None, "due_date": None, "unusual": False,
                 "usual_amount": None, "message": "给老伴的手机充话费，一次可以充 10 元到 500 元。"},
        },
    }


@dataclass
class FakeBackend:
    url: str
    state: dict[str, Any] = field(default_factory=demo_state)
    # What POST /transfers answers: (HTTP status, body). None: a pending record (require_confirmation)
    # or a completed transfer, one per Idempotency-Key.
    transfer_answer: tuple[int, dict[str, Any]] | None = None
    # What POST /transfers/{id}/confirm answers. None: the pending record completes (held during a cooling-off).
    confirm_answer: tuple[int, dict[str, Any]] | None = None
    deposit_answer: tuple[int, dict[str, Any]] | None = None
    fraud_stop_answer: tuple[int, dict[str, Any]] | None = None
    expected_interest: str = "110.00"
    # issue 12: the arrival mode new transfer records carry (None: a bank without arrival modes, no field)
    arrival_mode: str | None = None
    cooling_off: bool = False
    delay_s: float = 0.0
    requests: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)
    transfers_by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    transfer_bodies: dict[str, Any] = field(default_factory=dict)
    transfers: dict[int, dict[str, Any]] = field(default_factory=dict)
    deposits_by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    deposits: dict[int, dict[str, Any]] = field(default_factory=dict)
    seen_notices: list[str] = field(default_factory=list)
    # issue 12: what POST /bill-payments and its confirm answer instead of the simulation, when set
    bill_payment_answer: tuple[int, dict[str, Any]] | None = None
    bill_confirm_answer: tuple[int, dict[str, Any]] | None = None
    bill_payments_by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    bill_payments: dict[int, dict[str, Any]] = field(default_factory=dict)
    # issue 10: pending early-withdrawal records (POST /deposits/{id}/early-withdrawal with require_confirmation)
    withdrawal_records_by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    withdrawal_records: dict[int, dict[str, Any]] = field(default_factory=dict)
    withdrawal_confirm_answer: tuple[int, dict[str, Any]] | None = None

    def reset(self) -> None:
        self.state = demo_state()
        self.transfer_answer = self.deposit_answer = self.confirm_answer = self.fraud_stop_answer = None
        self.expected_interest = "110.00"
        self.arrival_mode = None
        self.cooling_off = False
        self.delay_s = 0.0
        self.requests.clear()
        for table in (self.transfers_by_key, self.transfer_bodies, self.transfers, self.deposits_by_key, self.deposits,
                      self.seen_notices):
            table.clear()
        self.bill_payment_answer = self.bill_confirm_answer = None
        self.bill_payments_by_key.clear()
        self.bill_payments.clear()
        self.withdrawal_records_by_key.clear()
        self.withdrawal_records.clear()
        self.withdrawal_confirm_answer = None

    def time_deposit(self, deposit_id: int) -> dict[str, Any] | None:
        return next((d for d in self.state["time_deposits"] if d["id"] == deposit_id), None)

    def moved(self) -> list[dict[str, Any]]:
        """Transfers that moved money (or wait for staff to move it)."""
        return [r for r in self.transfers.values() if r["status"] in ("completed", "held")]

    def posts(self, path: str) -> list[tuple[str, str, dict[str, str], Any]]:
        return [r for r in self.requests if r[0] == "POST" and r[1] == path]


def _app(fake: FakeBackend) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else None
        fake.requests.append((request.method, request.path, dict(request.headers), body))
        if fake.delay_s:
            await asyncio.sleep(fake.delay_s)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"code": "UNAUTHORIZED", "message": "请重新登录。"}, status=401)
        path = request.path.removeprefix("/api/v1")
        if path == "/accounts":
            return web.json_response(fake.state["accounts"])
        if path.startswith("/accounts/") and path.endswith("/transactions"):
            items = fake.state["transactions"]
            return web.json_response({"items": items, "total": len(items)})
        if path == "/payees":
            return web.json_response(fake.state["payees"])
        if path == "/savings/products":
            return web.json_response(fake.state["products"])
        if path == "/transfers" and request.method == "POST":
            if fake.transfer_answer:
                status, answer = fake.transfer_answer
                return web.json_response(answer, status=status)
            key = request.headers.get("Idempotency-Key", "")
            if key in fake.transfer_bodies and fake.transfer_bodies[key] != body:
                # As the real backend: a key is one request; another body under it is refused.
                return web.json_response({"code": "IDEMPOTENCY_KEY_REUSED", "message": "这个请求已经用过了。"},
                                         status=422)
            fake.transfer_bodies[key] = body
            if key not in fake.transfers_by_key:
                payee = next(p for p in fake.state["payees"] if p["id"] == body["payee_id"])
                record = {
                    "id": len(fake.transfers_by_key) + 100,
                    "status": "pending" if body.get("require_confirmation") else "completed",
                    "amount": body["amount"], "from_account_id": body["from_account_id"], "payee": payee,
                    "hold_reason": None, "created_at": "2026-11-27T10:00:00Z",
                    "expires_at": "2026-11-27T10:10:00Z"}
                if fake.arrival_mode:
                    record.update(arrival_mode=fake.arrival_mode, arrives_at=None if fake.arrival_mode == "realtime"
                                  else "2026-11-28T10:00:00Z")
                fake.transfers_by_key[key] = record
                fake.transfers[record["id"]] = record
            return web.json_response(fake.transfers_by_key[key], status=201)
        if path.startswith("/transfers/") and request.method == "GET":
            record = fake.transfers.get(int(path.split("/")[2]))
            if record is None:
                return web.json_response({"code": "NOT_FOUND", "message": "没有找到。"}, status=404)
            return web.json_response(record)
        if path.startswith("/transfers/") and request.method == "POST":
            _, _, number, verb = path.split("/")
            record = fake.transfers.get(int(number))
            if record is None:
                return web.json_response({"code": "NOT_FOUND", "message": "没有找到。"}, status=404)
            if verb == "confirm":
                if fake.confirm_answer:
                    status, answer = fake.confirm_answer
                    return web.json_response(answer, status=status)
                if record["status"] != "pending":
                    return web.json_response({"code": "INVALID_STATE", "message": "只有等待确认的转账才能确认。"},
                                             status=409)
                delayed = record.get("arrival_mode") in ("normal", "next_day")
                record["status"] = "held" if fake.cooling_off else "scheduled" if delayed else "completed"
                record["hold_reason"] = "SCAM_RISK" if fake.cooling_off else None
            elif verb == "cancel" and record["status"] in ("pending", "held"):
                record["status"] = "cancelled"
            return web.json_response(record)
        if path == "/fraud/stops" and request.method == "POST":
            if fake.fraud_stop_answer:
                status, answer = fake.fraud_stop_answer
                return web.json_response(answer, status=status)
            fake.cooling_off = True
            cancelled_t = [i for i, r in fake.transfers.items() if r["status"] == "pending"]
            cancelled_d = [i for i, r in fake.deposits.items() if r["status"] == "pending"]
            cancelled_w = [i for i, r in fake.withdrawal_records.items() if r["status"] == "pending"]
            # As the bank does: a stop takes back transfers still on their way (delayed arrival).
            revoked_t = [i for i, r in fake.transfers.items() if r["status"] == "scheduled"]
            for i in revoked_t:
                fake.transfers[i]["status"] = "revoked"
            for i in cancelled_w:
                fake.withdrawal_records[i]["status"] = "cancelled"
            for i in cancelled_t:
                fake.transfers[i]["status"] = "cancelled"
            for i in cancelled_d:
                fake.deposits[i]["status"] = "cancelled"
            return web.json_response({"cooling_off_until": "2026-11-28T10:00:00Z",
                                      "cancelled_transfer_ids": cancelled_t,
                                      "cancelled_deposit_ids": cancelled_d,
                                      "cancelled_withdrawal_ids": cancelled_w,
                                      "revoked_transfer_ids": revoked_t}, status=201)
        if path == "/deposits" and request.method == "POST":
            if fake.deposit_answer:
                status, answer = fake.deposit_answer
                return web.json_response(answer, status=status)
            key = request.headers.get("Idempotency-Key", "")
            if key not in fake.deposits_by_key:
                product = next(p for p in fake.state["products"] if p["id"] == body["product_id"])
                record = {
                    "id": len(fake.deposits_by_key) + 7, "product": product, "principal": body["amount"],
                    "annual_rate_percent": product["annual_rate_percent"], "opened_on": "2026-11-27",
                    "maturity_date": "2027-11-27", "expected_interest": fake.expected_interest,
                    "status": "pending" if body.get("require_confirmation") else "active",
                    "source_account_id": body["from_account_id"], "expires_at": "2026-11-27T10:10:00Z",
                    "maturity_choice": body.get("maturity_choice", "renew")}
                fake.deposits_by_key[key] = record
                fake.deposits[record["id"]] = record
            return web.json_response(fake.deposits_by_key[key], status=201)
        if path == "/deposits" and request.method == "GET":
            return web.json_response(fake.state["time_deposits"])
        if path == "/pension/credits":
            return web.json_response(fake.state["pension"])
        if path == "/notices":
            return web.json_response([n for n in fake.state["notices"] if n["id"] not in fake.seen_notices])
        if path.startswith("/notices/") and path.endswith("/seen"):
            fake.seen_notices.append(path.split("/")[2])
            return web.json_response({"id": path.split("/")[2], "seen": True})
        if path.startswith("/deposits/") and path.count("/") == 2 and request.method in ("GET", "PATCH"):
            record = fake.time_deposit(int(path.split("/")[2])) or fake.deposits.get(int(path.split("/")[2]))
            if record is None:
                return web.json_response({"code": "NOT_FOUND", "message": "没有找到。"}, status=404)
            if request.method == "PATCH":
                if record["status"] not in ("active", "pending"):
                    return web.json_response({"code": "INVALID_STATE", "message": "这笔定期已经到期或取出了，不能再改。"},
                                             status=409)
                record["maturity_choice"] = body["maturity_choice"]
            return web.json_response(record)
        if path.startswith("/deposits/") and path.endswith("/early-withdrawal"):
            number = int(path.split("/")[2])
            record = fake.time_deposit(number)
            if record is None:
                return web.json_response({"code": "NOT_FOUND", "message": "没有找到。"}, status=404)
            key = request.headers.get("Idempotency-Key", "")
            pending = request.method == "POST" and isinstance(body, dict) and body.get("require_confirmation")
            if request.method == "POST" and not pending:
                # The dialogue's one path is the pending record: a direct withdrawal here is a bug in the test.
                return web.json_response({"code": "NOT_ALLOWED", "message": "要先确认。"}, status=422)
            if pending and key in fake.withdrawal_records_by_key:
                return web.json_response(fake.withdrawal_records_by_key[key], status=201)  # a replay
            if record["status"] != "active":
                return web.json_response({"code": "INVALID_STATE", "message": "这张存单已经取出了。"}, status=409)
            amount = body.get("amount") if pending else request.query.get("amount")
            status, preview = _withdrawal_quote(fake, number, record, amount)
            if request.method == "GET" or status != 200:
                return web.json_response(preview, status=status)
            # As the bank: a pending record with the quote's figures; nothing moves until it is confirmed.
            pending_record = {
                "id": len(fake.withdrawal_records_by_key) + 600, "deposit_id": number, "status": "pending",
                **{k: preview[k] for k in ("principal", "interest", "annual_rate_percent", "total", "lost_interest",
                                           "days_held", "maturity_date", "partial", "amount", "remaining_principal",
                                           "remaining_maturity_date", "remaining_expected_interest")},
                "to_account_id": record["source_account_id"],
                "created_at": "2026-11-27T10:00:00Z", "expires_at": "2026-11-27T10:10:00Z",
                "executed_at": None, "message": ""}
            fake.withdrawal_records_by_key[key] = pending_record
            fake.withdrawal_records[pending_record["id"]] = pending_record
            return web.json_response(pending_record, status=201)
        if path.startswith("/withdrawals/"):
            parts = path.split("/")
            withdrawal = fake.withdrawal_records.get(int(parts[2]))
            if withdrawal is None:
                return web.json_response({"code": "NOT_FOUND", "message": "没有找到这条提前支取。"}, status=404)
            verb = parts[3] if len(parts) > 3 else ""
            if request.method == "POST" and verb == "confirm":
                if fake.withdrawal_confirm_answer:
                    status, answer = fake.withdrawal_confirm_answer
                    return web.json_response(answer, status=status)
                if withdrawal["status"] != "pending":
                    return web.json_response({"code": "INVALID_STATE", "message": "只有等待确认的提前支取才能确认。"},
                                             status=409)
                deposit = fake.time_deposit(withdrawal["deposit_id"])
                if deposit is None or deposit["status"] != "active":
                    return web.json_response({"code": "INVALID_STATE", "message": "这张存单已经取出了。"}, status=409)
                if withdrawal["partial"]:
                    # A part: the deposit stays, with the rest, its rate and its maturity date.
                    deposit.update(principal=withdrawal["remaining_principal"], partial_withdrawn=withdrawal["principal"],
                                   expected_interest=withdrawal["remaining_expected_interest"])
                else:
                    deposit.update(status="withdrawn_early", interest_paid=withdrawal["interest"],
                                   closed_on="2026-11-22")
                withdrawal.update(status="completed", executed_at="2026-11-27T10:01:00Z")
            elif request.method == "POST" and verb == "cancel":
                if withdrawal["status"] != "pending":
                    return web.json_response({"code": "INVALID_STATE", "message": "这笔提前支取已经办完或已取消。"},
                                             status=409)
                withdrawal["status"] = "cancelled"
            return web.json_response(withdrawal)
        if path.startswith("/deposits/") and request.method == "POST":
            _, _, number, verb = path.split("/")
            record = fake.deposits.get(int(number))
            if record is None:
                return web.json_response({"code": "NOT_FOUND", "message": "没有找到。"}, status=404)
            if verb == "confirm":
                if record["status"] != "pending":
                    return web.json_response({"code": "INVALID_STATE", "message": "只有等待确认的转账才能确认。"},
                                             status=409)
                record["status"] = "active"
            elif verb == "cancel" and record["status"] == "pending":
                record["status"] = "cancelled"
            return web.json_response(record)
        answer = _bills(fake, request.method, path, request.headers.get("Idempotency-Key", ""), body)
        if answer is not None:
            return web.json_response(answer[1], status=answer[0])
        return web.json_response({"code": "NOT_FOUND", "message": "没有找到。"}, status=404)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


# The product minimum that must stay in a deposit after a partial withdrawal (the bank's setting).
MIN_REMAINDER = Decimal("50.00")


def _withdrawal_quote(fake: FakeBackend, number: int, deposit: dict[str, Any],
                      amount: str | None) -> tuple[int, dict[str, Any]]:
    """The bank's early-withdrawal figures: the test's preview for all of it; for a part, that preview's
    figures in proportion (the fake's own arithmetic, standing for the bank's), or the bank's refusal."""
    preview = {**fake.state["previews"][number], "partial": False, "amount": fake.state["previews"][number]["principal"],
               "remaining_principal": None, "remaining_maturity_date": None, "remaining_expected_interest": None}
    if amount is None:
        return 200, preview
    principal, taken = Decimal(deposit["principal"]), Decimal(amount)
    if taken >= principal:
        return 422, {"code": "AMOUNT_NOT_LESS_THAN_PRINCIPAL",
                     "message": f"这张存单一共 {principal} 元，这已经是整张存单的钱了，请选择全部提前支取。"}
    if deposit.get("partial_withdrawn"):
        return 422, {"code": "PARTIAL_ALREADY_USED",
                     "message": "这张存单已经部分提前支取过一次了，不能再部分支取；可以把剩下的全部取出。"}
    if principal - taken < MIN_REMAINDER:
        return 422, {"code": "REMAINDER_TOO_SMALL",
                     "message": f"取了之后存单只剩 {principal - taken} 元，低于起存金额 {MIN_REMAINDER} 元。"}

    def share(value: str) -> Decimal:
        return (Decimal(value) * taken / principal).quantize(Decimal("0.01"))

    interest, held = share(preview["interest"]), share(preview["expected_interest_if_held"])
    return 200, {**preview, "principal": f"{taken:.2f}", "amount": f"{taken:.2f}", "interest": f"{interest}",
                 "total": f"{taken + interest:.2f}", "expected_interest_if_held": f"{held}",
                 "lost_interest": f"{held - interest}", "partial": True, "remaining_principal": f"{principal - taken:.2f}",
                 "remaining_maturity_date": deposit["maturity_date"],
                 "remaining_expected_interest": f"{Decimal(deposit['expected_interest']) - held}"}


def _bills(fake: FakeBackend, method: str, path: str, key: str, body: Any) -> tuple[int, Any] | None:
    """Issue 12's bill routes, simulated; None for any other path."""
    not_found = (404, {"code": "NOT_FOUND", "message": "没有找到。"})
    saved = {a["id"]: a for a in fake.state["bill_accounts"]}
    parts = path.strip("/").split("/")
    if path == "/bill-accounts" and method == "GET":
        return 200, fake.state["bill_accounts"]
    if path == "/billers" and method == "GET":
        return 200, [{"id": 1, "code": "WATER", "name": "水费", "kind": "bill"},
                     {"id": 2, "code": "POWER", "name": "电费", "kind": "bill"},
                     {"id": 3, "code": "GAS", "name": "燃气费", "kind": "bill"},
                     {"id": 4, "code": "MOBILE", "name": "话费", "kind": "topup"}]
    if path == "/bill-accounts" and method == "POST":
        # The simulated billers know 户号 ending in 9 (the real check is a Luhn digit) and every mobile number.
        number = body["account_no"]
        if len(number) == 10 and not number.endswith("9"):
            return 422, {"code": "UNKNOWN_BILL_ACCOUNT", "message": "这个户号没有查到，请对一下缴费单上的户号。"}
        if any(a["account_no_display"] == number for a in fake.state["bill_accounts"]):
            return 409, {"code": "BILL_ACCOUNT_EXISTS", "message": "这个户号已经保存过了。"}
        biller = {1: ("WATER", "水费", "bill"), 2: ("POWER", "电费", "bill"), 3: ("GAS", "燃气费", "bill"),
                  4: ("MOBILE", "话费", "topup")}[body["biller_id"]]
        account = {"id": 40 + len(fake.state["bill_accounts"]),
                   "biller": {"id": body["biller_id"], "code": biller[0], "name": biller[1], "kind": biller[2]},
                   "label": body["label"], "account_no_display": number, "account_tail": number[-4:],
                   "created_at": "2026-12-01T10:00:00Z"}
        fake.state["bill_accounts"].append(account)
        fake.state["bill_quotes"][account["id"]] = {
            "status": "due" if biller[2] == "bill" else "topup", "amount_due": "56.00" if biller[2] == "bill" else None,
            "period": "2026-11", "due_date": "2026-12-20", "unusual": False, "usual_amount": None, "message": ""}
        return 201, account
    if len(parts) == 3 and parts[0] == "bill-accounts" and parts[2] == "bill" and method == "GET":
        number = int(parts[1])
        if number not in saved:
            return not_found
        return 200, {"bill_account": saved[number], **fake.state["bill_quotes"][number]}
    if path == "/bill-payments" and method == "POST":
        if fake.bill_payment_answer:
            return fake.bill_payment_answer
        account = saved.get(body["bill_account_id"])
        if account is None:
            return not_found
        quote = fake.state["bill_quotes"][account["id"]]
        if quote["status"] == "paid":
            return 409, {"code": "BILL_ALREADY_PAID", "message": "这个月的电费已经交过了，不用再交。"}
        if quote["status"] == "none":
            return 409, {"code": "NO_BILL_DUE", "message": "现在没有要交的费用。"}
        if key not in fake.bill_payments_by_key:
            record = {"id": len(fake.bill_payments_by_key) + 500, "status": "pending",
                      "amount": body.get("amount") or quote["amount_due"], "bill_account": account,
                      "from_account_id": body["from_account_id"], "period": quote["period"],
                      "due_date": quote["due_date"], "unusual": quote["unusual"], "usual_amount": quote["usual_amount"],
                      "receipt_no": None, "created_at": "2026-12-01T10:00:00Z", "expires_at": "2026-12-01T10:10:00Z",
                      "executed_at": None, "message": "还没有交。"}
            fake.bill_payments_by_key[key] = record
            fake.bill_payments[record["id"]] = record
        return 201, fake.bill_payments_by_key[key]
    if len(parts) >= 2 and parts[0] == "bill-payments" and parts[1].isdigit():
        record = fake.bill_payments.get(int(parts[1]))
        if record is None:
            return not_found
        if len(parts) == 2 and method == "GET":
            return 200, record
        if parts[2:] == ["confirm"]:
            if fake.bill_confirm_answer:
                return fake.bill_confirm_answer
            if record["status"] != "pending":
                return 409, {"code": "INVALID_STATE", "message": "这笔已经不能确认了。"}
            record.update(status="completed", receipt_no=f"JF20261201{record['id']:08d}",
                          executed_at="2026-12-01T10:01:00Z", message="交好了。")
            if record["bill_account"]["biller"]["kind"] == "bill":
                fake.state["bill_quotes"][record["bill_account"]["id"]]["status"] = "paid"
            return 200, record
        if parts[2:] == ["cancel"]:
            if record["status"] == "pending":
                record["status"] = "cancelled"
            return 200, record
    return None


@pytest.fixture(scope="session")
def _fake_backend_server() -> Iterator[FakeBackend]:
    port = free_port()
    fake = FakeBackend(url=f"http://127.0.0.1:{port}")
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(_app(fake))
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(10), "fake backend did not start"
    yield fake
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture
def backend(_fake_backend_server: FakeBackend, monkeypatch: pytest.MonkeyPatch) -> FakeBackend:
    _fake_backend_server.reset()
    monkeypatch.setenv("ANXIN_BACKEND_URL", _fake_backend_server.url)
    return _fake_backend_server


@pytest.fixture
def backend_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listens on the backend's port."""
    monkeypatch.setenv("ANXIN_BACKEND_URL", f"http://127.0.0.1:{free_port()}")


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "assistant" / "domain.yml").read_text(encoding="utf-8"))


def make_tracker(text: str = "", intent: str = "inform", entities: list[dict[str, Any]] | None = None,
                 slots: dict[str, Any] | None = None, token: str | None = TOKEN, active_loop: str | None = None,
                 events: list[dict[str, Any]] | None = None, sender_id: str = "conversation-1",
                 channel: str = "web") -> Tracker:
    metadata = {"channel": channel, **({"token": token} if token else {})}
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or [],
              "metadata": metadata}
    user_event = {"event": "user", "text": text, "parse_data": latest, "metadata": metadata}
    return Tracker(
        sender_id=sender_id, slots={"speech_rate": 1.0, **(slots or {})}, latest_message=latest,
        events=[*(events or []), user_event], paused=False, followup_action=None,
        active_loop={"name": active_loop} if active_loop else {}, latest_action_name="action_listen",
    )


def entity(name: str, value: str) -> dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": 1}


def run(action: Any, tracker: Tracker, domain: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Runs an action; returns (its events, the messages it sent)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return events, dispatcher.messages


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)
