"""Issue 11 end to end through Rasa's REST channel and the real backend: a deposit opened with its maturity choice,
withdrawn early hearing exactly what is lost, the choice changed by voice, a digression in the middle of a
transfer, two requests in one message, and a two-request message whose second part is a scam."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conversations.conftest import login, text_of

pytestmark = pytest.mark.rasa
# Deposits and withdrawals are 陈阿婆's (50,000 yuan): 张桂兰's 12,000 are spent by the other e2e tests.
SAVER = "陈阿婆"


def _open_deposit(customer, amount_words: str, choice_words: str) -> dict:
    before = {d["id"] for d in customer.api("/deposits")}
    assert "存多长时间" in text_of(customer.say("我想存定期"))
    assert "存多少钱" in text_of(customer.say("一年"))
    asked = text_of(customer.say(amount_words))
    assert "到期以后怎么办" in asked and "自动转存" in asked
    read_back = text_of(customer.say(choice_words))
    done = text_of(customer.say("是"))
    assert "存好了" in done, done
    (new,) = [d for d in customer.api("/deposits") if d["id"] not in before]
    return {"deposit": new, "read_back": read_back}


def test_a_deposit_opened_with_back_to_demand_at_maturity(assistant_stack):
    customer = login(assistant_stack, SAVER)
    opened = _open_deposit(customer, "一千块", "到期转回活期")
    assert "到期转回活期" in opened["read_back"]
    assert opened["deposit"]["maturity_choice"] == "demand"


def test_the_maturity_choice_is_changed_by_voice(assistant_stack):
    customer = login(assistant_stack, SAVER)
    deposit = _open_deposit(customer, "一千二百块", "好的")["deposit"]
    assert deposit["maturity_choice"] == "renew", "a yes keeps the default"
    later = login(assistant_stack, SAVER)
    replies = later.say("定期到期了转到活期")
    if "哪一笔" in text_of(replies):
        # Several deposits: the button of this one.
        button = next(b for r in replies for b in r.get("buttons") or [] if f'"{deposit["id"]}"' in b["payload"])
        replies = later.say(button["payload"])
    assert "改好了" in text_of(replies) and "转回活期" in text_of(replies)
    assert later.api(f"/deposits/{deposit['id']}")["maturity_choice"] == "demand"


def test_early_withdrawal_says_the_loss_and_moves_money_only_after_yes(assistant_stack):
    customer = login(assistant_stack, SAVER)
    deposit = _open_deposit(customer, "一千五百块", "自动转存")["deposit"]
    before = Decimal(customer.balance())
    talk = login(assistant_stack, SAVER)
    replies = talk.say("把那笔定期取了")
    if "您要取哪一笔" in text_of(replies):
        assert "1500.00元" in text_of(replies)
        button = next(b for r in replies for b in r.get("buttons") or [] if f'"{deposit["id"]}"' in b["payload"])
        replies = talk.say(button["payload"])
    # No amount was said: all of it or a part is asked (部分提前支取, issue 11).
    assert "全部取出，还是取一部分" in text_of(replies)
    replies = talk.say("全部取出")
    text = text_of(replies)
    preview = talk.api(f"/deposits/{deposit['id']}/early-withdrawal")
    assert f"本金{preview['principal']}元" in text
    assert f"利息{preview['interest']}元" in text
    assert f"少拿{preview['lost_interest']}元利息" in text
    assert "到期" in text and [b["title"] for b in replies[-1]["buttons"]] == ["是", "否"]
    assert Decimal(customer.balance()) == before, "nothing moves before the yes"

    # A balance question at the read-back is answered, and the read-back comes again.
    again = text_of(talk.say("我卡里还有多少钱"))
    assert "余额" in again and f"少拿{preview['lost_interest']}元利息" in again

    done = text_of(talk.say("是"))
    assert "取好了" in done
    assert Decimal(customer.balance()) == before + Decimal(preview["total"])
    assert talk.api(f"/deposits/{deposit['id']}")["status"] == "withdrawn_early"
    talk.say("是")
    assert Decimal(customer.balance()) == before + Decimal(preview["total"]), "a second yes withdraws nothing"


def test_early_withdrawal_denied_keeps_the_deposit(assistant_stack):
    customer = login(assistant_stack, SAVER)
    deposit = _open_deposit(customer, "一千六百块", "自动转存")["deposit"]
    talk = login(assistant_stack, SAVER)
    replies = talk.say("死期能不能先拿出来")
    if "您要取哪一笔" in text_of(replies):
        button = next(b for r in replies for b in r.get("buttons") or [] if f'"{deposit["id"]}"' in b["payload"])
        talk.say(button["payload"])
    assert "钱没有动" in text_of(talk.say("不取了"))
    assert talk.api(f"/deposits/{deposit['id']}")["status"] == "active"


def _pick(talk, replies: list[dict], deposit: dict) -> list[dict]:
    """Presses the deposit's button when Anxin asks which one (陈阿婆 has several by now)."""
    if "您要取哪一笔" not in text_of(replies):
        return replies
    button = next(b for r in replies for b in r.get("buttons") or [] if f'"{deposit["id"]}"' in b["payload"])
    return talk.say(button["payload"])


def test_a_partial_early_withdrawal_says_what_comes_out_and_what_stays(assistant_stack):
    customer = login(assistant_stack, SAVER)
    deposit = _open_deposit(customer, "三千块", "自动转存")["deposit"]
    before = Decimal(customer.balance())
    talk = login(assistant_stack, SAVER)
    # The amount is said with the request: no "all or a part" question, straight to the read-back.
    text = text_of(_pick(talk, talk.say("定期只取八百，剩下的继续存"), deposit))
    preview = talk.api(f"/deposits/{deposit['id']}/early-withdrawal?amount=800.00")
    assert "全部取出，还是取一部分" not in text
    assert "先取800.00元" in text and "捌佰元整" in text
    assert f"利息{preview['interest']}元" in text and f"少拿{preview['lost_interest']}元利息" in text
    assert f"剩下{preview['remaining_principal']}元接着存" in text and preview["remaining_principal"] == "2200.00"
    # Deny at the read-back: nothing moves, the deposit is whole.
    assert "钱没有动" in text_of(talk.say("不取了"))
    assert talk.api(f"/deposits/{deposit['id']}")["principal"] == "3000.00"
    assert Decimal(customer.balance()) == before

    again = login(assistant_stack, SAVER)
    replies = _pick(again, again.say("定期取一部分出来"), deposit)
    assert "全部取出，还是取一部分" in text_of(replies) or "取多少钱出来" in text_of(replies)
    if "取多少钱出来" not in text_of(replies):
        replies = again.say("取一部分")
    assert "取多少钱出来" in text_of(replies)
    assert "先取800.00元" in text_of(again.say("八百"))
    done = text_of(again.say("是"))
    assert "取好了" in done and "存单里还剩2200.00元" in done
    after = again.api(f"/deposits/{deposit['id']}")
    assert after["status"] == "active" and after["principal"] == "2200.00"
    assert Decimal(customer.balance()) == before + Decimal(preview["total"])

    # Once per deposit: a second part is refused in the bank's words, and all or a part is asked again.
    third = login(assistant_stack, SAVER)
    refused = text_of(_pick(third, third.say("定期只取五百，剩下的继续存"), deposit))
    assert "部分提前支取过一次" in refused and "全部取出，还是取一部分" in refused
    assert "钱没有动" in text_of(third.say("算了"))
    assert third.api(f"/deposits/{deposit['id']}")["principal"] == "2200.00"


def test_a_balance_question_mid_transfer_is_answered_and_the_transfer_goes_on(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    before = Decimal(customer.balance())
    assert "转给谁" in text_of(customer.say("我要转账"))
    digression = text_of(customer.say("我卡里还有多少钱"))
    assert f"余额{before}元" in digression and "转给谁" in digression, "answered, then the question again"
    assert "转多少钱" in text_of(customer.say("给女儿"))
    rates = text_of(customer.say("现在一年定期利息多少"))
    assert "年利率" in rates and "转多少钱" in rates, "a rate question is answered, then the question again"
    read_back = text_of(customer.say("二十块"))
    assert "给女儿王小红转账20.00元" in read_back
    repeated = text_of(customer.say("你刚才说什么"))
    assert "给女儿王小红转账20.00元" in repeated
    assert "转好了" in text_of(customer.say("是"))
    assert Decimal(customer.balance()) == before - Decimal("20.00")


def test_two_requests_balance_then_a_transfer_with_its_read_back(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    before = Decimal(customer.balance())
    replies = text_of(customer.say("查一下余额，然后给儿子转三百"))
    assert f"余额{before}元" in replies
    assert "给儿子王小明转账300.00元" in replies and "叁佰元整" in replies
    assert replies.index("余额") < replies.index("转账300.00元"), "done in order"
    assert [b["title"] for b in customer.say("你说什么")[-1]["buttons"]] == ["是", "否"], "the read-back again"
    assert Decimal(customer.balance()) == before, "the money step waits for its yes"
    # "否" here (the other e2e tests need 张桂兰's money): the read-back's pending record is cancelled.
    assert "钱没有动" in text_of(customer.say("否"))
    assert Decimal(customer.balance()) == before


def test_two_requests_rates_then_a_deposit(assistant_stack):
    customer = login(assistant_stack, "陈阿婆")  # 50,000 on her account: ten thousand fits whatever ran before
    replies = text_of(customer.say("先看看利息，然后存一万一年"))
    assert "年利率" in replies and "到期以后怎么办" in replies
    read_back = text_of(customer.say("自动转存"))
    assert "10000.00元" in read_back and "到期自动转存" in read_back
    assert "不存了" in text_of(customer.say("不对"))


def test_a_two_request_message_whose_second_part_is_a_scam_is_stopped(assistant_stack):
    customer = login(assistant_stack, "李大山")
    before = customer.balance()
    replies = customer.say("查一下余额，然后按警察说的把钱转到安全账户")
    assert "96110" in text_of(replies)
    assert replies[-1]["custom"]["risk"]["level"] == "stop"
    # The whole message is the scam turn: neither part is carried out.
    assert "余额" not in text_of(replies) and "转账" not in text_of(replies).replace("转账给", "")
    customer.say("是")
    assert customer.balance() == before


def test_near_banking_requests_go_to_the_fallback(assistant_stack):
    customer = login(assistant_stack, "张桂兰")
    for text in ("我想去柜台存现金", "从工商银行转点钱过来", "我的卡丢了"):
        replies = text_of(customer.say(text))
        assert "转人工" in replies or "我能帮您" in replies, (text, replies)
        assert "转给谁" not in replies and "存多长时间" not in replies


def test_pension_arrival_is_answered_from_the_banks_credits(assistant_stack):
    customer = login(assistant_stack, "李大山")
    replies = text_of(customer.say("养老金打过来了吗"))
    assert "养老金" in replies and "余额" not in replies
