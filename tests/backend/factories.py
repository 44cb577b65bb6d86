"""Test data written straight into the database through the backend's own ledger (no HTTP, no argon2 login),
so each test gets fresh customers of its own and tests never depend on one another's data."""
from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from backend.core.config import Settings
from backend.core.db import write_session
from backend.core.security import hash_secret, issue_token, make_hasher
from backend.models import Account, Customer, Payee, StaffUser
from backend.services import clock, ledger

_counter = itertools.count(1)


def unique_phone() -> str:
    # 139 + 8 digits: a random block plus a counter, unique across parallel test sessions sharing nothing.
    return f"139{secrets.randbelow(10_000):04d}{next(_counter) % 10_000:04d}"


@dataclass
class CustomerFixture:
    id: int
    name: str
    phone: str
    pin: str
    token: str
    accounts: dict[str, int] = field(default_factory=dict)  # kind -> account id
    account_numbers: dict[str, str] = field(default_factory=dict)
    payees: dict[str, int] = field(default_factory=dict)  # name -> payee id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def idem(self, key: str | None = None) -> dict[str, str]:
        return self.headers | {"Idempotency-Key": key or secrets.token_hex(8)}


def create_customer(
    engine: Engine,
    settings: Settings,
    name: str = "测试客户",
    accounts: dict[str, int] | None = None,
    payees: dict[str, int] | None = None,
    pin: str = "135790",
) -> CustomerFixture:
    """accounts: kind -> opening balance in fen; payees: name -> age in days (0 = added just now)."""
    accounts = {"demand": 10_000_00} if accounts is None else accounts
    payees = {"王小明": 365} if payees is None else payees
    hasher = make_hasher(settings)
    phone = unique_phone()
    with write_session(engine) as session:
        customer = Customer(name=name, phone=phone, pin_hash=hash_secret(hasher, pin))
        session.add(customer)
        session.flush()
        out = CustomerFixture(id=customer.id, name=name, phone=phone, pin=pin, token="")  # type: ignore[arg-type]
        opening = ledger.internal_account_id(session, ledger.OPENING)
        for kind, balance_fen in accounts.items():
            account = Account(customer_id=customer.id, kind=kind, name=f"{kind}账户", number=ledger.new_account_number())
            session.add(account)
            session.flush()
            if balance_fen:
                ledger.post(session, "seed", f"test:{account.id}", [
                    ledger.Leg(opening, -balance_fen, "开户存入", internal=True),
                    ledger.Leg(account.id, balance_fen, "开户存入", "柜台"),  # type: ignore[arg-type]
                ])
            out.accounts[kind] = account.id  # type: ignore[assignment]
            out.account_numbers[kind] = account.number
        for payee_name, age_days in payees.items():
            payee = Payee(customer_id=customer.id, name=payee_name, relationship="儿子", bank="农业银行",  # type: ignore[arg-type]
                          account_number="6228" + "".join(secrets.choice("0123456789") for _ in range(15)),
                          created_at=clock.now() - timedelta(days=age_days))
            session.add(payee)
            session.flush()
            out.payees[payee_name] = payee.id  # type: ignore[assignment]
        session.commit()
    out.token = issue_token(settings, "customer", out.id)[0]
    return out


@dataclass
class StaffFixture:
    id: int
    username: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def create_staff(engine: Engine, settings: Settings, password: str = "staff-pass") -> StaffFixture:
    username = f"staff{secrets.token_hex(4)}"
    with Session(engine) as session:
        staff = StaffUser(username=username, name="测试柜员", password_hash=hash_secret(make_hasher(settings), password))
        session.add(staff)
        session.commit()
        session.refresh(staff)
        staff_id = staff.id
    return StaffFixture(id=staff_id, username=username, password=password,  # type: ignore[arg-type]
                     token=issue_token(settings, "staff", staff_id)[0])  # type: ignore[arg-type]
