"""The kiosk in a real browser: staff sign the device in, a customer identifies on the keypad, a held transfer
is approved from the staff panel (with the live transcript), and inactivity clears the customer after a
visible countdown with "需要更多时间"."""
from __future__ import annotations

import re
from typing import Any

from tests.browser.checks import assert_accessible, keypad_sign_in, no_horizontal_scroll, screenshot
from tests.browser.conftest import KIOSK_IDLE_S, KIOSK_WARN_S, NewPage, WebStack
from tests.browser.test_widget import ask, last_bot

CHEN = ("13800000003", "112233")
ZHANG = ("13800000001", "135790")


def staff_sign_in(page: Any, url: str) -> None:
    page.goto(url)
    page.locator("#staff-view").wait_for(state="visible")
    page.locator("#staff-user").fill("staff")
    page.locator("#staff-pass").fill("anxin-staff")
    page.locator("#staff-form button[type=submit]").click()


def open_kiosk(page: Any, stack: WebStack) -> None:
    staff_sign_in(page, stack.url + "/kiosk")
    page.locator("#login-view").wait_for(state="visible")
    assert "王柜员" in page.locator("#station").inner_text()


def test_held_transfer_is_approved_from_the_staff_panel(web_stack: WebStack, new_page: NewPage) -> None:
    kiosk = new_page(width=1280, height=900)
    staff_sign_in(kiosk, web_stack.url + "/kiosk")
    kiosk.locator("#login-view").wait_for(state="visible")
    assert_accessible(kiosk, "kiosk: customer sign-in")
    screenshot(kiosk, "kiosk-sign-in.png")
    keypad_sign_in(kiosk, *CHEN)
    readback = ask(kiosk, "给孙子转200元")
    assert "陈小宝" in readback and "200.00 元（贰佰元整）" in readback
    last_bot(kiosk).get_by_role("button", name="是，转出200.00元").click()
    kiosk.wait_for_function("() => document.querySelector('#log').innerText.includes('工作人员核对')")
    assert_accessible(kiosk, "kiosk: transfer held")

    # The staff member's own device: the approvals queue and the live transcript of the kiosk.
    panel = new_page(width=1280, height=900)
    staff_sign_in(panel, web_stack.url + "/kiosk/staff")
    card = panel.locator("#approvals article", has_text="陈阿婆")
    card.wait_for(state="visible")
    assert "200.00 元（贰佰元整）" in card.inner_text() and "新收款人" in card.inner_text()
    # What tells two cards apart: the time, the kiosk, the transfer number.
    assert re.search(r"时间：\d{4}-\d\d-\d\d \d\d:\d\d", card.inner_text())
    assert "自助机（王柜员登录）" in card.inner_text() and re.search(r"转账编号：\d+", card.inner_text())
    # The family contact's number, when the backend gives one (issue 12), as a tap-to-call link.
    items = panel.evaluate("async () => (await (await fetch('/api/staff/approvals')).json()).items")
    family = next((i.get("family_contact") for i in items if i["customer_name"] == "陈阿婆"), None)
    if family and family.get("phone"):
        assert card.get_by_role("link", name=re.compile(re.escape(family["phone"]))).is_visible()
    live = panel.locator("#transcripts article", has_text="陈阿婆")
    live.wait_for(state="visible")
    assert "给孙子转200元" in live.inner_text() and "工作人员核对" in live.inner_text()
    assert "对，转吧" in live.inner_text() and "/affirm" not in live.inner_text()  # the offered button's title
    assert_accessible(panel, "staff panel: approval pending")
    screenshot(panel, "staff-panel.png")
    card.get_by_role("button", name="✔ 批准").click()
    panel.wait_for_function("() => document.querySelector('#status').innerText.includes('已批准')")
    panel.locator("#approvals article", has_text="陈阿婆").wait_for(state="detached")

    # Back at the kiosk: the customer is told on screen, and the receipt shows the transfer done.
    kiosk.wait_for_function("() => document.querySelector('#log').innerText.includes('工作人员已经核对好了')")
    # Worded like every amount message: who (with the relationship), digits and capitals, read aloud. A payee
    # saved today gets next-day arrival (issue 12): on its way, revocable until it arrives.
    decision = last_bot(kiosk).inner_text()
    assert "给孙子陈小宝的 200.00 元（贰佰元整）已经转出" in decision and "到账以前还可以撤回" in decision
    assert last_bot(kiosk).get_by_role("button", name="▶ 朗读这句").is_visible()
    last_bot(kiosk).get_by_role("button", name="查看回单").click()
    receipt = kiosk.locator(".receipt")
    receipt.wait_for(state="visible")
    assert "已转出，还没到账" in receipt.inner_text() and "贰佰元整" in receipt.inner_text()
    assert re.search(r"到账时间\s*\d{4}-\d\d-\d\d \d\d:\d\d", receipt.inner_text())
    assert_accessible(kiosk, "kiosk: receipt")
    screenshot(kiosk, "kiosk.png")

    # The customer leaves: nothing of them stays, the staff panel's transcript is gone.
    kiosk.get_by_role("button", name="结束办理").click()
    kiosk.locator("#login-view").wait_for(state="visible")
    assert "陈阿婆" not in kiosk.content() and "陈小宝" not in kiosk.content()
    panel.wait_for_function("() => !document.querySelector('#transcripts').innerText.includes('陈阿婆')")


def test_the_kiosk_station_sign_in_cannot_open_the_staff_panel(web_stack: WebStack, new_page: NewPage) -> None:
    kiosk = new_page()
    open_kiosk(kiosk, web_stack)
    kiosk.goto(web_stack.url + "/kiosk/staff")
    kiosk.locator("#staff-view").wait_for(state="visible")  # asks for a staff sign-in of its own
    assert kiosk.locator("#panel").is_hidden()
    assert_accessible(kiosk, "staff panel: sign-in")
    status = kiosk.evaluate("async () => (await fetch('/api/staff/approvals')).status")
    assert status == 401


def test_kiosk_clears_the_customer_after_a_visible_countdown(short_timeout_stack: WebStack,
                                                             new_page: NewPage) -> None:
    kiosk = new_page(width=1280, height=900)
    open_kiosk(kiosk, short_timeout_stack)
    keypad_sign_in(kiosk, *ZHANG)
    assert "12000.00" in ask(kiosk, "余额")
    kiosk.get_by_role("button", name="字大一点").click()

    # The countdown appears before the end, with "需要更多时间".
    banner = kiosk.locator("#timeout")
    banner.wait_for(state="visible", timeout=(KIOSK_IDLE_S + 5) * 1000)
    left = int(kiosk.locator("#countdown").inner_text())
    assert 0 < left <= KIOSK_WARN_S
    assert kiosk.evaluate("() => window.Anxin.beeps || 0") >= 1  # heard, not only seen (WebAudio beep)
    assert_accessible(kiosk, "kiosk: inactivity countdown")
    no_horizontal_scroll(kiosk)
    screenshot(kiosk, "kiosk-countdown.png")
    kiosk.get_by_role("button", name="需要更多时间").click()
    banner.wait_for(state="hidden")
    assert "12000.00" in kiosk.locator("#log").inner_text()  # still the same visit

    # No answer this time: the visit ends and the page starts afresh.
    banner.wait_for(state="visible", timeout=(KIOSK_IDLE_S + 5) * 1000)
    kiosk.wait_for_function("() => document.querySelector('#log').childElementCount === 0",
                            timeout=(KIOSK_WARN_S + 10) * 1000)
    kiosk.locator("#login-view").wait_for(state="visible")
    assert "张桂兰" not in kiosk.content() and "12000.00" not in kiosk.content()
    assert kiosk.evaluate("() => sessionStorage.length + localStorage.length") == 0
    assert kiosk.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") == 24
    state = kiosk.evaluate("async () => (await fetch('/api/session')).json()")
    assert state["signed_in"] is False and state["name"] == "" and state["staff"]["name"] == "王柜员"


def test_half_typed_digits_also_time_out_with_a_countdown(short_timeout_stack: WebStack, new_page: NewPage) -> None:
    kiosk = new_page()
    open_kiosk(kiosk, short_timeout_stack)
    for digit in "138":
        kiosk.locator("#keypad").get_by_role("button", name=digit, exact=True).click()
    assert kiosk.locator("#phone").input_value() == "138"
    kiosk.locator("#timeout").wait_for(state="visible", timeout=(KIOSK_IDLE_S + 5) * 1000)
    kiosk.wait_for_function("() => document.querySelector('#phone').value === ''",
                            timeout=(KIOSK_WARN_S + 5) * 1000)
    assert kiosk.locator("#timeout").is_hidden()


def test_kiosk_at_the_largest_text_and_on_a_portrait_tablet(web_stack: WebStack, new_page: NewPage) -> None:
    kiosk = new_page(width=768, height=1024)
    open_kiosk(kiosk, web_stack)
    keypad_sign_in(kiosk, *ZHANG)
    ask(kiosk, "转人工")
    for _ in range(6):
        kiosk.get_by_role("button", name="字大一点").click()
    assert kiosk.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") >= 48
    no_horizontal_scroll(kiosk)
    assert_accessible(kiosk, "kiosk: portrait, largest text")
    screenshot(kiosk, "kiosk-large-text.png")
    kiosk.get_by_role("button", name="结束办理").click()
    kiosk.locator("#login-view").wait_for(state="visible")
    # A new visit starts at the standard size again (the previous customer's setting does not stay).
    assert kiosk.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") == 24


def test_a_kiosk_whose_staff_left_asks_for_staff_again(web_stack: WebStack, new_page: NewPage) -> None:
    kiosk = new_page()
    open_kiosk(kiosk, web_stack)
    # The station's sign-in ends behind the page's back (staff token expired, or signed out elsewhere).
    kiosk.evaluate("async () => { await fetch('/api/staff/logout', {method: 'POST', "
                   "headers: {'Content-Type': 'application/json'}, body: '{}'}); }")
    pad = kiosk.locator("#keypad")
    for digit in ZHANG[0] + ZHANG[1]:
        pad.get_by_role("button", name=digit, exact=True).click()
    kiosk.get_by_role("button", name="登录", exact=True).click()
    kiosk.wait_for_function("() => document.querySelector('#login-error').textContent.includes('工作人员')")
    kiosk.locator("#staff-view").wait_for(state="visible", timeout=10_000)
    assert kiosk.locator("#chat-view").is_hidden() and "张桂兰" not in kiosk.content()


def test_a_scam_story_at_the_kiosk_alerts_the_staff_panel_at_once(web_stack: WebStack, new_page: NewPage) -> None:
    panel = new_page(width=1280, height=900)
    staff_sign_in(panel, web_stack.url + "/kiosk/staff")
    panel.locator("#panel").wait_for(state="visible")
    assert panel.locator("#alarm").is_hidden()
    # Another customer is at a second kiosk already: the scam's card must come before theirs.
    other = new_page(width=1280, height=900)
    open_kiosk(other, web_stack)
    keypad_sign_in(other, *ZHANG)
    ask(other, "余额")
    kiosk = new_page(width=1280, height=900)
    open_kiosk(kiosk, web_stack)
    keypad_sign_in(kiosk, *CHEN)
    ask(kiosk, "给孙子转200元")
    warning = ask(kiosk, "电话里的民警叫我把钱转到安全账户，别告诉孩子")
    assert "96110" in warning and "工作人员马上过来" in last_bot(kiosk).inner_text()
    assert last_bot(kiosk).get_by_role("link").count() == 0  # no phone number to tap at the kiosk: staff come
    assert_accessible(kiosk, "kiosk: fraud stop, staff called")

    alarm = panel.locator("#alarm")
    alarm.wait_for(state="visible")
    assert "疑似诈骗，请马上过去" in alarm.inner_text() and "陈阿婆" in alarm.inner_text()
    first = panel.locator("#transcripts article").first
    assert "陈阿婆" in first.inner_text() and "疑似诈骗，请马上过去" in first.inner_text()
    assert "电话里的民警叫我把钱转到安全账户" in first.inner_text()  # with the transcript
    assert "alert" in (first.get_attribute("class") or "")
    assert "张桂兰" in panel.locator("#transcripts article").nth(1).inner_text()
    assert_accessible(panel, "staff panel: fraud alert from a kiosk")
    screenshot(panel, "staff-panel-fraud-alert.png")
    kiosk.get_by_role("button", name="结束办理").click()
    other.get_by_role("button", name="结束办理").click()
    panel.wait_for_function("() => !document.querySelector('#transcripts').innerText.includes('陈阿婆')")
    alarm.wait_for(state="hidden")
