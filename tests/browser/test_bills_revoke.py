"""Issue 12 in a real browser: a bill paid in the widget and at the kiosk, ending with its receipt (figures and
capitals, the 户号 masked, period, 收据号, print); a next-day transfer taken back in both; the staff panel's
family contact, set at the counter and shown beside a held transfer. Every screen is checked with axe-core
(AA + AAA) and the project's own size and layout checks at each text size, 24 to 56 px.

The language is the scripted Rasa's (tests/browser/fake_rasa.py); the money is the real backend's.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from backend.services import billers
from tests.browser.checks import assert_accessible, keypad_sign_in, layout_problems, screenshot
from tests.browser.conftest import NewPage, WebStack, _web_stack
from tests.browser.test_kiosk import staff_sign_in
from tests.browser.test_layout import SIZES, bigger, font_px, pages_printed, smallest
from tests.browser.test_widget import ask, last_bot

ZHANG = ("13800000001", "135790")
LI = ("13800000002", "246802")
CHEN = ("13800000003", "112233")


@pytest.fixture(scope="module")
def stack() -> Iterator[WebStack]:
    """A stack of its own: these tests pay bills and move money that the other modules count on."""
    with _web_stack() as s:
        yield s


def at_every_size(page: Any, state: str, shot: str | None = None, show: str = ".receipt") -> None:
    """axe (0 violations) and the size and layout checks at 24, 30 ... 56 px; at the largest, a screenshot with
    `show` scrolled to the top of the screen (what the senior looks at)."""
    smallest(page)
    for size in SIZES:
        if size > 24:
            bigger(page)
        assert font_px(page) == size
        assert_accessible(page, f"{state} at {size} px")
        problems = layout_problems(page)
        assert problems == [], f"{state} at {size} px: {problems}"
    if shot:
        page.locator(show).last.evaluate("n => n.scrollIntoView({block: 'start'})")
        screenshot(page, shot)
    smallest(page)


def press(page: Any, name: str) -> str:
    before = page.locator("#log li.msg.bot:not(.thinking)").count()
    last_bot(page).get_by_role("button", name=name, exact=True).click()
    page.wait_for_function(f"() => document.querySelectorAll('#log li.msg.bot:not(.thinking)').length > {before}")
    return last_bot(page).inner_text()


def open_receipt(page: Any) -> Any:
    last_bot(page).get_by_role("button", name="查看回单").click()
    receipt = page.locator(".receipt").last
    receipt.wait_for(state="visible")
    return receipt


def open_kiosk_for(page: Any, stack: WebStack, who: tuple[str, str]) -> None:
    staff_sign_in(page, stack.url + "/kiosk")
    page.locator("#login-view").wait_for(state="visible")
    keypad_sign_in(page, *who)


def balance(page: Any) -> str:
    m = re.search(r"余额是 ([\d.]+) 元", ask(page, "余额"))
    assert m, "no balance in the reply"
    return m.group(1)


def pay_the_electricity_bill(page: Any, amount: str, capitals: str, household_no: str, customer: str) -> Any:
    """交电费 -> the read-back (是，交… / 不交) -> 不交 first (nothing paid) -> again -> 是 -> the receipt."""
    readback = ask(page, "交电费")
    assert f"{amount} 元（{capitals}）" in readback
    # A bill's buttons say what they do (from the reply's bill_payment_id), never "转出" or "存入".
    yes = last_bot(page).get_by_role("button", name=f"是，交{amount}元")
    assert yes.is_visible() and last_bot(page).get_by_role("button", name="不交").is_visible()
    assert "不交了" in press(page, "不交")
    ask(page, "交电费")
    last_bot(page).get_by_role("button", name=f"是，交{amount}元").click()
    page.wait_for_function("() => document.querySelector('#log').innerText.includes('交好了')")
    receipt = open_receipt(page)
    text = receipt.inner_text()
    assert "缴费回单" in text and "电费（家里的电费）" in text and customer in text
    assert f"****{household_no[-4:]}" in text and household_no not in page.content()  # the 户号 masked
    assert amount in text and capitals in text and re.search(r"账期\s*\d{4}年\d{1,2}月", text)
    assert re.search(r"收据号\s*JF\d{16}", text) and re.search(r"时间\s*\d{4}-\d\d-\d\d \d\d:\d\d", text)
    assert "已交好" in text and receipt.get_by_role("button", name="打印回单").is_visible()
    return receipt


def test_widget_pays_the_electricity_bill_and_shows_the_receipt(stack: WebStack, new_page: NewPage) -> None:
    page = new_page(width=320, height=640)
    page.goto(stack.url + "/")
    keypad_sign_in(page, *ZHANG)
    receipt = pay_the_electricity_bill(page, "128.60", "壹佰贰拾捌元陆角", billers.DEMO_ZHANG_POWER, "张桂兰")
    assert receipt.is_visible()
    at_every_size(page, "widget 320 px: bill receipt", "bill-receipt-56px-320.png")
    # Paid once: asked again, the bank says it is paid, nothing is read back.
    assert "已经交过了" in ask(page, "交电费") and not last_bot(page).get_by_role("button").filter(
        has_text="是，交").count()


def test_kiosk_pays_the_electricity_bill_and_prints_the_receipt(stack: WebStack, new_page: NewPage) -> None:
    kiosk = new_page(width=1280, height=800)
    open_kiosk_for(kiosk, stack, LI)
    receipt = pay_the_electricity_bill(kiosk, "67.20", "陆拾柒元贰角", billers.DEMO_LI_POWER, "李大山")
    # Print: the print CSS keeps only the receipt, on one A4 page.
    receipt.get_by_role("button", name="打印回单").evaluate("b => b.closest('.receipt').classList.add('print-me')")
    assert pages_printed(kiosk) == 1
    at_every_size(kiosk, "kiosk: bill receipt", "kiosk-bill-receipt-56px.png")


def take_back_a_next_day_transfer(page: Any, payee_words: str) -> None:
    before = balance(page)
    ask(page, f"给{payee_words}转100元明天到")
    done = press(page, "是，转出100.00元")
    assert "已经从您的账户转出" in done and "撤回" in done
    assert balance(page) != before
    readback = ask(page, "刚才那笔撤回")
    assert "100.00 元（壹佰元整）" in readback and "还没有到账" in readback
    # A money decision, in the dialogue's words: the filled yes and the red-outlined no, far apart.
    assert last_bot(page).locator("button.yes", has_text="是，撤回").is_visible()
    assert last_bot(page).locator("button.no", has_text="不撤回").is_visible()
    assert "撤回好了" in press(page, "是，撤回")
    assert balance(page) == before  # the money is back, nothing left the bank
    ask(page, "刚才那笔撤回")
    assert "没有能撤回" in last_bot(page).inner_text()


def test_widget_takes_back_a_next_day_transfer(stack: WebStack, new_page: NewPage) -> None:
    page = new_page(width=320, height=640)
    page.goto(stack.url + "/")
    keypad_sign_in(page, *ZHANG)
    take_back_a_next_day_transfer(page, "儿子")
    at_every_size(page, "widget 320 px: transfer taken back", "revoke-56px-320.png",
                  show="#log li.msg.bot:has-text('撤回好了')")


def test_kiosk_takes_back_a_next_day_transfer_and_its_receipt_says_so(stack: WebStack, new_page: NewPage) -> None:
    kiosk = new_page(width=1280, height=800)
    open_kiosk_for(kiosk, stack, LI)
    take_back_a_next_day_transfer(kiosk, "闺女")
    # The 撤回好了 reply's receipt: the transfer, taken back.
    kiosk.locator("#log li.msg.bot", has_text="撤回好了").last.get_by_role("button", name="查看回单").click()
    receipt = kiosk.locator(".receipt").last
    receipt.wait_for(state="visible")
    assert "已撤回" in receipt.inner_text() and "壹佰元整" in receipt.inner_text()
    at_every_size(kiosk, "kiosk: transfer taken back, receipt", "kiosk-revoke-56px.png")


def test_staff_set_the_family_contact_and_see_it_beside_a_held_transfer(stack: WebStack, new_page: NewPage) -> None:
    panel = new_page(width=1280, height=800)
    staff_sign_in(panel, stack.url + "/kiosk/staff")
    panel.locator("#panel").wait_for(state="visible")
    assert_accessible(panel, "staff panel: family contact, empty")
    # A number that is no customer's: said in words.
    panel.locator("#family-customer-phone").fill("13900000099")
    panel.get_by_role("button", name="查找客户").click()
    panel.wait_for_function("() => document.querySelector('#family-error').innerText.includes('没有找到')")
    panel.locator("#family-customer-phone").fill("138 0000 0003")
    panel.get_by_role("button", name="查找客户").click()
    panel.locator("#family-customer").wait_for(state="visible")
    assert "陈阿婆" in panel.locator("#family-who").inner_text()
    assert "13900000031" in panel.locator("#family-current").inner_text()  # the demo's 女儿 陈美玲
    # A wrong number: a plain Chinese sentence, nothing saved.
    panel.locator("#family-phone").fill("1390000003")
    panel.get_by_role("button", name="保存亲情联系人").click()
    error = panel.locator("#family-error")
    error.wait_for(state="visible")
    assert "11 位数字" in error.inner_text()
    assert_accessible(panel, "staff panel: family contact, wrong number")
    panel.locator("#family-name").fill("陈美玲")
    panel.locator("#family-relationship").fill("女儿")
    panel.locator("#family-phone").fill("139 0000 0032")
    panel.get_by_role("button", name="保存亲情联系人").click()
    panel.wait_for_function("() => document.querySelector('#family-current').innerText.includes('13900000032')")
    assert "已保存" in error.inner_text()
    at_every_size(panel, "staff panel: family contact saved")

    # The customer's transfer is held (a new payee): the card shows the contact's number to call.
    kiosk = new_page(width=1280, height=800)
    open_kiosk_for(kiosk, stack, CHEN)
    ask(kiosk, "给孙子转200元")
    last_bot(kiosk).get_by_role("button", name="是，转出200.00元").click()
    kiosk.wait_for_function("() => document.querySelector('#log').innerText.includes('工作人员核对')")
    card = panel.locator("#approvals article", has_text="陈阿婆")
    card.wait_for(state="visible")
    call = card.get_by_role("link", name=re.compile("13900000032"))
    assert call.is_visible() and call.get_attribute("href") == "tel:13900000032"
    assert "女儿 陈美玲" in card.inner_text()
    at_every_size(panel, "staff panel: held transfer with the family contact", "staff-family-contact-56px.png",
                  show="#approvals article")

    # The customer asks for a person: the live transcript says so, from the line's kind (not its words).
    ask(kiosk, "转人工")
    live = panel.locator("#transcripts article", has_text="陈阿婆")
    live.get_by_text("客户要求转人工，请过去帮忙。").wait_for(state="visible")

    # Removed: the card no longer offers a number.
    panel.get_by_role("button", name="删除亲情联系人").click()
    panel.wait_for_function("() => document.querySelector('#family-current').innerText.includes('还没有')")
    panel.wait_for_function(
        "() => ![...document.querySelectorAll('#approvals a.tel')].some(a => a.href.includes('13900000032'))",
        timeout=10_000)
    card.get_by_role("button", name="✖ 拒绝").click()
