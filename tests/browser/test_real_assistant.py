"""The widget against the whole real stack (backend, action server, Rasa with the trained model, gateway):
sign in, ask the balance, make a transfer with its read-back, and print the receipt."""
from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.checks import assert_accessible, keypad_sign_in, screenshot
from tests.browser.conftest import NewPage
from tests.browser.test_widget import ask, last_bot
from tests.support.stack import MODEL, VENV_RASA, Stack

pytestmark = pytest.mark.rasa


@pytest.fixture
def real(request: pytest.FixtureRequest) -> Stack:
    if not MODEL.exists() or not (VENV_RASA / "rasa").exists():
        pytest.skip("needs the trained model and .venv-rasa (make model)")
    return request.getfixturevalue("stack")


def answer_until(page: Any, text: str, want: str, tries: int = 3) -> str:
    """Asks, then follows the assistant's quick replies (the first one) until `want` shows up."""
    reply = ask(page, text)
    for _ in range(tries):
        if want in reply:
            return reply
        buttons = last_bot(page).locator(".choices button")
        if not buttons.count():
            break
        before = page.locator("#log li.msg.bot:not(.thinking)").count()
        buttons.first.click()
        page.wait_for_function(
            f"() => document.querySelectorAll('#log li.msg.bot:not(.thinking)').length > {before}")
        reply = last_bot(page).inner_text()
    return reply


def test_balance_and_transfer_with_the_real_assistant(real: Stack, new_page: NewPage) -> None:
    page = new_page()
    page.goto(real.gateway_url + "/")
    keypad_sign_in(page, "13800000002", "246802")  # 李大山
    reply = ask(page, "我的养老金还有多少钱")
    assert "3500.00" in reply and "叁仟伍佰元整" in reply
    assert page.locator("#log li.msg.bot").last.locator(".amount").count() >= 1
    assert_accessible(page, "real assistant: balance")
    readback = answer_until(page, "给闺女转200元", "对吗")
    assert "李春花" in readback and "贰佰元整" in readback
    yes = page.locator("#log li.msg.bot").last.get_by_role("button", name=re.compile(r"^是，转出\d"))
    assert yes.count() == 1, page.locator("#log").inner_text()
    yes.click()
    page.wait_for_function("() => document.querySelector('#log').innerText.includes('转好了')")
    page.locator("#log li.msg.bot", has_text="转好了").last.get_by_role("button", name="查看回单").click()
    receipt = page.locator(".receipt")
    receipt.wait_for(state="visible")
    assert "李春花" in receipt.inner_text() and "已完成" in receipt.inner_text()
    assert_accessible(page, "real assistant: transfer receipt")
    screenshot(page, "widget-real-assistant.png")


def test_held_transfer_at_the_kiosk_with_the_real_assistant(real: Stack, new_page: NewPage) -> None:
    from tests.browser.test_kiosk import staff_sign_in

    kiosk = new_page(width=1280, height=900)
    staff_sign_in(kiosk, real.gateway_url + "/kiosk")
    kiosk.locator("#login-view").wait_for(state="visible")
    keypad_sign_in(kiosk, "13800000003", "112233")  # 陈阿婆; her payee 孙子 was added today
    readback = answer_until(kiosk, "给孙子转300元", "对吗")
    assert "陈小宝" in readback and "叁佰元整" in readback
    yes = kiosk.locator("#log li.msg.bot").last.get_by_role("button", name=re.compile(r"^是，转出\d"))
    yes.click()
    kiosk.wait_for_function("() => document.querySelector('#log').innerText.includes('核对')")
    panel = new_page(width=1280, height=900)
    staff_sign_in(panel, real.gateway_url + "/kiosk/staff")
    card = panel.locator("#approvals article", has_text="陈阿婆")
    card.wait_for(state="visible")
    assert "300.00 元（叁佰元整）" in card.inner_text()
    live = panel.locator("#transcripts article", has_text="陈阿婆")
    assert "给孙子转300元" in live.inner_text()
    card.get_by_role("button", name="✔ 批准").click()
    kiosk.wait_for_function("() => document.querySelector('#log').innerText.includes('工作人员已经核对好了')")
    assert_accessible(kiosk, "real assistant: kiosk after approval")
