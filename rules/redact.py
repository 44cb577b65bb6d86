"""Keeping numbers and secrets out of what is stored and logged.

`redact_digits` is for what the customer said (the Rasa tracker, a transfer's context, the audit of a fraud stop):
card numbers, SMS codes and PINs are runs of digits, and no run of 4 or more survives. `redact_secrets` is for log
lines (the one rule: the services' log filter, backend/core/log_redaction.py, applies it): tokens, PIN/password
fields, passwords in URLs and full card/account numbers are masked, everything else is kept so the line
still tells what happened. A logging.Filter built on it lives with the services that install it.

`mask_account` and `mask_phone` are the only forms of account and phone numbers that leave the backend or reach
a staff screen; `mask_numbers` is for free text a person reads (a handoff summary on the staff panel): every
phone, card or account number in it keeps only its last four digits.
"""
from __future__ import annotations

import re

__all__ = ["account_tail", "mask_account", "mask_numbers", "mask_phone", "redact_digits", "redact_secrets"]

# ASCII and full-width digits (a pasted "１２３４５６" is as much a code as "123456").
_DIGIT_RUN = re.compile(r"[0-9\uff10-\uff19]{4,}")


def redact_digits(text: str) -> str:
    """Every run of 4 or more digits (ASCII or full-width) becomes "****"; shorter numbers (amounts such as
    500, a "3" in 三年) are kept."""
    return _DIGIT_RUN.sub("****", text or "")


# Field names that hold a secret: token, access_token, csrf_token, ANXIN_TOKEN_SECRET, X-Anxin-Actions-Secret,
# X-Twilio-Signature, pin, password, api_key (the name ends with one of these words).
_SECRET_KEY = r"[A-Za-z0-9_-]*(?:token|secret|signature|password|passwd|pin|api_?key|apikey)"
_SECRETS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Bearer first: "Bearer <jwt>" reads "Bearer ***" whatever the token is.
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), r"\1 ***"),
    # JWTs: header.payload.signature, the header always starts with base64('{"') = "eyJ".
    (re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "***jwt***"),
    # "token": "...", 'pin': '1234' (JSON and Python reprs), also with a number value: "pin": 123456.
    (re.compile(rf"(?i)([\"']{_SECRET_KEY}[\"']\s*:\s*)(?:\"[^\"]*\"|'[^']*'|[0-9]+)"), r'\1"***"'),
    # pin=1234, token=abc, X-Anxin-Actions-Secret: abc (query strings, key=value lines, headers), also quoted
    # as in a repr: token_secret='abc', password="abc".
    (re.compile(rf"(?i)(?<![A-Za-z0-9_-])({_SECRET_KEY}\s*[=:]\s*)(?:\"[^\"]*\"|'[^']*'|(?![\s\"'])[^\s&,;\"'}}]+)"),
     r"\1***"),
    # scheme://user:password@host (database and Redis URLs; Redis's user is often empty: redis://:pw@host).
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s/]+@"), r"\1***@"),
    # 12-19 digit card/account numbers, plain or in groups of four: the last four stay (what the customer sees).
    (re.compile(r"(?<![0-9])(?:[0-9][ -]?){8,15}([0-9]{4})(?![0-9])"), r"****\1"),
)


def redact_secrets(text: str) -> str:
    """`text` with JWTs, bearer tokens, token/PIN/password fields, URL passwords and 12-19 digit card numbers
    masked."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def mask_account(number: str) -> str:
    """'6222021234567891234' -> '6222 **** **** 1234' (the bank's four, the customer's last four)."""
    return f"{number[:4]} **** **** {number[-4:]}"


def account_tail(number: str) -> str:
    """The last four digits, what the customer names an account by ("尾号1234")."""
    return number[-4:]


def mask_phone(phone: str | None) -> str:
    """'13800000001' -> '138****0001'; a number too short to keep both ends (or none) -> '****'."""
    return f"{phone[:3]}****{phone[-4:]}" if phone and len(phone) >= 7 else "****"


# 7 or more digits, also written in groups ("138 0000 0001", "6222-0212-..."): phone, card and account numbers.
_LONG_NUMBER = re.compile(r"\d(?:[ \-]?\d){6,}")


def mask_numbers(text: str) -> str:
    """Every run of 7+ digits (spaces or hyphens between them allowed) becomes '****' and its last four:
    '卡号6222021234567890123' -> '卡号****0123'; amounts (500, 12000) are kept."""
    def _mask(m: re.Match[str]) -> str:
        return "****" + re.sub(r"\D", "", m.group(0))[-4:]

    return _LONG_NUMBER.sub(_mask, text or "")
