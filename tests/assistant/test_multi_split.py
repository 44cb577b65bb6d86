"""Where a message splits into two requests (assistant/multi.py), and where it must not."""
from __future__ import annotations

import pytest

from assistant.multi import split_requests


@pytest.mark.parametrize(("text", "first", "second"), [
    ("查一下余额，然后给儿子转三百", "check_balance", "transfer_money"),
    ("先看看利息，然后存一万一年", "savings_products", "open_time_deposit"),
    ("先查余额再给闺女打五百", "check_balance", "transfer_money"),
    ("养老金到了没，再看看还有多少钱", "ask_pension_arrival", "check_balance"),
    ("查余额然后提前取定期", "check_balance", "withdraw_deposit_early"),
    ("先看余额，再看利率", "check_balance", "savings_products"),
])
def test_two_requests(text, first, second):
    split = split_requests(text)
    assert split is not None and (split.first, split.second) == (first, second)
    assert text[split.at:] and split.at > 0


@pytest.mark.parametrize("text", [
    "给儿子再转三百",        # 再 inside one request
    "再说一遍",
    "我还有多少钱",          # 还有 as "still have"
    "/check_balance",
    "",
])
def test_one_request(text):
    assert split_requests(text) is None


def test_the_second_part_starts_after_the_connector():
    split = split_requests("查一下余额，然后给儿子转三百")
    assert split is not None and "查一下余额，然后给儿子转三百"[split.at:] == "给儿子转三百"


def _message(text: str, intent: str, entities: list[dict]) -> object:
    from rasa.shared.nlu.training_data.message import Message

    return Message(data={"text": text, "intent": {"name": intent, "confidence": 0.6}, "entities": entities})


def test_the_component_sets_multi_request_and_keeps_only_the_second_parts_flow_entities():
    from assistant.components.multi_request import MultiRequestSplitter

    text = "看看一年的利息，然后存一万"
    entities = [{"entity": "deposit_term", "value": "12", "start": 2, "end": 4},
                {"entity": "amount", "value": "10000.00", "start": 11, "end": 13}]
    (message,) = MultiRequestSplitter().process([_message(text, "savings_products", entities)])
    assert message.get("intent")["name"] == "multi_request"
    assert [e["entity"] for e in message.get("entities")] == ["amount"]


def test_the_component_leaves_a_scam_turn_and_a_single_request_alone():
    from assistant.components.multi_request import MultiRequestSplitter

    (scam,) = MultiRequestSplitter().process([_message("查一下余额，然后给儿子转三百", "report_scam_instruction", [])])
    assert scam.get("intent")["name"] == "report_scam_instruction"
    (one,) = MultiRequestSplitter().process([_message("给儿子转三百", "transfer_money", [])])
    assert one.get("intent")["name"] == "transfer_money"


def test_money_first_is_done_after_the_question_so_the_read_back_stays_last():
    split = split_requests("给儿子转三百，再查余额")
    assert split is not None and (split.first, split.second) == ("check_balance", "transfer_money")
    assert split.span == (0, len("给儿子转三百"))
