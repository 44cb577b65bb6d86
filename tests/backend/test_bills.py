"""Bill payment (issue 12): billers, saved 户号, quotes, paying once only, pending records, top-ups."""
from __future__ import annotations

import secrets
import threading

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from backend.core.config import Settings
from backend.core.db import write_session
from backend.errors import AppError
from backend.models import Account, Bill, BillPayment, Customer
from backend.services import billers, bills, clock
from tests.backend.factories import CustomerFixture, create_customer
from tests.backend.helpers import MovingClock, audit_actions, balance_fen, entries_sum_fen


def new_household() -> str:
    return billers.with_check_digit(f"{secrets.randbelow(10**9):09d}")


def biller_id(client: TestClient, who: CustomerFixture, code: str) -> int:
    return next(b["id"] for b in client.get("/billers", headers=who.headers).json() if b["code"] == code)


def save(client: TestClient, who: CustomerFixture, code: str, account_no: str, label: str) -> dict:
    response = client.post("/bill-accounts", json={"biller_id": biller_id(client, who, code), "account_no": account_no,
                                                   "label": label}, headers=who.headers)
    assert response.status_code == 201, response.text
    return response.json()


def pay(client: TestClient, who: CustomerFixture, bill_account_id: int, key: str | None = None, **extra: object):
    body = {"bill_account_id": bill_account_id, "from_account_id": who.accounts["demand"]} | extra
    return client.post("/bill-payments", json=body, headers=who.idem(key))


def settlement_id(engine: Engine, code: str) -> int:
    with Session(engine) as session:
        return session.exec(select(Account.id).where(Account.number == f"INTERNAL-BILLER-{code}")).one()


def test_billers_and_saved_accounts(client: TestClient, alice: CustomerFixture, bob: CustomerFixture):
    assert [(b["code"], b["name"], b["kind"]) for b in client.get("/billers", headers=alice.headers).json()] == [
        ("WATER", "水费", "bill"), ("POWER", "电费", "bill"), ("GAS", "燃气费", "bill"), ("MOBILE", "话费", "topup")]
    number = new_household()
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)  # one digit mistyped: the check digit fails
    refused = client.post("/bill-accounts", json={"biller_id": biller_id(client, alice, "POWER"), "account_no": wrong,
                                                  "label": "家里的电费"}, headers=alice.headers)
    assert refused.status_code == 422 and refused.json()["code"] == "UNKNOWN_BILL_ACCOUNT"
    assert "户号没有查到" in refused.json()["message"]
    saved = save(client, alice, "POWER", f"{number[:4]} {number[4:]}", "家里的电费")
    assert (saved["label"], saved["account_no_display"], saved["biller"]["code"]) == ("家里的电费", number, "POWER")
    again = client.post("/bill-accounts", json={"biller_id": saved["biller"]["id"], "account_no": number,
                                                "label": "又一个"}, headers=alice.headers)
    assert again.status_code == 409 and again.json()["code"] == "BILL_ACCOUNT_EXISTS"
    phone = save(client, alice, "MOBILE", "13900000011", "老伴的手机")
    assert phone["account_no_display"] == "139****0011"
    bad_phone = client.post("/bill-accounts", json={"biller_id": phone["biller"]["id"], "account_no": "1390000001",
                                                    "label": "x"}, headers=alice.headers)
    assert bad_phone.json()["code"] == "UNKNOWN_BILL_ACCOUNT"
    assert [a["label"] for a in client.get("/bill-accounts", headers=alice.headers).json()] == ["家里的电费", "老伴的手机"]
    assert client.get("/bill-accounts", headers=bob.headers).json() == []
    # Another customer's saved account looks like a missing one.
    for path in (f"/bill-accounts/{saved['id']}/bill",):
        assert client.get(path, headers=bob.headers).json()["code"] == "NOT_FOUND"
    assert pay(client, bob, saved["id"]).json()["code"] == "NOT_FOUND"


def test_a_bill_is_quoted_paid_once_and_audited(client: TestClient, engine: Engine, alice: CustomerFixture):
    account = save(client, alice, "WATER", new_household(), "家里的水费")
    quote = client.get(f"/bill-accounts/{account['id']}/bill", headers=alice.headers).json()
    assert quote["status"] == "due" and quote["unusual"] is False
    due_fen = int(quote["amount_due"].replace(".", ""))
    assert 20_00 <= due_fen <= 60_00 and quote["period"] and quote["due_date"].endswith("-20")
    assert quote["amount_due"] in quote["message"]
    settlement_before = balance_fen(engine, settlement_id(engine, "WATER"))
    before = balance_fen(engine, alice.accounts["demand"])

    key = secrets.token_hex(8)
    first = pay(client, alice, account["id"], key)
    assert first.status_code == 201, first.text
    paid = first.json()
    assert paid["status"] == "completed" and paid["amount"] == quote["amount_due"] and paid["receipt_no"]
    assert paid["period"] == quote["period"]
    replay = pay(client, alice, account["id"], key)
    assert replay.json() == paid and replay.headers.get("Idempotent-Replayed") == "true"
    twice = pay(client, alice, account["id"])
    assert twice.status_code == 409 and twice.json()["code"] == "BILL_ALREADY_PAID"

    assert balance_fen(engine, alice.accounts["demand"]) == before - due_fen
    assert balance_fen(engine, settlement_id(engine, "WATER")) == settlement_before + due_fen
    assert entries_sum_fen(engine, alice.accounts["demand"]) == before - due_fen
    assert audit_actions(engine, "customer", alice.id).count("bill_payment.completed") == 1
    assert client.get(f"/bill-accounts/{account['id']}/bill", headers=alice.headers).json()["status"] == "paid"
    receipt = client.get(f"/bill-payments/{paid['id']}", headers=alice.headers).json()
    assert receipt == paid
    assert client.get("/transfers", headers=alice.headers).json() == []  # a bill payment is no transfer


def test_pending_payment_confirm_cancel_and_expiry(client: TestClient, engine: Engine, alice: CustomerFixture,
                                                   moving_clock: MovingClock):
    account = save(client, alice, "GAS", new_household(), "燃气")
    before = balance_fen(engine, alice.accounts["demand"])
    pending = pay(client, alice, account["id"], require_confirmation=True).json()
    assert pending["status"] == "pending" and pending["expires_at"] and pending["receipt_no"] is None
    assert "还没有交" in pending["message"] and balance_fen(engine, alice.accounts["demand"]) == before
    cancelled = client.post(f"/bill-payments/{pending['id']}/cancel", headers=alice.headers).json()
    assert cancelled["status"] == "cancelled"
    again = client.post(f"/bill-payments/{pending['id']}/confirm", headers=alice.headers)
    assert again.status_code == 409 and again.json()["code"] == "INVALID_STATE"

    late = pay(client, alice, account["id"], require_confirmation=True).json()
    moving_clock.advance(minutes=11)
    expired = client.post(f"/bill-payments/{late['id']}/confirm", headers=alice.headers)
    assert expired.status_code == 409 and expired.json()["code"] == "EXPIRED"
    assert client.get(f"/bill-payments/{late['id']}", headers=alice.headers).json()["status"] == "expired"

    one = pay(client, alice, account["id"], require_confirmation=True).json()
    two = pay(client, alice, account["id"], require_confirmation=True).json()
    done = client.post(f"/bill-payments/{one['id']}/confirm", headers=alice.headers)
    assert done.status_code == 200 and done.json()["status"] == "completed" and done.json()["receipt_no"]
    refused = client.post(f"/bill-payments/{two['id']}/confirm", headers=alice.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "BILL_ALREADY_PAID"
    assert balance_fen(engine, alice.accounts["demand"]) == before - int(one["amount"].replace(".", ""))


def test_a_wrong_amount_or_too_little_money_pays_nothing(client: TestClient, engine: Engine, settings: Settings):
    poor = create_customer(engine, settings, "钱少", {"demand": 5_00, "time": 10_000_00}, {})
    account = save(client, poor, "POWER", new_household(), "电费")
    quote = client.get(f"/bill-accounts/{account['id']}/bill", headers=poor.headers).json()
    short = pay(client, poor, account["id"])
    assert short.status_code == 422 and short.json()["code"] == "INSUFFICIENT_FUNDS"
    wrong = pay(client, poor, account["id"], amount="1.00")
    assert wrong.status_code == 422 and wrong.json()["code"] == "BILL_AMOUNT_MISMATCH"
    assert quote["amount_due"] in wrong.json()["message"]
    from_time = client.post("/bill-payments", json={"bill_account_id": account["id"],
                                                    "from_account_id": poor.accounts["time"]}, headers=poor.idem())
    assert from_time.json()["code"] == "ACCOUNT_NOT_ALLOWED"
    assert client.get(f"/bill-accounts/{account['id']}/bill", headers=poor.headers).json()["status"] == "due"
    assert balance_fen(engine, poor.accounts["demand"]) == 5_00


def test_an_unusually_large_bill_is_flagged_with_the_usual_amount(client: TestClient, alice: CustomerFixture):
    number = new_household()
    billers.DIRECTORY.simulated("POWER").add_household(number, [912_40, 90_00, 95_50, 88_00, 91_00, 93_20, 89_90])
    account = save(client, alice, "POWER", number, "电费")
    quote = client.get(f"/bill-accounts/{account['id']}/bill", headers=alice.headers).json()
    assert (quote["amount_due"], quote["unusual"], quote["usual_amount"]) == ("912.40", True, "90.00")
    assert "比平常多" in quote["message"] and "90.00" in quote["message"]
    pending = pay(client, alice, account["id"], require_confirmation=True).json()
    assert (pending["unusual"], pending["usual_amount"]) == (True, "90.00")

    normal = new_household()
    billers.DIRECTORY.simulated("POWER").add_household(normal, [99_00, 90_00, 95_50])
    ordinary = save(client, alice, "POWER", normal, "老房子电费")
    assert client.get(f"/bill-accounts/{ordinary['id']}/bill", headers=alice.headers).json()["unusual"] is False
    nothing = new_household()
    billers.DIRECTORY.simulated("WATER").add_household(nothing, [])
    none_due = save(client, alice, "WATER", nothing, "空房子水费")
    assert client.get(f"/bill-accounts/{none_due['id']}/bill", headers=alice.headers).json()["status"] == "none"
    refused = pay(client, alice, none_due["id"])
    assert refused.status_code == 409 and refused.json()["code"] == "NO_BILL_DUE"


def test_mobile_top_up(client: TestClient, engine: Engine, alice: CustomerFixture):
    account = save(client, alice, "MOBILE", "13900000011", "老伴的手机")
    quote = client.get(f"/bill-accounts/{account['id']}/bill", headers=alice.headers).json()
    assert quote["status"] == "topup" and quote["amount_due"] is None
    for amount in (None, "5.00", "600.00"):
        extra = {} if amount is None else {"amount": amount}
        refused = pay(client, alice, account["id"], **extra)
        assert refused.status_code == 422 and refused.json()["code"] == "TOPUP_AMOUNT", amount
    before = balance_fen(engine, alice.accounts["demand"])
    for _ in range(3):
        done = pay(client, alice, account["id"], amount="50")
        assert done.status_code == 201 and done.json()["status"] == "completed" and done.json()["unusual"] is False
    assert "老伴的手机的话费" in done.json()["message"]
    big = pay(client, alice, account["id"], amount="500.00", require_confirmation=True).json()
    assert (big["unusual"], big["usual_amount"]) == (True, "50.00")
    assert balance_fen(engine, alice.accounts["demand"]) == before - 150_00
    # Under a fraud cooling-off a top-up (a known scam ask) is refused; the stop cancelled the pending one, so it
    # cannot be confirmed either.
    stop = client.post("/fraud/stops", json={"family": "fee", "channel": "web", "text": "充值"}, headers=alice.headers)
    assert stop.status_code == 201 and stop.json()["cancelled_bill_payment_ids"] == [big["id"]]
    held = pay(client, alice, account["id"], amount="20")
    assert held.status_code == 422 and held.json()["code"] == "TOPUP_ON_HOLD"
    late = client.post(f"/bill-payments/{big['id']}/confirm", headers=alice.headers)
    assert (late.status_code, late.json()["code"]) == (409, "INVALID_STATE")
    assert balance_fen(engine, alice.accounts["demand"]) == before - 150_00


def test_two_members_of_a_household_paying_the_same_bill_at_once_pay_it_once(engine: Engine, settings: Settings):
    number = new_household()
    payers = [create_customer(engine, settings, f"家人{i}", {"demand": 1_000_00}, {}) for i in range(4)]
    account_ids = []
    with write_session(engine) as session:
        power = next(b for b in bills.biller_rows(session) if b.code == "POWER")
        for who in payers:
            account_ids.append(bills.save_account(session, who.id, power.id, number, "电费").id)  # type: ignore[arg-type]
        session.commit()
    barrier = threading.Barrier(len(payers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(who: CustomerFixture, bill_account_id: int) -> None:
        barrier.wait()
        with write_session(engine) as session:
            try:
                bills.create_payment(session, settings, who.id, bill_account_id, who.accounts["demand"], None)
                session.commit()
                outcome = "paid"
            except AppError as exc:
                session.rollback()
                outcome = exc.code
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(payers, account_ids, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["BILL_ALREADY_PAID"] * 3 + ["paid"]
    with Session(engine) as session:
        rows = session.exec(select(Bill).where(Bill.account_no == number)).all()
        assert len(rows) == 1 and rows[0].status == "paid"
        completed = session.exec(select(BillPayment).where(BillPayment.bill_id == rows[0].id,
                                                           BillPayment.status == "completed")).all()
        assert len(completed) == 1
        assert completed[0].amount_fen == rows[0].amount_fen
    spent = sum(1_000_00 - balance_fen(engine, who.accounts["demand"]) for who in payers)
    assert spent == rows[0].amount_fen


def test_the_quote_is_read_only_and_uses_the_china_month(client: TestClient, alice: CustomerFixture,
                                                         engine: Engine):
    account = save(client, alice, "POWER", new_household(), "电费")
    quote = client.get(f"/bill-accounts/{account['id']}/bill", headers=alice.headers).json()
    today = clock.today_cn()
    last_month = (today.year * 12 + today.month - 2)
    assert quote["period"] == f"{last_month // 12:04d}-{last_month % 12 + 1:02d}"
    with Session(engine) as session:  # nothing stored until a payment is made
        assert session.exec(select(Bill).where(Bill.account_no == account["account_no_display"])).first() is None
        assert session.get(Customer, alice.id) is not None


def test_other_customers_ids_look_like_missing_ones(client: TestClient, engine: Engine, alice: CustomerFixture,
                                                    bob: CustomerFixture):
    account = save(client, bob, "POWER", new_household(), "电费")
    pending = pay(client, bob, account["id"], require_confirmation=True).json()
    mine = save(client, alice, "POWER", new_household(), "电费")
    before = balance_fen(engine, bob.accounts["demand"])
    requests = [
        ("GET", "/bill-accounts/{}/bill", "account", None),
        ("GET", "/bill-payments/{}", "payment", None),
        ("POST", "/bill-payments/{}/confirm", "payment", None),
        ("POST", "/bill-payments/{}/cancel", "payment", None),
        ("POST", "/bill-payments", "account", lambda ident: {"bill_account_id": ident,
                                                             "from_account_id": alice.accounts["demand"]}),
        ("POST", "/bill-payments", "source", lambda ident: {"bill_account_id": mine["id"], "from_account_id": ident}),
    ]
    ids = {"account": account["id"], "payment": pending["id"], "source": bob.accounts["demand"]}
    for method, template, kind, body in requests:
        answers = []
        for ident in (ids[kind], 2_000_000_000):
            response = client.request(method, template.format(ident), json=body(ident) if body else None,
                                      headers=alice.idem())
            assert response.status_code == 404, (template, response.text)
            answers.append(response.json())
        assert answers[0] == answers[1], template
    assert client.get(f"/bill-payments/{pending['id']}", headers=bob.headers).json()["status"] == "pending"
    assert balance_fen(engine, bob.accounts["demand"]) == before


def test_recent_payments_newest_first(client: TestClient, alice: CustomerFixture, bob: CustomerFixture):
    account = save(client, alice, "MOBILE", "13900000012", "我的手机")
    first = pay(client, alice, account["id"], amount="30").json()
    second = pay(client, alice, account["id"], amount="20", require_confirmation=True).json()
    listed = client.get("/bill-payments", headers=alice.headers).json()
    assert [p["id"] for p in listed] == [second["id"], first["id"]]
    assert [p["id"] for p in client.get("/bill-payments?limit=1", headers=alice.headers).json()] == [second["id"]]
    assert client.get("/bill-payments", headers=bob.headers).json() == []
