"""Logging in customers (PIN, lock-out after repeated failures) and staff (password)."""
from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from backend.core.config import Settings
from backend.core.db import write_session
from backend.core.security import verify_secret
from backend.errors import AppError
from backend.models import Customer, StaffUser
from backend.services import audit, clock

BAD_CREDENTIALS = AppError(401, "BAD_CREDENTIALS", "手机号或密码不对，请再试一次。")
_DUMMY_HASH: dict[int, str] = {}


def _locked(settings: Settings, until_text: str) -> AppError:
    return AppError(
        423,
        "LOCKED",
        f"密码连续输错{settings.max_pin_attempts}次，为保护您的钱，账户已暂时锁定。"
        f"请在北京时间 {until_text} 以后再试，或带身份证到柜台办理。",
    )


def _burn_time(hasher: PasswordHasher, secret: str) -> None:
    # An unknown phone costs as much time as a wrong PIN, so timing does not tell which phones are customers.
    key = id(hasher)
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hasher.hash("000000-not-a-pin")
    verify_secret(hasher, _DUMMY_HASH[key], secret)


def login_customer(engine: Engine, settings: Settings, hasher: PasswordHasher, phone: str, pin: str) -> Customer:
    with Session(engine, expire_on_commit=False) as session:
        customer = session.exec(select(Customer).where(Customer.phone == phone)).first()
    if customer is None:
        _burn_time(hasher, pin)
        raise BAD_CREDENTIALS
    now = clock.now()
    if customer.locked_until is not None and customer.locked_until > now:
        raise _locked(settings, clock.cn_clock_text(customer.locked_until))
    ok = verify_secret(hasher, customer.pin_hash, pin)
    with write_session(engine) as session:
        current = session.exec(select(Customer).where(Customer.id == customer.id).with_for_update()).one()
        if current.locked_until is not None and current.locked_until > now:
            # Another request locked the customer while this PIN was being checked.
            raise _locked(settings, clock.cn_clock_text(current.locked_until))
        if ok:
            session.execute(
                update(Customer).where(Customer.id == customer.id).values(failed_attempts=0, locked_until=None)  # type: ignore[arg-type]
            )
            audit.record(session, "customer", customer.id, "login.ok", "customer", customer.id)
            session.commit()
            return current
        attempts = current.failed_attempts + 1
        if attempts >= settings.max_pin_attempts:
            until = now + timedelta(minutes=settings.lock_minutes)
            session.execute(
                update(Customer).where(Customer.id == customer.id).values(failed_attempts=0, locked_until=until)  # type: ignore[arg-type]
            )
            audit.record(session, "customer", customer.id, "login.locked", "customer", customer.id,
                         attempts=attempts, locked_until=until.isoformat())
            session.commit()
            raise _locked(settings, clock.cn_clock_text(until))
        session.execute(update(Customer).where(Customer.id == customer.id).values(failed_attempts=attempts))  # type: ignore[arg-type]
        audit.record(session, "customer", customer.id, "login.failed", "customer", customer.id, attempts=attempts)
        session.commit()
    left = settings.max_pin_attempts - attempts
    raise AppError(401, "BAD_CREDENTIALS", f"手机号或密码不对，还可以再试{left}次。")


def login_staff(engine: Engine, hasher: PasswordHasher, username: str, password: str) -> StaffUser:
    with Session(engine, expire_on_commit=False) as session:
        staff = session.exec(select(StaffUser).where(StaffUser.username == username)).first()
    if staff is None:
        _burn_time(hasher, password)
        raise AppError(401, "BAD_CREDENTIALS", "用户名或密码不对。")
    if not verify_secret(hasher, staff.password_hash, password):
        audit.record_separately(engine, "staff", staff.id, "staff.login.failed")
        raise AppError(401, "BAD_CREDENTIALS", "用户名或密码不对。")
    audit.record_separately(engine, "staff", staff.id, "staff.login.ok")
    return staff
