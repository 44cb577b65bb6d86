"""`python -m backend.seed`: migrate the database; in demo mode only, create the demo data of docs/contracts.md.

Outside demo mode (`ANXIN_DEMO` unset: any real deployment) it only migrates: demo customers with published
PINs and a demo staff login must never exist in a bank's database. In demo mode (`make run`) the demo staff
password is random, generated with the other demo secrets into var/secrets.env and printed by `make run`.

Idempotent: people, accounts and payees that already exist (by phone, username, account number) are left as
they are, balances included, so running it twice changes nothing. The one exception is the demo staff user's
password, set again to the current demo password when it no longer matches (a database from an older version
still has the once-public one).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlmodel import Session, select

from backend import seed_services
from backend.core.config import Settings, get_settings
from backend.core.db import make_engine, run_migrations, write_session
from backend.core.security import hash_secret, make_hasher, verify_secret
from backend.core.tables import saved_id
from backend.models import Account, Customer, Payee, StaffUser
from backend.services import audit, clock, ledger
from rules import secrets

log = logging.getLogger("backend.seed")


@dataclass
class DemoAccount:
    kind: str
    name: str
    number: str
    balance_fen: int


@dataclass
class DemoPayee:
    name: str
    relationship: str
    bank: str
    account_number: str
    age_days: int


@dataclass
class DemoCustomer:
    name: str
    phone: str
    pin: str
    accounts: list[DemoAccount] = field(default_factory=list)
    payees: list[DemoPayee] = field(default_factory=list)


DEMO_CUSTOMERS = [
    DemoCustomer("张桂兰", "13800000001", "135790",
                 [DemoAccount("demand", "活期账户", "6222021001000011234", 12_000_00)],
                 [DemoPayee("王小明", "儿子", "中国农业银行", "6228480010000012345", 400),
                  DemoPayee("王小红", "女儿", "中国邮政储蓄银行", "6221880020000023456", 300),
                  # Saved 10 days ago: not held (older than a day), but a transfer to him arrives the next day
                  # and can be revoked until then (延时到账, issue 12).
                  DemoPayee("周强", "外甥", "中国工商银行", "6212260050000056789", 10)]),
    DemoCustomer("李大山", "13800000002", "246802",
                 [DemoAccount("pension", "养老金账户", "6222021002000025678", 3_500_00),
                  DemoAccount("demand", "活期账户", "6222021002000038765", 800_00)],
                 [DemoPayee("李春花", "闺女", "农村信用社", "6230910030000034567", 200)]),
    DemoCustomer("陈阿婆", "13800000003", "112233",
                 [DemoAccount("demand", "活期账户", "6222021003000044321", 50_000_00)],
                 [DemoPayee("陈小宝", "孙子", "中国建设银行", "6217000040000045678", 0)]),
]
# (username, name); the password is the demo's random ANXIN_DEMO_STAFF_PASSWORD.
DEMO_STAFF = [("staff", "王柜员")]


def ensure_customer(session: Session, hasher: PasswordHasher, demo: DemoCustomer) -> None:
    customer = session.exec(select(Customer).where(Customer.phone == demo.phone)).first()
    if customer is None:
        customer = Customer(name=demo.name, phone=demo.phone, pin_hash=hash_secret(hasher, demo.pin))
        session.add(customer)
        session.flush()
        log.info("seeded customer %s", demo.name)
    opening = ledger.internal_account_id(session, ledger.OPENING)
    for spec in demo.accounts:
        if session.exec(select(Account.id).where(Account.number == spec.number)).first() is not None:
            continue
        account = Account(customer_id=customer.id, kind=spec.kind, name=spec.name, number=spec.number)
        session.add(account)
        session.flush()
        ledger.post(session, "seed", f"seed:{account.id}", [
            ledger.Leg(opening, -spec.balance_fen, "开户存入", internal=True),
            ledger.Leg(saved_id(account), spec.balance_fen, "开户存入", "柜台"),
        ])
        audit.record(session, "system", None, "account.opened", "account", account.id)
    for payee in demo.payees:
        exists = session.exec(
            select(Payee.id).where(Payee.customer_id == customer.id, Payee.account_number == payee.account_number)
        ).first()
        if exists is None:
            session.add(Payee(
                customer_id=saved_id(customer), name=payee.name, relationship=payee.relationship, bank=payee.bank,
                account_number=payee.account_number, created_at=clock.now() - timedelta(days=payee.age_days),
            ))


def ensure_staff(session: Session, hasher: PasswordHasher, username: str, name: str, password: str) -> None:
    staff = session.exec(select(StaffUser).where(StaffUser.username == username)).first()
    if staff is None:
        session.add(StaffUser(username=username, name=name, password_hash=hash_secret(hasher, password)))
    elif not verify_secret(hasher, staff.password_hash, password):
        staff.password_hash = hash_secret(hasher, password)
        session.add(staff)
        log.info("demo staff %s: password set to this demo's", username)


def seed(engine: Engine, settings: Settings, staff_password: str) -> None:
    hasher = make_hasher(settings)
    with write_session(engine) as session:
        for demo in DEMO_CUSTOMERS:
            ensure_customer(session, hasher, demo)
        for username, name in DEMO_STAFF:
            ensure_staff(session, hasher, username, name, staff_password)
        session.flush()
        seed_services.ensure_services(session)  # bill accounts, pension payroll, family contacts (issue 12)
        session.commit()


def demo_staff_password() -> str:
    """ANXIN_DEMO_STAFF_PASSWORD (the test stack sets one), else the demo secrets file's."""
    return get_settings().demo_staff_password or secrets.demo_secrets()[secrets.DEMO_STAFF_PASSWORD]


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    run_migrations(settings.database_url)
    if not secrets.demo_mode():
        log.info("database migrated; not demo mode (ANXIN_DEMO unset): no demo customers or staff created")
        return
    engine = make_engine(settings)
    try:
        seed(engine, settings, demo_staff_password())
    finally:
        engine.dispose()
    log.info("demo data ready (demo mode)")


if __name__ == "__main__":
    main()
