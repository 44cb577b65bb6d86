"""The error responses a route declares for the OpenAPI document: each status answers with ErrorOut (a stable
code and a plain Chinese sentence, backend/errors.py)."""
from __future__ import annotations

from typing import Any

from backend.schemas import ErrorOut

# FastAPI's type for `responses=`: a status (or "default", "4XX") to its OpenAPI response.
Responses = dict[int | str, dict[str, Any]]


def errors(*statuses: int) -> Responses:
    return {status: {"model": ErrorOut} for status in statuses}


# What a customer's money route can answer besides success: not signed in, not found, refused, invalid.
MONEY_ERRORS = errors(401, 404, 409, 422)
