"""One masking rule (rules.redact) for the backend's API and the gateway's phone channel and staff notes."""
from __future__ import annotations

import pytest

from rules.redact import account_tail, mask_account, mask_numbers, mask_phone


def test_mask_account_keeps_the_bank_prefix_and_the_last_four() -> None:
    assert mask_account("6222021234567891234") == "6222 **** **** 1234"
    assert mask_account("6217000010001234") == "6217 **** **** 1234"
    assert account_tail("6222021234567891234") == "1234"


@pytest.mark.parametrize(("phone", "masked"), [
    ("13800000001", "138****0001"),
    ("13912345678", "139****5678"),
    ("1234567", "123****4567"),
    ("123456", "****"),
    ("", "****"),
    (None, "****"),
])
def test_mask_phone(phone: str | None, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(("raw", "masked"), [
    ("卡号6222021234567890123，金额500元", "卡号****0123，金额500元"),
    ("电话138 0000 0001", "电话****0001"),
    ("账号6222-0212-3456-7890", "账号****7890"),
    ("转12000元给女儿", "转12000元给女儿"),
    ("存3年，利率1.75", "存3年，利率1.75"),
    ("", ""),
])
def test_mask_numbers_keeps_only_the_last_four_of_long_numbers(raw: str, masked: str) -> None:
    assert mask_numbers(raw) == masked


def test_no_full_number_survives_mask_numbers() -> None:
    out = mask_numbers("客户说卡号是6222021234567891234，手机13800000001")
    assert "6222021234567891234" not in out and "13800000001" not in out
    assert out == "客户说卡号是****1234，手机****0001"


def test_backend_and_gateway_use_this_rule() -> None:
    """Both sides call rules.redact (no copy of their own that could drift)."""
    pytest.importorskip("sqlmodel")  # backend and gateway run in .venv only
    pytest.importorskip("pydantic_settings")
    from backend.api import presenters
    from gateway import calls

    assert presenters.mask_account is mask_account and presenters.mask_phone is mask_phone
    assert calls.redact is mask_numbers
    assert calls.mask_phone("13800000001") == mask_phone("13800000001") == "138****0001"
    assert calls.mask_phone(None) == "未知号码"  # the phone channel's wording for a hidden number
