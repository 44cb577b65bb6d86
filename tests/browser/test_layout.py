"""Issue 16: the screens hold at every text step (24 to 56 px) on 320 and 360 px phones and the 1280 x 800
kiosk. One page per viewport; the size is stepped in the page with "字大一点", and at each step: no
horizontal scroll, every control on screen, whole and uncovered (elementFromPoint at its centre), amounts on
one line, "转人工" and "再说一遍" in view, the size buttons where they were. After each reply the first new
bubble is in view; answered money buttons are disabled; the receipt prints on one page."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.checks import (
    assert_accessible,
    in_view,
    keypad_sign_in,
    layout_problems,
    screenshot,
)
from tests.browser.conftest import NewPage, WebStack, _web_stack
from tests.browser.test_kiosk import staff_sign_in

ZHANG = ("13800000001", "135790")
LI = ("13800000002", "246802")
SIZES = [24, 30, 36, 42, 48, 56]
VIEWPORTS = {"phone-320": (320, 640), "phone-360": (360, 640), "kiosk": (1280, 800)}
BOT = "#log li.msg.bot:not(.thinking)"


@pytest.fixture(scope="module")
def layout_stack() -> Iterator[WebStack]:
    """A stack of its own: these tests move money, the other modules count on the demo balances."""
    with _web_stack() as s:
        yield s


def font_px(page: Any) -> float:
    return float(page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)"))


def bigger(page: Any) -> None:
    """One tap on 字大一点: the button stays where it was, and the size is said in words beside it."""
    button = page.locator("#font-up")
    button.scroll_into_view_if_needed()
    before = button.bounding_box()
    button.click()
    after = button.bounding_box()
    assert before and after
    assert abs(after["x"] - before["x"]) <= 1 and abs(after["y"] - before["y"]) <= 1, (before, after)
    feedback = page.locator("#size-status").inner_text()
    assert feedback.startswith("字号：") and "像素" not in feedback and "px" not in feedback
    assert in_view(page, "#size-status")


def smallest(page: Any) -> None:
    for _ in SIZES:
        page.locator("#font-down").click()
    assert font_px(page) == 24


def first_new_reply(page: Any, act: Any) -> Any:
    """Does `act`, waits for the reply, asserts its FIRST new bubble is in view; returns that bubble."""
    before = page.locator(BOT).count()
    act()
    page.wait_for_function(f"() => document.querySelectorAll({BOT!r}).length > {before}")
    page.wait_for_function("() => !document.querySelector('#log .thinking')")
    page.evaluate(f"""(n) => {{
      const all = [...document.querySelectorAll({BOT!r})];
      all.forEach(li => li.removeAttribute('data-first'));
      all[n].setAttribute('data-first', '1'); }}""", before)
    assert in_view(page, "#log li[data-first]", whole=False), "the first new bubble is not in view"
    assert in_view(page, "#human") and in_view(page, "#again")
    return page.locator(BOT).nth(before)


def ask(page: Any, text: str) -> Any:
    def act() -> None:
        page.locator("#text").fill(text)
        page.locator("#ask button[type=submit]").click()
    return first_new_reply(page, act)


def check_every_size(page: Any, state: str, chat: bool) -> None:
    """Steps 24 -> 56 px in the page; the layout holds at each step."""
    assert font_px(page) == 24
    for size in SIZES:
        if size > 24:
            bigger(page)
        assert font_px(page) == size
        problems = layout_problems(page)
        assert problems == [], f"{state} at {size} px: {problems}"
        if chat:
            assert in_view(page, "#human") and in_view(page, "#again"), f"{state} at {size} px"
    assert "最大" in page.locator("#size-status").inner_text()


def sign_in_fits_one_screen(page: Any, state: str) -> None:
    """At the standard size the whole keypad, its last row (清空 0 删除) and 登录 are on the first screen."""
    for sel in ("#phone", "#pin", "#keypad button[aria-label='清空当前这一栏']", "#keypad button[aria-label='删除一位']",
                "#login-form button[type=submit]"):
        assert in_view(page, sel), f"{state}: {sel} is below the fold"


def pages_printed(page: Any) -> int:
    pdf = page.pdf(format="A4", print_background=False)
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_text_size_on_every_screen(layout_stack: WebStack, new_page: NewPage, viewport: str) -> None:
    width, height = VIEWPORTS[viewport]
    kiosk = viewport == "kiosk"
    page = new_page(width=width, height=height)
    if kiosk:
        staff_sign_in(page, layout_stack.url + "/kiosk")
        page.locator("#login-view").wait_for(state="visible")
        assert "2 分钟" in page.locator("#limit").inner_text()  # the time limit, said at sign-in
    else:
        page.goto(layout_stack.url + "/")
        page.locator("#login-view").wait_for(state="visible")
    # Sign-in: one screen at the standard size; the staff control far below 登录 at the kiosk.
    sign_in_fits_one_screen(page, viewport)
    if kiosk:
        login = page.locator("#login-form button[type=submit]").bounding_box()
        out = page.locator("#staff-out").bounding_box()
        assert login and out and out["y"] - (login["y"] + login["height"]) >= 64
        screenshot(page, "kiosk-sign-in-1280x800.png")
    assert_accessible(page, f"{viewport}: sign-in")
    check_every_size(page, f"{viewport} sign-in", chat=False)
    smallest(page)

    keypad_sign_in(page, *(LI if kiosk else ZHANG))
    page.locator(BOT).first.wait_for()
    # The greeting and the buttons it mentions are above the bottom bar.
    assert in_view(page, "#log li.msg.bot .choices") and in_view(page, "#log li.msg.bot .read")
    balance = ask(page, "余额")
    assert balance.locator(".amount-digits").count() >= 1
    readback = ask(page, "给儿子转100元" if not kiosk else "给闺女转100元")
    yes = readback.get_by_role("button", name="是，转出100.00元")
    no = readback.get_by_role("button", name="不转", exact=True)
    assert yes.is_visible() and no.is_visible()
    assert in_view(page, "#log li[data-first] .choices")  # the decision is on screen at the standard size
    assert_accessible(page, f"{viewport}: read-back at 24 px")
    if viewport == "phone-360":
        screenshot(page, "widget-24px-360.png")
    check_every_size(page, f"{viewport} conversation", chat=True)
    assert_accessible(page, f"{viewport}: read-back at 56 px")
    if viewport == "phone-360":
        page.evaluate("() => document.querySelector('#log li[data-first]').scrollIntoView({block: 'start'})")
        screenshot(page, "widget-56px-360.png")

    # The decision, at the largest size: the answered buttons are closed, in this bubble and in the history.
    done = first_new_reply(page, yes.click)
    assert page.locator("#log .choices button:not([disabled])").count() == 0
    assert "chosen" in (yes.get_attribute("class") or "")
    assert done.get_by_role("button", name="查看回单").count() == 1
    # 再说一遍 says it is a repeat, and offers no second receipt (it is the same transfer).
    again = first_new_reply(page, page.locator("#again").click)
    assert again.inner_text().startswith("刚才说的是：")
    assert again.get_by_role("button", name="查看回单").count() == 0
    # The receipt: labels above values with large text, amounts whole, and one printed page.
    done.get_by_role("button", name="查看回单").click()
    receipt = page.locator(".receipt")
    receipt.wait_for(state="visible")
    dt, dd = receipt.locator("dt").first.bounding_box(), receipt.locator("dd").first.bounding_box()
    assert dt and dd
    # Stacked, or side by side only where the value column stays wide (a kiosk's full width).
    assert dd["y"] >= dt["y"] + dt["height"] - 1 or dd["width"] >= 10 * font_px(page), (dt, dd)
    assert layout_problems(page) == []
    receipt.get_by_role("button", name="打印回单").evaluate("b => b.closest('.receipt').classList.add('print-me')")
    assert pages_printed(page) == 1
    # 转人工: the bank's number to tap (web) or staff called (kiosk), and a waiting status.
    person = first_new_reply(page, page.locator("#human").click)
    if kiosk:
        assert person.get_by_role("link").count() == 0
    else:
        link = person.get_by_role("link", name=re.compile("银行客服"))
        assert link.get_attribute("href", timeout=1000).startswith("tel:")
        assert "等工作人员" in person.locator(".waiting").inner_text()
    assert layout_problems(page) == []
    smallest(page)
    assert layout_problems(page) == []


def test_status_and_errors_show_where_the_eyes_are(layout_stack: WebStack, new_page: NewPage) -> None:
    page = new_page(width=360, height=640)
    page.add_init_script("""window.SpeechRecognition = class {
      start() { setTimeout(() => { this.onerror({error: "no-speech"}); this.onend(); }, 50); } };""")
    page.goto(layout_stack.url + "/")
    keypad_sign_in(page, *ZHANG)
    for text in ("余额", "余额", "余额"):
        ask(page, text)
    page.locator("#mic").click()
    page.locator("#chat-status").wait_for(state="visible")
    assert "没有听清" in page.locator("#chat-status").inner_text()
    assert in_view(page, "#chat-status")


def test_read_aloud_shows_it_is_playing_and_stops(layout_stack: WebStack, new_page: NewPage) -> None:
    page = new_page(width=360, height=640)
    # A stand-in for the audio element: headless chromium has no sound device to play to.
    page.add_init_script("""window.Audio = class extends EventTarget {
      constructor(url) { super(); this.url = url; } play() { return Promise.resolve(); } pause() {} };""")
    page.goto(layout_stack.url + "/")
    keypad_sign_in(page, *ZHANG)
    read = page.locator("#log li.msg.bot .read").first
    read.click()
    assert read.inner_text() == "■ 停止朗读" and "playing" in (read.get_attribute("class") or "")
    assert_accessible(page, "widget: reading aloud")
    read.click()
    assert read.inner_text() == "▶ 朗读这句"


def _recorder(into: list[Any]) -> Any:
    return lambda request: into.append(request)


def test_transfer_size_compressed_and_cached(layout_stack: WebStack, new_page: NewPage) -> None:
    """What the browser receives (compressed bodies) for the chat page, the kiosk and the staff panel; the CSS/JS
    have versioned URLs with a year's cache, the pages revalidate. Prints the figures."""
    for path in ("/", "/kiosk", "/kiosk/staff"):
        page = new_page()
        got: list[Any] = []
        page.on("requestfinished", _recorder(got))
        page.goto(layout_stack.url + path, wait_until="networkidle")
        total = 0
        for request in got:
            resp = request.response()
            if resp is None or "/api/" in request.url:
                continue
            body = request.sizes()["responseBodySize"]
            total += body + request.sizes()["responseHeadersSize"]
            headers = resp.all_headers()
            assert headers.get("content-encoding") == "gzip", request.url
            if "/static/" in request.url:
                assert "?v=" in request.url and "immutable" in headers["cache-control"], request.url
            else:
                assert headers["cache-control"] == "no-cache", request.url
        print(f"transfer {path}: {total / 1024:.1f} KiB over the wire (bodies gzip + headers)")
        assert total < 60 * 1024
