"""Whole conversations through Rasa's REST channel, checked against the real backend afterwards."""
from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from money import to_capitals
from tests.conversations.conftest import Customer, login, text_of

pytestmark = pytest.mark.rasa


def test_balance_in_digits_and_capitals(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    balance = Decimal(customer.balance())
    replies = customer.say("查一下余额")
    assert f"余额{balance}元" in text_of(replies)
    assert to_capitals(balance) in text_of(replies)
    assert all(r["custom"]["speech_rate"] == 1.0 for r in replies)


def test_transfer_to_the_son_is_read_back_confirmed_and_booked(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    before = Decimal(customer.balance())
    read_back = customer.say("给儿子转500块")
    assert "给儿子王小明转账500.00元" in text_of(read_back)
    assert "伍佰元整" in text_of(read_back)
    assert [b["title"] for b in read_back[-1]["buttons"]] == ["是", "否"]
    assert Decimal(customer.balance()) == before, "nothing moves before the yes"
    # When it arrives is said from the bank's pending record (issue 12), in the read-back and when done.
    record = customer.api(f"/transfers/{read_back[-1]['custom']['transfer_id']}")
    arrives = {"realtime": "实时到账", "normal": "两小时后到账", "next_day": "明天这个时候到账"}[record["arrival_mode"]]
    assert arrives in text_of(read_back)

    done = customer.say("是")
    assert "转好了" in text_of(done) and arrives in text_of(done)
    assert Decimal(customer.balance()) == before - Decimal("500.00")
    account = next(a for a in customer.api("/accounts") if a["kind"] == "demand")
    latest = customer.api(f"/accounts/{account['id']}/transactions?limit=1")["items"][0]
    assert latest["amount"] == "-500.00"

    # A second yes after the transfer is done does not pay again.
    customer.say("是")
    assert Decimal(customer.balance()) == before - Decimal("500.00")


def test_cancel_in_the_middle_moves_nothing(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    before = customer.balance()
    customer.say("我要转账")
    customer.say("给女儿")
    replies = customer.say("算了，不转了")
    assert "钱没有动" in text_of(replies)
    assert customer.say("是")  # an affirm afterwards starts nothing
    assert customer.balance() == before


def test_time_deposit(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    deposits_before = len(customer.api("/deposits"))
    assert "存多长时间" in text_of(customer.say("我想存定期"))
    assert "存多少钱" in text_of(customer.say("一年"))
    assert "到期以后怎么办" in text_of(customer.say("一万块"))  # renew (the default) or back to 活期
    read_back = customer.say("自动转存")
    assert "到期自动转存" in text_of(read_back)
    assert "年利率" in text_of(read_back) and "到期利息约" in text_of(read_back) and "壹万元整" in text_of(read_back)
    assert "存好了" in text_of(customer.say("是"))
    deposits = customer.api("/deposits")
    assert len(deposits) == deposits_before + 1
    assert any(d["principal"] == "10000.00" and d["expected_interest"] == "110.00" for d in deposits)


def test_new_payee_transfer_is_held_not_reported_done(assistant_stack):
    customer = login(assistant_stack, "陈阿婆")
    before = customer.balance()
    customer.say("给孙子转一千")
    replies = customer.say("是")
    assert "还没有转出" in text_of(replies) and "转好了" not in text_of(replies)
    assert customer.balance() == before


# The scam stories below put their customer under the 24-hour cooling-off: 李大山 is kept for them, so the
# other tests' transfers (张桂兰, 陈阿婆) are not held for SCAM_RISK.
def test_a_scam_story_as_the_opening_message_warns_and_offers_a_person(assistant_stack):
    customer = login(assistant_stack, "李大山")
    before = customer.balance()
    replies = customer.say("银行的人打电话说我卡不安全，让我把钱挪到一个新账户里")
    assert "96110" in text_of(replies)
    custom = replies[0]["custom"]
    assert custom["risk"] == {"kind": "fraud", "family": "customer_service", "level": "stop"}
    assert custom["handoff"]["reason"] == "fraud"
    assert [b["payload"] for b in replies[0]["buttons"]] == ["/human_handoff"]
    assert customer.api("/me")["cooling_off_until"] is not None
    assert customer.balance() == before


def test_a_scam_story_at_the_read_back_then_yes_moves_no_money(assistant_stack):
    customer = login(assistant_stack, "李大山")
    before = {a["id"]: a["balance"] for a in customer.api("/accounts")}
    customer.say("给闺女转十块")
    read_back = customer.say("从活期出")
    assert "转账10.00元" in text_of(read_back)
    pending = read_back[-1]["custom"]["pending_id"]
    stop = customer.say("我老同学说他急着用钱，叫我先转两千给他侄子")
    assert "96110" in text_of(stop) and stop[0]["custom"]["risk"]["family"] == "relative"
    after = customer.say("是")
    assert "转好了" not in text_of(after)
    assert customer.api(f"/transfers/{pending}")["status"] == "cancelled"
    assert {a["id"]: a["balance"] for a in customer.api("/accounts")} == before


def test_the_read_back_is_a_pending_record_that_yes_confirms(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    read_back = customer.say("给女儿转20块")
    pending = read_back[-1]["custom"]["pending_id"]
    assert read_back[-1]["custom"]["transfer_id"] == pending
    assert customer.api(f"/transfers/{pending}")["status"] == "pending"
    done = customer.say("是")
    assert "转好了" in text_of(done)
    assert customer.api(f"/transfers/{pending}")["status"] == "completed"
    assert done[0]["custom"]["receipt"] == {"transfer_id": pending}


def test_the_read_back_said_again_confirms_the_same_record(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    before = Decimal(customer.balance())
    pending = customer.say("给儿子转30块")[-1]["custom"]["pending_id"]
    again = customer.say("再说一遍")
    assert "转账30.00元" in text_of(again) and again[-1]["custom"]["pending_id"] == pending
    assert "转好了" in text_of(customer.say("是"))
    assert customer.api(f"/transfers/{pending}")["status"] == "completed"
    assert Decimal(customer.balance()) == before - Decimal("30.00")


def test_a_rating_does_not_open_the_transfer_form(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    replies = customer.say("给《活着》这本书打五颗星")
    assert "转给谁" not in text_of(replies) and "我能帮您" in text_of(replies)


def test_without_a_token_the_customer_is_asked_to_sign_in(assistant_stack):
    assert "请先登录" in text_of(Customer(assistant_stack, None).say("查余额"))


def test_slower_lowers_the_speech_rate_of_later_replies(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    customer.say("查余额")
    slower = customer.say("说慢一点")
    assert all(r["custom"]["speech_rate"] == 0.85 for r in slower)
    assert all(r["custom"]["speech_rate"] == 0.85 for r in customer.say("查余额"))


def test_the_stored_conversation_holds_no_token(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    customer.say("给儿子转100块")
    customer.say("不对")
    stored = httpx.get(f"{assistant_stack.rasa_url}/conversations/{customer.sender}/tracker",
                       params={"token": assistant_stack.rasa_token}, timeout=10).text
    assert '"channel": "web"' in stored.replace('":"', '": "')  # the rest of the metadata is kept
    assert customer.token and customer.token not in stored


def test_repeat_says_the_last_reply_again(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    first = customer.say("查余额")
    again = customer.say("再说一遍")
    assert [r["text"] for r in again] == [r["text"] for r in first]


def test_two_misunderstandings_offer_a_person_who_gets_a_summary(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    first = customer.say("asdkjh qwe")
    assert "转人工" in [b["title"] for b in first[-1]["buttons"]]
    second = customer.say("粗粗粗粗啊")
    assert "要不要转人工" in text_of(second)
    handoff = customer.say("转人工")
    custom = handoff[0]["custom"]
    assert custom["handoff"]["reason"] == "misunderstood" and "没听懂" in custom["handoff"]["summary"]
    assert customer.token not in custom["handoff"]["summary"]
