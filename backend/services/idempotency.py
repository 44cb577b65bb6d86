"""Idempotency-Key handling: keys are per customer; the same key with the same request answers the first
result again, with a different request it is refused (409 IDEMPOTENCY_KEY_REUSED).

Callers look the key up only after taking the customer's lock, so two concurrent requests with one key are
serialized and the second sees the first's record. Refused requests (4xx) are not remembered: nothing was
written, so a retry is evaluated afresh.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlmodel import Session

from backend.core.tables import table_of
from backend.errors import AppError
from backend.models import IdempotencyRecord
from backend.services import clock

_RECORDS = table_of(IdempotencyRecord)
# Core, not ORM: looked up on every money movement, and only three columns are needed.
_LOOKUP = select(_RECORDS.c.request_hash, _RECORDS.c.status_code, _RECORDS.c.response_json).where(
    _RECORDS.c.customer_id == bindparam("customer_id"), _RECORDS.c.key == bindparam("key")
)

_INSERT = insert(_RECORDS)  # built once; the values come as parameters

KEY_REUSED = AppError(
    409, "IDEMPOTENCY_KEY_REUSED", "这个请求编号已经用在另一笔不同的业务上了，请重新发起。"
)


def fingerprint(scope: str, payload: dict[str, Any]) -> str:
    canonical = json.dumps({"scope": scope, "payload": payload}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay(session: Session, customer_id: int, key: str, request_hash: str) -> tuple[int, Any] | None:
    """(status, body) of the first request with this key, None if the key is new."""
    record = session.execute(_LOOKUP, {"customer_id": customer_id, "key": key}).first()
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise KEY_REUSED
    return record.status_code, json.loads(record.response_json)


def remember(
    session: Session, customer_id: int, key: str, request_hash: str, status_code: int, body: Any
) -> None:
    session.execute(_INSERT, {
        "customer_id": customer_id,
        "key": key,
        "request_hash": request_hash,
        "status_code": status_code,
        "response_json": json.dumps(body, ensure_ascii=False),
        "created_at": clock.now(),
    })
