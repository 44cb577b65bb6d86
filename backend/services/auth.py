"""Signing in customers (phone + PIN) and staff (username + password), with one set of rules for both.

What a caller is told, and why (issue 10, items 7 and 9):

* A wrong PIN and an unknown phone get the same answer, word for word, and cost the same time (an unknown
  phone's PIN is checked against a dummy argon2 hash). Unknown phones even go through the same cool-down and
  lock-out steps, tracked in memory per instance (`_Phantoms`), so the sequence of answers does not tell which
  numbers are customers either.
* Slower before the lock: from the `pin_cooldown_after`th consecutive wrong PIN (3) on, the next try has to wait
  `pin_cooldown_seconds` (60 s), doubling with each further wrong PIN; a try during the wait is refused (429
  RATE_LIMITED) without checking the PIN and does not count. The `max_pin_attempts`th wrong PIN (5) locks for
  `lock_minutes` (15). A stranger who knows a senior's number therefore needs minutes, not seconds, to lock
  them out, and at most five guesses per lock period.
* The customer is told: every wrong PIN since the last successful sign-in is counted (`failed_since_login`);
  the next successful sign-in answers that count and a plain sentence, then starts it afresh.
* Staff: the same cool-down and lock-out (their own columns), and an audit entry for every failure, refusal and
  lock (unknown usernames included, by a hash of the name).
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

from argon2 import PasswordHasher
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from backend.core.config import Settings
from backend.core.db import write_session
from backend.core.security import verify_secret
from backend.errors import AppError
from backend.models import Customer, StaffUser
from backend.services import audit, clock

CUSTOMER_WHAT = "手机号或密码不对"
STAFF_WHAT = "用户名或密码不对"
BAD_CREDENTIALS_MESSAGE = f"{CUSTOMER_WHAT}，请再试一次。"
BAD_CREDENTIALS = AppError(401, "BAD_CREDENTIALS", BAD_CREDENTIALS_MESSAGE)
_DUMMY_HASH: dict[int, str] = {}


@dataclass(frozen=True)
class Attempts:
    """The sign-in state of one customer, staff member or unknown name."""

    failed: int = 0  # consecutive wrong tries (starts afresh at a success or a lock)
    locked_until: datetime | None = None
    next_attempt_at: datetime | None = None
    since_login: int = 0  # wrong tries since the last successful sign-in (customers are told)


@dataclass(frozen=True)
class CustomerLogin:
    customer: Customer
    failed_attempts_since_last_login: int

    @property
    def notice(self) -> str | None:
        n = self.failed_attempts_since_last_login
        if n <= 0:
            return None
        return (f"提醒您：从您上次登录到现在，有人输错过{n}次密码。"
                "如果不是您本人，请不要把密码告诉任何人，并打银行客服电话或到柜台改密码。")


def _minutes(seconds: float) -> int:
    return max(1, int(-(-seconds // 60)))


def _locked(settings: Settings, until: datetime) -> AppError:
    return AppError(
        423,
        "LOCKED",
        f"密码连续输错{settings.max_pin_attempts}次，为保护您的钱，账户已暂时锁定。"
        f"请在北京时间 {clock.cn_clock_text(until)} 以后再试，或带身份证到柜台办理。",
    )


def _cooling(seconds: float) -> AppError:
    return AppError(429, "RATE_LIMITED",
                    f"密码已经输错好几次了，为了您的账户安全，请过{_minutes(seconds)}分钟再试。")


def refusal(settings: Settings, state: Attempts, now: datetime) -> AppError | None:
    """Why a try is refused before the secret is even checked: a lock, or the wait after repeated wrong tries."""
    if state.locked_until is not None and state.locked_until > now:
        return _locked(settings, state.locked_until)
    if state.next_attempt_at is not None and state.next_attempt_at > now:
        return _cooling((state.next_attempt_at - now).total_seconds())
    return None


def after_failure(settings: Settings, state: Attempts, now: datetime, what: str) -> tuple[Attempts, AppError]:
    """The state after one more wrong try, and the answer to it (`what`: "手机号或密码不对")."""
    failed = state.failed + 1
    since = state.since_login + 1
    if failed >= settings.max_pin_attempts:
        until = now + timedelta(minutes=settings.lock_minutes)
        return Attempts(0, until, None, since), _locked(settings, until)
    if failed >= settings.pin_cooldown_after and settings.pin_cooldown_seconds > 0:
        wait = settings.pin_cooldown_seconds * 2 ** (failed - settings.pin_cooldown_after)
        state = Attempts(failed, None, now + timedelta(seconds=wait), since)
        return state, AppError(401, "BAD_CREDENTIALS", f"{what}。为了您的账户安全，请过{_minutes(wait)}分钟再试。")
    return Attempts(failed, None, None, since), AppError(401, "BAD_CREDENTIALS", f"{what}，请再试一次。")


class _Phantoms:
    """Attempts for names that are not in the database, so an unknown phone answers exactly like a customer's
    (bounded: the least recently tried are forgotten). Keys are hashes; no phone number is kept."""

    def __init__(self, size: int = 20_000) -> None:
        self._states: OrderedDict[str, Attempts] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def attempt(self, settings: Settings, name: str, what: str, hasher: PasswordHasher, secret: str) -> AppError:
        key = hashlib.sha256(name.encode()).hexdigest()
        with self._lock:
            refused = refusal(settings, self._states.get(key, Attempts()), clock.now())
        if refused is not None:
            return refused  # refused before any hashing, exactly like a customer in a cool-down or lock
        _burn_time(hasher, secret)  # outside the lock: argon2 takes a while
        now = clock.now()
        with self._lock:
            state = self._states.pop(key, Attempts())
            refused = refusal(settings, state, now)
            if refused is None:
                state, refused = after_failure(settings, state, now, what)
            self._states[key] = state
            while len(self._states) > self._size:
                self._states.popitem(last=False)
        return refused


_phantoms = _Phantoms()


def _burn_time(hasher: PasswordHasher, secret: str) -> None:
    # An unknown phone costs as much time as a wrong PIN, so timing does not tell which phones are customers.
    key = id(hasher)
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hasher.hash("000000-not-a-pin")
    verify_secret(hasher, _DUMMY_HASH[key], secret)


Person = TypeVar("Person", Customer, StaffUser)


def _refusal_under_lock(session: Session, settings: Settings, model: type[Person], row_id: int | None,
                        state_of: Callable[[Person], Attempts], now: datetime
                        ) -> tuple[Person, Attempts, AppError | None]:
    """The row read again under its lock, its attempts, and the refusal they make now: another request may have
    locked it (or started a wait) while this secret was being checked."""
    current = session.exec(select(model).where(col(model.id) == row_id).with_for_update()).one()
    state = state_of(current)
    return current, state, refusal(settings, state, now)


def _customer_state(customer: Customer) -> Attempts:
    return Attempts(customer.failed_attempts, customer.locked_until, customer.next_attempt_at,
                    customer.failed_since_login)


def login_customer(engine: Engine, settings: Settings, hasher: PasswordHasher, phone: str, pin: str) -> CustomerLogin:
    with Session(engine, expire_on_commit=False) as session:
        customer = session.exec(select(Customer).where(Customer.phone == phone)).first()
    if customer is None:
        raise _phantoms.attempt(settings, "customer:" + phone, CUSTOMER_WHAT, hasher, pin)
    refused = refusal(settings, _customer_state(customer), clock.now())
    if refused is not None:
        raise refused
    ok = verify_secret(hasher, customer.pin_hash, pin)
    now = clock.now()
    with write_session(engine) as session:
        current, state, refused = _refusal_under_lock(session, settings, Customer, customer.id, _customer_state, now)
        if refused is not None:
            raise refused
        if ok:
            session.execute(update(Customer).where(col(Customer.id) == customer.id).values(
                failed_attempts=0, locked_until=None, next_attempt_at=None, failed_since_login=0))
            audit.record(session, "customer", customer.id, "login.ok", "customer", customer.id,
                         failed_since_last_login=state.since_login)
            session.commit()
            return CustomerLogin(current, state.since_login)
        new, answer = after_failure(settings, state, now, CUSTOMER_WHAT)
        session.execute(update(Customer).where(col(Customer.id) == customer.id).values(
            failed_attempts=new.failed, locked_until=new.locked_until, next_attempt_at=new.next_attempt_at,
            failed_since_login=new.since_login))
        if new.locked_until is not None:
            audit.record(session, "customer", customer.id, "login.locked", "customer", customer.id,
                         attempts=settings.max_pin_attempts, locked_until=new.locked_until.isoformat())
        else:
            audit.record(session, "customer", customer.id, "login.failed", "customer", customer.id,
                         attempts=new.failed)
        session.commit()
    raise answer


def _staff_state(staff: StaffUser) -> Attempts:
    return Attempts(staff.failed_attempts, staff.locked_until, staff.next_attempt_at)


def _staff_locked(settings: Settings, error: AppError) -> AppError:
    if error.code != "LOCKED":
        return error
    return replace_message(error, f"密码连续输错{settings.max_pin_attempts}次，这个工作人员账号已暂时锁定，"
                                  f"{settings.lock_minutes}分钟后再试，或请管理员处理。")


def replace_message(error: AppError, message: str) -> AppError:
    return AppError(error.status, error.code, message)


def login_staff(engine: Engine, settings: Settings, hasher: PasswordHasher, username: str, password: str) -> StaffUser:
    with Session(engine, expire_on_commit=False) as session:
        staff = session.exec(select(StaffUser).where(StaffUser.username == username)).first()
    if staff is None:
        answer = _staff_locked(settings, _phantoms.attempt(settings, "staff:" + username, STAFF_WHAT, hasher, password))
        # Someone is trying staff names: worth a trace (the name only as a hash; it may be a mistyped password).
        audit.record_separately(engine, "staff", None, "staff.login.unknown",
                                username_sha256=hashlib.sha256(username.encode()).hexdigest()[:16], code=answer.code)
        raise answer
    refused = refusal(settings, _staff_state(staff), clock.now())
    if refused is not None:
        audit.record_separately(engine, "staff", staff.id, "staff.login.refused", code=refused.code)
        raise _staff_locked(settings, refused)
    ok = verify_secret(hasher, staff.password_hash, password)
    now = clock.now()
    with write_session(engine) as session:
        current, state, refused = _refusal_under_lock(session, settings, StaffUser, staff.id, _staff_state, now)
        if refused is not None:
            audit.record(session, "staff", staff.id, "staff.login.refused", code=refused.code)
            session.commit()
            raise _staff_locked(settings, refused)
        if ok:
            session.execute(update(StaffUser).where(col(StaffUser.id) == staff.id).values(
                failed_attempts=0, locked_until=None, next_attempt_at=None))
            audit.record(session, "staff", staff.id, "staff.login.ok")
            session.commit()
            return current
        new, answer = after_failure(settings, replace(state, since_login=0), now, STAFF_WHAT)
        session.execute(update(StaffUser).where(col(StaffUser.id) == staff.id).values(
            failed_attempts=new.failed, locked_until=new.locked_until, next_attempt_at=new.next_attempt_at))
        audit.record(session, "staff", staff.id, "staff.login.failed", attempts=new.failed or settings.max_pin_attempts)
        if new.locked_until is not None:
            audit.record(session, "staff", staff.id, "staff.login.locked", locked_until=new.locked_until.isoformat())
        session.commit()
    raise _staff_locked(settings, answer)
