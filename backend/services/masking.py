"""The only forms of account and phone numbers that leave the backend."""
from __future__ import annotations


def mask_account(number: str) -> str:
    """'6222021234567891234' -> '6222 **** **** 1234'."""
    return f"{number[:4]} **** **** {number[-4:]}"


def account_tail(number: str) -> str:
    return number[-4:]


def mask_phone(phone: str) -> str:
    """'13800000001' -> '138****0001'."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"
