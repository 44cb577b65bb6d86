"""Runs a money-moving action at most once per (customer, Idempotency-Key)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session

from backend.services import idempotency
from backend.services.customers import lock_customer


def run_once(
    session: Session,
    customer_id: int,
    key: str,
    scope: str,
    payload: dict[str, Any],
    action: Callable[[], BaseModel],
    status_code: int = 201,
) -> JSONResponse:
    request_hash = idempotency.fingerprint(scope, payload)
    lock_customer(session, customer_id)
    replayed = idempotency.replay(session, customer_id, key, request_hash)
    if replayed is not None:
        session.rollback()
        status, body = replayed
        return JSONResponse(body, status_code=status, headers={"Idempotent-Replayed": "true"})
    body = action().model_dump(mode="json")
    idempotency.remember(session, customer_id, key, request_hash, status_code, body)
    session.commit()
    return JSONResponse(body, status_code=status_code)
