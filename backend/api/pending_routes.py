"""The answer of every confirm and cancel route of a pending record (transfer, deposit, withdrawal, bill payment).

The service has already checked that the record is the customer's and still pending, and refused otherwise
with its ErrorCode (NOT_FOUND, INVALID_STATE ...). What is left is the same for every record and lives here:
the record is presented, the session committed (an expiry the service found is kept), and a confirmation that
found the record past its time is refused as EXPIRED with the record's own sentence: nothing moved.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlmodel import Session

from backend.errors import ErrorCode


class _Record(Protocol):
    status: str


class _Presented(Protocol):
    @property
    def message(self) -> str | None: ...


R = TypeVar("R", bound=_Record)
P = TypeVar("P", bound=_Presented)


def confirmed(session: Session, record: R, present: Callable[[R], P]) -> P:
    """The answer to POST .../{id}/confirm: the record as it now is; 409 EXPIRED when it had expired."""
    out = settled(session, record, present)
    if record.status == "expired":  # the expiry is kept (committed); nothing moved
        raise ErrorCode.EXPIRED.error(out.message)
    return out


def settled(session: Session, record: R, present: Callable[[R], P]) -> P:
    """The answer to POST .../{id}/cancel (or a revoke): the record as it now is, committed."""
    out = present(record)
    session.commit()
    return out
