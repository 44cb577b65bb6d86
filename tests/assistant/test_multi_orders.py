"""Two requests in one message in either order, bills among them; near-banking requests never start a money flow."""
from __future__ import annotations

import pytest

from assistant.guard import decide
from assistant.multi import split_requests


def test_a_money_request_first_is_done_after_the_question():
    text = "先给儿子转两千块钱，然后再查查余额"
    split = split_requests(text)
    assert split is not None and (split.first, split.second) == ("check_balance", "transfer_money")
    # The money flow's entities come from the part it was said in.
    assert text[split.span[0]:split.span[1]].startswith("先给儿子转两千")


@pytest.mark.parametrize(("text", "first", "second"), [
    ("查一下余额，然后交电费", "check_balance", "pay_bill"),
    ("交一下这个月的水费，然后看看还剩多少钱", "check_balance", "pay_bill"),
    ("养老金到了没，到了再帮我充个话费", "ask_pension_arrival", "pay_bill"),
])
def test_a_bill_is_a_money_request(text: str, first: str, second: str):
    split = split_requests(text)
    assert split is not None and (split.first, split.second) == (first, second)


@pytest.mark.parametrize("text", ["给儿子转三百，再给女儿转两百", "给儿子再转三百", "再说一遍"])
def test_two_money_requests_or_one_request_are_not_split(text: str):
    assert split_requests(text) is None


@pytest.mark.parametrize(("text", "intent"), [
    ("每个月自动给女儿转三百行不行", "transfer_money"),
    ("定时转账怎么弄，每月十号给儿子打钱", "transfer_money"),
    ("卖猪的现金想存进卡里", "open_time_deposit"),
])
def test_near_banking_requests_go_to_the_fallback(text: str, intent: str):
    classified = {"name": intent, "confidence": 0.9}
    assert decide(text, classified, [classified], []).intent == "out_of_scope"


def test_an_ordinary_transfer_and_deposit_stay():
    for text, intent in (("给儿子转五百", "transfer_money"), ("存一万一年定期", "open_time_deposit")):
        classified = {"name": intent, "confidence": 0.9}
        entities = [{"entity": "relationship", "value": "儿子", "start": 1, "end": 3}] if "儿子" in text else []
        assert decide(text, classified, [classified], entities).intent is None
