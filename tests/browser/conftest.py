"""Browser tests of the widget and the kiosk: Playwright drives Debian's chromium against running services.

`web_stack` is the real backend and gateway with a scripted Rasa (tests/browser/fake_rasa.py), so these tests
run before the model exists; tests marked `rasa` use the whole real stack (fixture `stack`).
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.fake_rasa import FakeRasa
from tests.support.stack import Stack, free_port, running_stack

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

# Inactivity for the time-out tests: long enough to sign in and ask once, short enough to wait for.
KIOSK_IDLE_S = 15
WEB_IDLE_S = 15
KIOSK_WARN_S = 8


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@dataclass
class WebStack:
    stack: Stack
    rasa: FakeRasa

    @property
    def url(self) -> str:
        return self.stack.gateway_url


@contextlib.contextmanager
def _web_stack(**env: str) -> Iterator[WebStack]:
    rasa_port = free_port()
    # Plain http on loopback: the cookie goes without Secure here (outside demo mode it is Secure by default).
    # The one-tag embed test's host page is "localhost" on a free port: only it may frame the chat page.
    # The suite signs the same demo customers in more often than the backend's per-number limit allows in five
    # minutes (10/300 s, tested in tests/backend): a higher limit here, the browser is what is tested.
    env = {"ANXIN_COOKIE_SECURE": "false", "ANXIN_FRAME_ANCESTORS": "http://localhost:*",
           "ANXIN_LOGIN_LIMIT_PER_PHONE": "1000/300", **env}
    with running_stack(assistant=False, ANXIN_RASA_URL=f"http://127.0.0.1:{rasa_port}", **env) as stack:
        with FakeRasa(stack.backend_url, rasa_port) as rasa:
            yield WebStack(stack, rasa)


@pytest.fixture(scope="session")
def web_stack() -> Iterator[WebStack]:
    """Backend + gateway (real, demo data) with the scripted Rasa."""
    with _web_stack() as s:
        yield s


@pytest.fixture(scope="session")
def short_timeout_stack() -> Iterator[WebStack]:
    """Like web_stack, with inactivity times short enough for a test to wait them out."""
    with _web_stack(ANXIN_KIOSK_IDLE_TIMEOUT_S=str(KIOSK_IDLE_S), ANXIN_WEB_IDLE_TIMEOUT_S=str(WEB_IDLE_S),
                    ANXIN_SESSION_WARN_S=str(KIOSK_WARN_S)) as s:
        yield s


# Per module, not per session: Playwright's sync API keeps an event loop running while it is started, and the
# asyncio.run() of the tests collected after tests/browser (tests/gateway) would fail inside it.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: run `make sysdeps` (scripts/apt-deps.sh chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


NewPage = Callable[..., Any]


@pytest.fixture
def new_page(browser: Any) -> Iterator[NewPage]:
    """Opens pages, each in its own context (own cookies and storage, like another device)."""
    contexts: list[Any] = []

    def make(width: int = 1024, height: int = 900) -> Any:
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Prints the axe-core figures of this run: every page and state checked, and its violations."""
    from tests.browser.checks import AXE_LOG

    if not AXE_LOG:
        return
    terminalreporter.section("axe-core (AA + AAA contrast) per page/state")
    for state, version, count in AXE_LOG:
        terminalreporter.write_line(f"axe {version}  {count} violations  {state}")
