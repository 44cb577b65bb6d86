"""Double-entry ledger. Every movement is one journal whose entries sum to zero; each entry moves the
account's cached balance in the same statement, so balance == sum(entries) holds at every commit.

The bank's internal accounts (clearing, interest) take part in nearly every movement, so their rows are the
hottest in the database. Their legs are therefore applied last, just before the commit (a `before_commit`
hook): the row lock on them is then held for one statement and the commit, not for the whole request.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import event, insert, text, update
from sqlmodel import Session, select

from backend.core.tables import table_of
from backend.errors import ErrorCode
from backend.models import Account, Journal, LedgerEntry
from backend.services import clock

CLEARING = "INTERNAL-CLEARING"  # money leaving the bank to payees' accounts (shard 0 of CLEARING_SHARDS)
CLEARING_SHARDS = 16  # rows INTERNAL-CLEARING, INTERNAL-CLEARING-01 .. -15 (migration 0003)
INTEREST = "INTERNAL-INTEREST"  # interest the bank pays out
OPENING = "INTERNAL-OPENING"  # opening balances (demo data, cash paid in at the counter)
INTERNAL_ACCOUNTS = {CLEARING: "往来清算", INTEREST: "利息支出", OPENING: "开户存入"}

INSUFFICIENT_FUNDS_MESSAGE = "账户余额不够，这笔钱没有转出。"


@dataclass(frozen=True)
class Leg:
    account_id: int
    amount_fen: int
    description: str
    counterparty: str = ""
    internal: bool = False


_ACCOUNTS = table_of(Account)
_JOURNALS = table_of(Journal)
_ENTRIES = table_of(LedgerEntry)
_NEW_JOURNAL = insert(_JOURNALS).returning(_JOURNALS.c.id)  # built once; the values come as parameters
_internal_ids: dict[tuple[str, str], int] = {}
_DEFERRED = "anxin_deferred_internal_legs"
LOCKED_CUSTOMERS = "anxin_locked_customers"


def internal_account_id(session: Session, number: str) -> int:
    """Internal accounts are created by a migration and never change id, so the lookup is cached."""
    cache_key = (str(session.get_bind().engine.url), number)
    if cache_key not in _internal_ids:
        account_id = session.exec(select(Account.id).where(Account.number == number)).first()
        if account_id is None:
            raise RuntimeError(f"internal account {number} missing: run the migrations")
        _internal_ids[cache_key] = account_id
    return _internal_ids[cache_key]


def clearing_account_id(session: Session, spread_key: int) -> int:
    """One of the clearing account's shards, chosen by `spread_key` (e.g. the paying account's id), so
    concurrent transfers from different accounts rarely wait for the same row."""
    shard = spread_key % CLEARING_SHARDS
    return internal_account_id(session, CLEARING if shard == 0 else f"{CLEARING}-{shard:02d}")


def is_clearing(number: str) -> bool:
    return number == CLEARING or number.startswith(f"{CLEARING}-")


def new_account_number(prefix: str = "6222") -> str:
    """A 19-digit card-style number; uniqueness is enforced by the column, collisions are ~1e-15."""
    return prefix + "".join(secrets.choice("0123456789") for _ in range(19 - len(prefix)))


def new_journal(session: Session, kind: str, reference: str) -> int:
    return session.execute(
        _NEW_JOURNAL, {"kind": kind, "reference": reference, "created_at": clock.now()}
    ).scalar_one()


def post(session: Session, kind: str, reference: str, legs: list[Leg], journal_id: int | None = None) -> int:
    """Writes one balanced journal (into `journal_id` when the caller made it already) and returns its id.
    A customer leg that would overdraw raises INSUFFICIENT_FUNDS; the caller rolls back, so nothing stays.

    Customer accounts are touched in id order, internal ones at commit (see the module docstring), so two
    movements always take their row locks in the same order (no deadlock on PostgreSQL). Core statements, not
    ORM objects: this is the hottest path of the service.
    """
    if not legs or sum(leg.amount_fen for leg in legs) != 0:
        raise ValueError("a journal's legs must sum to zero")
    if journal_id is None:
        journal_id = new_journal(session, kind, reference)
    for leg in sorted(legs, key=lambda leg: leg.account_id):
        if leg.internal:
            session.info.setdefault(_DEFERRED, []).append((journal_id, leg))
        else:
            _apply(session, journal_id, leg)
    return journal_id


# On PostgreSQL a leg moves the account's balance and writes its entry in one statement (one round trip; an
# internal account's hot row is then locked for that statement and the commit only). A customer's debit is
# conditional: the WHERE is re-evaluated on the locked row, so concurrent debits can never overdraw, and no
# row means no entry was written either.
_LEG_PG = """
WITH moved AS (
    UPDATE accounts SET balance_fen = balance_fen + :amount WHERE id = :account_id{condition} RETURNING balance_fen
)
INSERT INTO ledger_entries (journal_id, account_id, amount_fen, balance_after_fen, description, counterparty,
                            created_at)
SELECT :journal_id, :account_id, :amount, balance_fen, :description, :counterparty, :created_at FROM moved
RETURNING balance_after_fen
"""
_LEG_PG_PLAIN = text(_LEG_PG.format(condition=""))
_LEG_PG_DEBIT = text(_LEG_PG.format(condition=" AND balance_fen >= -:amount"))


def _is_debit_checked(leg: Leg) -> bool:
    return not leg.internal and leg.amount_fen < 0


def _apply(session: Session, journal_id: int, leg: Leg) -> None:
    if session.get_bind().dialect.name == "postgresql":
        balance_after = session.execute(_LEG_PG_DEBIT if _is_debit_checked(leg) else _LEG_PG_PLAIN, {
            "amount": leg.amount_fen, "account_id": leg.account_id, "journal_id": journal_id,
            "description": leg.description, "counterparty": leg.counterparty,
            "created_at": clock.now().replace(tzinfo=None),  # the columns hold naive UTC (models.UTCDateTime)
        }).scalar_one_or_none()
        if balance_after is None:
            raise ErrorCode.INSUFFICIENT_FUNDS.error(INSUFFICIENT_FUNDS_MESSAGE)
        return
    balance = _ACCOUNTS.c.balance_fen
    stmt = (
        update(_ACCOUNTS)
        .where(_ACCOUNTS.c.id == leg.account_id)
        .values(balance_fen=balance + leg.amount_fen)
        .returning(balance)
    )
    if _is_debit_checked(leg):
        # Conditional debit: re-evaluated on the locked row, so concurrent debits can never overdraw.
        stmt = stmt.where(balance >= -leg.amount_fen)
    balance_after = session.execute(stmt).scalar_one_or_none()
    if balance_after is None:
        raise ErrorCode.INSUFFICIENT_FUNDS.error(INSUFFICIENT_FUNDS_MESSAGE)
    session.execute(insert(_ENTRIES).values(
        journal_id=journal_id, account_id=leg.account_id, amount_fen=leg.amount_fen,
        balance_after_fen=balance_after, description=leg.description, counterparty=leg.counterparty,
        created_at=clock.now(),
    ))


@event.listens_for(Session, "before_commit")
def _apply_deferred_internal_legs(session: Session) -> None:
    deferred = session.info.pop(_DEFERRED, None)
    if not deferred:
        return
    session.flush()  # everything else first, so only the hot rows' statements remain before the commit
    # Id order keeps lock order the same in every transaction (no deadlock between two commits).
    for journal_id, leg in sorted(deferred, key=lambda item: (item[1].account_id, item[0])):
        _apply(session, journal_id, leg)


@event.listens_for(Session, "after_transaction_end")
def _forget_transaction_state(session: Session, transaction: object) -> None:
    # A rolled-back or closed transaction must not leave legs (or locks believed held) for the next one.
    if getattr(transaction, "parent", None) is None:
        session.info.pop(_DEFERRED, None)
        session.info.pop(LOCKED_CUSTOMERS, None)
