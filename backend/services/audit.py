"""Audit trail: who did what, when — for every money movement, login, lock-out and approval.

Entries are written in the same transaction as the act they describe, so an act that rolls back leaves no
entry; refusals worth keeping (scam screening, lock-outs) are written in their own transaction.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, insert
from sqlmodel import Session

from backend.core.tables import table_of
from backend.models import AuditLog
from backend.services import clock

_INSERT = insert(table_of(AuditLog))  # built once; the values come as parameters


def record(
    session: Session,
    actor_kind: str,
    actor_id: int | None,
    action: str,
    target_kind: str = "",
    target_id: int | None = None,
    **detail: Any,
) -> None:
    session.execute(_INSERT, {
        "at": clock.now(),
        "actor_kind": actor_kind,
        "actor_id": actor_id,
        "action": action,
        "target_kind": target_kind,
        "target_id": target_id,
        "detail": detail_json(**detail),
    })


def detail_json(**detail: Any) -> str:
    """How an entry's details are stored (also for callers that write the entry in their own statement)."""
    return json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True)


def record_separately(engine: Engine, actor_kind: str, actor_id: int | None, action: str, **detail: Any) -> None:
    with Session(engine) as session:
        record(session, actor_kind, actor_id, action, **detail)
        session.commit()
