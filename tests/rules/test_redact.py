"""Digits out of what the customer said; tokens, PINs and card numbers out of log lines."""
from __future__ import annotations

import pytest

from rules.redact import redact_digits, redact_secrets


@pytest.mark.parametrize(("raw", "expected"), [
    ("验证码是123456", "验证码是****"),
    ("卡号6222021234567890123", "卡号****"),
    ("全角１２３４５６", "全角****"),
    ("密码1234", "密码****"),
    ("转500块", "转500块"),
    ("存3年", "存3年"),
    ("6222 0212 3456", "**** **** ****"),
    ("", ""),
])
def test_redact_digits(raw: str, expected: str) -> None:
    assert redact_digits(raw) == expected


JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlX2hlcmU"


@pytest.mark.parametrize(("raw", "gone"), [
    (f"token {JWT} accepted", JWT),
    ("Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
    ('{"token": "s3cr3t-value", "ok": true}', "s3cr3t-value"),
    ('{"access_token":"tok123"}', "tok123"),
    ("{'pin': '246810'}", "246810"),
    ('{"pin": 135790}', "135790"),
    ("POST /login?pin=975310&user=1", "975310"),
    ("password=hunter2 user=alice", "hunter2"),
    ("account 6222021234567891234 debited", "622202123456789"),
    ("card 6222 0212 3456 7890 debited", "6222 0212 3456"),
    ("X-Anxin-Actions-Secret: k7Qw2pLx9Zr", "k7Qw2pLx9Zr"),
    ("ANXIN_TOKEN_SECRET=abcdefghijklmnopqrstuvwxyz123456", "abcdefghijklmnopqrstuvwxyz123456"),
    ("csrf_token=Zm9vYmFy&next=/", "Zm9vYmFy"),
    ('{"csrf_token": "Zm9vYmFy"}', "Zm9vYmFy"),
])
def test_redact_secrets_masks(raw: str, gone: str) -> None:
    cleaned = redact_secrets(raw)
    assert gone not in cleaned
    assert "***" in cleaned


@pytest.mark.parametrize("line", [
    "GET /api/v1/me 200 12ms",
    "transfer 42 completed amount_fen=50000",
    "customer 13 phone 138****0001",
    "2026-12-01 17:30:39 INFO backend: started",
    "token_expired=True for customer 7",
    "shipping=fast",
])
def test_redact_secrets_keeps_ordinary_lines(line: str) -> None:
    assert redact_secrets(line) == line


def test_card_number_keeps_its_last_four() -> None:
    assert redact_secrets("acct 6222021234567891234") == "acct ****1234"


def test_masked_json_field_stays_json() -> None:
    assert redact_secrets('{"pin": "123456", "token": 42}') == '{"pin": "***", "token": "***"}'
