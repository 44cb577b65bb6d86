"""One enum of error codes (backend/errors.py): every code the backend answers with is listed there once,
with its HTTP status, and the existing names stay (clients and tests act on them)."""
from __future__ import annotations

import re
from pathlib import Path

from backend.errors import AppError, ErrorCode

BACKEND = Path(__file__).resolve().parents[2] / "backend"
# Codes clients already act on (docs/contracts.md, backend/README.md): renaming one breaks a caller.
EXISTING = {
    "UNAUTHORIZED": 401, "BAD_CREDENTIALS": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "IDEMPOTENCY_KEY_REUSED": 409,
    "INVALID_STATE": 409, "PAYEE_EXISTS": 409, "INVALID_AMOUNT": 422, "INSUFFICIENT_FUNDS": 422,
    "PER_TRANSFER_LIMIT": 422, "DAILY_LIMIT": 422, "SCAM_SUSPECTED": 422, "ACCOUNT_NOT_ALLOWED": 422,
    "INVALID_PRODUCT": 422, "BELOW_MINIMUM": 422, "VALIDATION_ERROR": 422, "LOCKED": 423, "RATE_LIMITED": 429,
    "BUSY": 503, "EXPIRED": 409,
}


def test_existing_codes_keep_their_names_and_statuses():
    assert {code: ErrorCode[code].status for code in EXISTING} == EXISTING


def test_every_code_has_a_chinese_sentence():
    for code in ErrorCode:
        assert 400 <= code.status < 600
        assert re.search(r"[\u4e00-\u9fff]", code.message), code.name
        error = code.error()
        assert (error.status, error.code, error.message) == (code.status, code.name, code.message)


def test_every_code_raised_in_the_backend_is_in_the_enum_with_its_status():
    """AppError(status, "CODE", ...) written out anywhere in the backend must match the enum."""
    literal = re.compile(r"AppError\(\s*(\d{3}),\s*\"([A-Z_]+)\"")
    named = re.compile(r"ErrorCode\.([A-Z][A-Z_]+)\b")
    found = 0
    for path in BACKEND.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for status, code in literal.findall(source):
            assert code in ErrorCode.__members__, f"{path.name}: {code} is not in ErrorCode"
            assert ErrorCode[code].status == int(status), f"{path.name}: {code} with status {status}"
            found += 1
        for code in named.findall(source):
            assert code in ErrorCode.__members__, f"{path.name}: ErrorCode.{code}"
            found += 1
    assert found > 20


def test_a_precise_sentence_keeps_the_code():
    error = ErrorCode.DAILY_LIMIT.error("今天还能转 100.00 元。")
    assert isinstance(error, AppError) and (error.status, error.code) == (422, "DAILY_LIMIT")
