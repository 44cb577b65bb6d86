"""Double-entry ledger. Every movement is one journal whose entries sum to zero; each entry moves the
account's cached balance in the same statement, so balance == sum(entries) holds at every commit."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from backend.errors import AppError
from backend.models import Account, Journal, LedgerEntry

CLEARING = "INTERNAL-CLEARING"  # money leaving the bank to payees' accounts
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


def internal_account_id(session: Session, number: str) -> int:
    account_id = session.exec(select(Account.id).where(Account.number == number)).first()
    if account_id is None:
        raise RuntimeError(f"internal account {number} missing: run the migrations")
    return account_id


def new_account_number(prefix: str = "6222") -> str:
    """A 19-digit card-style number; uniqueness is enforced by the column, collisions are ~1e-15."""
    return prefix + "".join(secrets.choice("0123456789") for _ in range(19 - len(prefix)))


def post(session: Session, kind: str, reference: str, legs: list[Leg]) -> Journal:
    """Writes one balanced journal. A customer leg that would overdraw raises INSUFFICIENT_FUNDS; the caller
    rolls back, so nothing of the journal stays.

    Customer accounts are touched before internal ones, each group in id order, so two movements always take
    their row locks in the same order (no deadlock on PostgreSQL).
    """
    if not legs or sum(leg.amount_fen for leg in legs) != 0:
        raise ValueError("a journal's legs must sum to zero")
    journal = Journal(kind=kind, reference=reference)
    session.add(journal)
    session.flush()
    for leg in sorted(legs, key=lambda leg: (leg.internal, leg.account_id)):
        stmt = (
            update(Account)
            .where(Account.id == leg.account_id)  # type: ignore[arg-type]
            .values(balance_fen=Account.balance_fen + leg.amount_fen)
            .returning(Account.balance_fen)
        )
        if not leg.internal and leg.amount_fen < 0:
            # Conditional debit: re-evaluated on the locked row, so concurrent debits can never overdraw.
            stmt = stmt.where(Account.balance_fen >= -leg.amount_fen)  # type: ignore[operator]
        balance_after = session.execute(stmt).scalar_one_or_none()
        if balance_after is None:
            raise AppError(422, "INSUFFICIENT_FUNDS", INSUFFICIENT_FUNDS_MESSAGE)
        session.add(
            LedgerEntry(
                journal_id=journal.id,  # type: ignore[arg-type]
                account_id=leg.account_id,
                amount_fen=leg.amount_fen,
                balance_after_fen=balance_after,
                description=leg.description,
                counterparty=leg.counterparty,
            )
        )
    session.flush()
    return journal
