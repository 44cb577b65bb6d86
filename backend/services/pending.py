"""Taking a pending record to confirm or cancel it (deposit, early withdrawal, bill payment), and ending it.

The customer is locked first (money moves in one order per customer), the record is the customer's own
(another customer's looks missing), a record past its time is ended as expired and handed back (the route
commits that and answers EXPIRED, backend/api/pending_routes.py), and any other state than pending is
INVALID_STATE, so a repeated yes or no never acts twice.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlmodel import Session

from backend.errors import ErrorCode
from backend.services import audit, clock
from backend.services.customers import lock_customer

PENDING, EXPIRED = "pending", "expired"


class _Record(Protocol):
    status: str


class _Ending(Protocol):
    id: int | None
    customer_id: int
    status: str
    ended_at: datetime | None


R = TypeVar("R", bound=_Record)


def take_pending(session: Session, customer_id: int, own: Callable[[], R], is_expired: Callable[[R], bool],
                 expire: Callable[[R], None], not_pending: str) -> R:
    """The record `own` reads (with a row lock), still pending, or just ended as expired (status "expired":
    the caller hands it back as it is). `not_pending` is the sentence of the INVALID_STATE refusal."""
    lock_customer(session, customer_id)
    row = own()
    if is_expired(row):
        expire(row)
        return row
    if row.status != PENDING:
        raise ErrorCode.INVALID_STATE.error(not_pending)
    return row


def end(session: Session, row: _Ending, status: str, kind: str, **details: Any) -> None:
    """Ends a pending record (cancelled, expired) now, audited as "<kind>.<status>" with `details`."""
    row.status = status
    row.ended_at = clock.now()
    session.add(row)
    audit.record(session, "customer", row.customer_id, f"{kind}.{status}", kind, row.id, **details)
    session.flush()
