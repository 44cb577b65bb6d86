"""Everyday services end to end (issue 12): the real backend (seeded), the action server and Rasa.

张桂兰 pays her electricity bill and tops up her husband's phone by voice; 李大山 hears that his pension has
arrived on the first message of a conversation, once.
"""
from __future__ import annotations

import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.conversations.conftest import login, text_of
from tests.gateway.test_phone_stack import Call, text_gateway  # noqa: F401  (text_gateway: a module fixture)
from voice.normalize import read_digits

pytestmark = pytest.mark.rasa

ROOT = Path(__file__).resolve().parents[2]
LI_PENSION_ACCOUNT = "6222021002000025678"  # backend/seed_services.py DEMO_PENSIONS


def test_zhang_pays_her_electricity_bill_once(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    before = Decimal(customer.balance())
    power = next(a for a in customer.api("/bill-accounts") if a["biller"]["code"] == "POWER")
    due = customer.api(f"/bill-accounts/{power['id']}/bill")
    assert due["status"] == "due"

    read_back = customer.say("交电费")
    said = text_of(read_back)
    assert f"{due['amount_due']}元" in said and "电费" in said and said.endswith("对吗？")
    assert read_back[-1]["custom"]["pending_id"]
    assert [b["title"] for b in read_back[-1]["buttons"]] == ["是", "否"]
    assert Decimal(customer.balance()) == before, "nothing moves before the yes"

    done = customer.say("是")
    assert "交好了" in text_of(done)
    receipt = next(r["custom"]["receipt"] for r in done if (r.get("custom") or {}).get("receipt"))
    assert receipt["kind"] == "bill_payment" and receipt["receipt_no"].startswith("JF")
    assert Decimal(customer.balance()) == before - Decimal(due["amount_due"])
    assert customer.api(f"/bill-payments/{receipt['bill_payment_id']}")["status"] == "completed"

    # A yes more, and asking again, pay nothing twice.
    customer.say("是")
    again = login(assistant_stack, "张桂兰").say("家里电费交了没")
    assert "已经交过了" in text_of(again)
    assert Decimal(customer.balance()) == before - Decimal(due["amount_due"])


def test_zhang_tops_up_her_husbands_phone_and_a_no_moves_nothing(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    before = Decimal(customer.balance())
    read_back = customer.say("给老伴手机充五十块话费")
    assert "给老伴的手机充话费" in text_of(read_back) and "50.00元" in text_of(read_back)
    assert "好的，不交了" in text_of(customer.say("不对"))
    assert Decimal(customer.balance()) == before

    customer = login(assistant_stack, "张桂兰")
    read_back = customer.say("给老伴手机充一百块话费")
    assert "100.00元" in text_of(read_back) and "壹佰元整" in text_of(read_back)
    done = customer.say("是")
    assert "交好了" in text_of(done)
    assert Decimal(customer.balance()) == before - Decimal("100.00")


def test_a_cancel_at_the_read_back_moves_nothing(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    before = customer.balance()
    customer.say("给老伴手机充一百块话费")
    assert "钱没有动" in text_of(customer.say("算了，不交了"))
    assert customer.say("是")  # a yes afterwards starts nothing
    assert customer.balance() == before


def test_li_hears_his_pension_has_arrived_once(assistant_stack):
    # A payroll batch of its own (a unique batch id), so this test does not depend on others' notices.
    batch = ROOT / "var" / f"test-payroll-{uuid.uuid4().hex}.csv"
    batch.parent.mkdir(exist_ok=True)
    batch.write_text(f"{LI_PENSION_ACCOUNT},3500.00\n", encoding="utf-8")
    try:
        done = subprocess.run([sys.executable, "-m", "backend.jobs", "payroll", "--batch-id",
                               f"TEST-{uuid.uuid4().hex[:12]}", "--file", str(batch)],
                              cwd=ROOT, env=assistant_stack.env, capture_output=True, text=True, timeout=60)
    finally:
        batch.unlink()
    assert done.returncode == 0, done.stderr[-2000:]

    customer = login(assistant_stack, "李大山")
    first = customer.say("你好")
    said = text_of(first)
    assert "您好" in said and "养老金3,500.00元已经到账了" in said
    assert said.index("您好") < said.index("养老金")
    assert "已经到账" not in text_of(customer.say("查余额"))
    # A new conversation: heard already, not said again.
    assert "已经到账" not in text_of(login(assistant_stack, "李大山").say("你好"))


# ---------------------------------------------------------------- the kiosk and the phone (issue 12)

def say_on(customer, text: str, channel: str):
    """One message on another channel than the web (the gateway sends the channel in the metadata)."""
    resp = httpx.post(f"{customer.stack.rasa_url}/webhooks/rest/webhook", timeout=30, json={
        "sender": customer.sender, "message": text, "metadata": {"channel": channel, "token": customer.token}})
    resp.raise_for_status()
    return resp.json()


def read_back_on(customer, request: str, channel: str, account_words: str):
    """The request, and the account when the dialogue asks for one (a customer with two accounts)."""
    replies = say_on(customer, request, channel)
    if not text_of(replies).endswith("对吗？"):
        replies = say_on(customer, account_words, channel)
    assert text_of(replies).endswith("对吗？"), text_of(replies)
    assert replies[-1]["custom"]["bill_payment_id"] == replies[-1]["custom"]["pending_id"]
    return replies


def receipt_of(replies):
    return next(r["custom"]["receipt"] for r in replies if (r.get("custom") or {}).get("receipt"))


@pytest.mark.parametrize(("channel", "name", "request_words", "account_words", "balance_kind"), [
    ("kiosk", "张桂兰", "给老伴手机充五十块话费", "活期账户", "demand"),
    ("phone", "李大山", "交电费", "养老金账户", "pension"),
], ids=["kiosk-topup", "phone-bill"])
def test_a_bill_on_the_kiosk_and_the_phone_deny_and_cancel_then_paid_with_its_receipt(
        assistant_stack, channel, name, request_words, account_words, balance_kind):
    customer = login(assistant_stack, name)
    before = Decimal(customer.balance(balance_kind))
    read_back_on(customer, request_words, channel, account_words)
    assert "不交了" in text_of(say_on(customer, "不对", channel))
    customer = login(assistant_stack, name)
    read_back_on(customer, request_words, channel, account_words)
    assert "钱没有动" in text_of(say_on(customer, "算了，不交了", channel))
    assert Decimal(customer.balance(balance_kind)) == before, "a no and a cancel move nothing"

    customer = login(assistant_stack, name)
    read_back = read_back_on(customer, request_words, channel, account_words)
    amount = Decimal(customer.api(f"/bill-payments/{read_back[-1]['custom']['bill_payment_id']}")["amount"])
    done = say_on(customer, "是", channel)
    assert "交好了" in text_of(done)
    receipt = receipt_of(done)
    assert receipt["kind"] == "bill_payment" and receipt["receipt_no"].startswith("JF")
    record = customer.api(f"/bill-payments/{receipt['bill_payment_id']}")
    assert record["status"] == "completed" and record["receipt_no"] == receipt["receipt_no"]
    assert Decimal(customer.balance(balance_kind)) == before - amount


def test_a_phone_call_pays_the_bill_and_hears_its_receipt_through_the_gateway(stack, text_gateway):  # noqa: F811
    """The whole stack with the gateway's phone line (<Say> text, tests/gateway/test_phone_stack.py): 李大山 says
    交电费, hears the read-back, says no (key 2), cancels (算了), then pays (key 1) and hears the receipt the gateway
    reads from the bank's record: the 户号's last four only, the amount, the 收据号. From his 活期 account: the
    session's stack is shared, and tests/browser/test_real_assistant.py counts on his pension being untouched."""
    customer = login(stack, "李大山")
    call = Call(stack, text_gateway, f"CA-bill-{uuid.uuid4().hex[:8]}", caller="+8613800000002")
    call.post("/voice/incoming")
    call.post("/voice/gather", Digits="246802")
    assert "李大山" in call.last, call.heard

    def read_back() -> None:
        call.post("/voice/gather", SpeechResult="交电费")
        if "对吗" not in call.last:  # two accounts: which one pays
            call.post("/voice/gather", SpeechResult="活期账户")
        assert "电费" in call.last and "对吗" in call.last, call.heard

    before = Decimal(customer.balance("demand"))
    read_back()
    call.post("/voice/gather", Digits="2")
    assert "不交了" in call.last and "回单" not in call.last, call.heard
    read_back()
    call.post("/voice/gather", SpeechResult="算了")
    assert "钱没有动" in call.last and "收据号" not in call.last, call.heard
    assert Decimal(customer.balance("demand")) == before

    read_back()
    call.post("/voice/gather", Digits="1")
    said = call.last  # as Twilio's own voice reads it: digits in words, one by one for numbers
    assert "交好了" in said and "这笔的回单" in said and "户号尾号" in said and "请记下来" in said, call.heard
    assert said.index("这笔的回单") < said.index("还有别的事吗"), said  # before the next question
    paid = customer.api("/bill-payments?limit=1")[0]
    assert paid["status"] == "completed" and "JF" + read_digits(paid["receipt_no"][2:]) in said, said
    assert read_digits(paid["bill_account"]["account_no_display"]) not in said  # never the 户号 in full
    assert Decimal(customer.balance("demand")) == before - Decimal(paid["amount"])
    call.post("/voice/status", CallStatus="completed")
