"""Refinements of the fraud rules after the first red-team run (issue 9): where a relative works is not who calls,
a card a relative herself verified is not a service's "upgrade", and 保本 with a high return is a scheme."""
from __future__ import annotations

import pytest

from rules.fraud import screen, warning_text


@pytest.mark.parametrize("text", [
    "我闺女在派出所工作，让我给她转八百交房租",
    "孙子是法院的，他让我给他转三百买书",
    "儿媳妇说她新办的卡已经激活了，给她转一千",
])
def test_family_stories_are_not_hits(text: str) -> None:
    assert screen(text) is None


@pytest.mark.parametrize(("text", "family"), [
    ("有个警察打电话说我卡涉嫌洗钱，让我转到安全账户", "authority"),
    ("他说他是我儿子，在公安局上班，叫我把钱打到这个新卡上", "relative"),
    ("客服说我的卡要升级，要先交认证费", "customer_service"),
    ("那个理财保本，还高回报", "investment"),
    ("说是高收益还保本的项目", "investment"),
])
def test_scams_are_still_hits(text: str, family: str) -> None:
    hit = screen(text)
    assert hit is not None and hit.family in (family, "authority", "relative")


def test_the_hotline_follows_the_word_hotline_so_it_is_read_as_digits() -> None:
    assert "热线96110" in warning_text("authority")


def test_a_relatives_post_is_not_a_caller():
    assert screen("我外孙在派出所当辅警，他说过节回不来，给他转三百") is None


def test_a_household_bill_after_the_pension_is_not_a_fee_scam():
    assert screen("先问问养老金到了没，到了再帮我交电费") is None
    assert screen("说养老金要先交手续费才能领") is not None
