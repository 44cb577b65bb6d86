"""The operations page through the gateway: the page itself, and its figures for a staff panel session only
(the backend is called with the staff token, never the customer's)."""
from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway import backend_client
from tests.gateway.test_web import STAFF_TOKEN, FakeBackend, client, fakes, sign_in, staff_in  # noqa: F401

FIGURES = {"since": "2026-12-01T00:00:00Z", "hours": ["2026-12-01T00:00:00Z"],
           "channels": [{"channel": "web", "turns_per_hour": [3], "turns": 3, "misunderstood": 1,
                         "misunderstood_share": 0.3333, "handoffs": 0, "scam_stops": 0, "held_transfers": 1}]}


@pytest.fixture
def backend_ops(fakes: tuple[FakeBackend, Any], monkeypatch: pytest.MonkeyPatch) -> list[str | None]:  # noqa: F811
    backend, _ = fakes
    tokens: list[str | None] = []

    async def call(method: str, path: str, *, token: str | None = None, **kw: Any) -> Any:
        if path == "/staff/ops":
            tokens.append(token)
            return FIGURES
        return await backend.call(method, path, token=token, **kw)

    monkeypatch.setattr(backend_client, "call", call)
    return tokens


def test_ops_page_is_served_with_the_strict_policy(client: TestClient) -> None:  # noqa: F811
    resp = client.get("/kiosk/staff/ops")
    assert resp.status_code == 200 and "运行情况" in resp.text
    assert resp.headers["content-security-policy"].endswith("frame-ancestors 'none'")
    assert "/static/ops.js?v=" in resp.text
    # Everything the page loads is the gateway's own (no CDN, no plotting library).
    refs = re.findall(r'(?:src|href|action)="([^"]+)"', resp.text)
    assert refs and all(ref.startswith("/") for ref in refs), refs


def test_the_staff_panel_links_to_the_ops_page(client: TestClient) -> None:  # noqa: F811
    assert 'action="/kiosk/staff/ops"' in client.get("/kiosk/staff").text


def test_ops_figures_need_a_staff_panel_session(client: TestClient, backend_ops: list[str | None]) -> None:  # noqa: F811
    assert client.get("/api/staff/ops").json()["code"] == "STAFF_REQUIRED"
    sign_in(client)  # a customer is not staff
    assert client.get("/api/staff/ops").status_code == 401
    staff_in(client, "panel")
    resp = client.get("/api/staff/ops")
    assert resp.status_code == 200 and resp.json() == FIGURES
    assert backend_ops == [STAFF_TOKEN]


def test_a_kiosk_station_session_does_not_see_ops(client: TestClient, backend_ops: list[str | None]) -> None:  # noqa: F811
    staff_in(client, "station")
    assert client.get("/api/staff/ops").status_code == 401
    assert backend_ops == []


@pytest.mark.browser
def test_ops_page_reads_at_large_text_and_is_axe_clean(backend_ops: list[str | None]) -> None:
    """The real page in Debian's chromium, its figures from the fake backend: axe (AAA contrast) and Anxin's own
    size checks at the standard and at the largest text size, no sideways scrolling at 390 px."""
    import threading
    import time

    import uvicorn
    from playwright.sync_api import sync_playwright

    from cluster.services import free_port
    from gateway.main import create_app
    from tests.browser.checks import assert_accessible, no_horizontal_scroll
    from tests.browser.conftest import ARGS, CHROMIUM

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for width in (1024, 390):
                ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
                page = ctx.new_page()
                signed = ctx.request.post(f"{base}/api/staff/login", headers={"Origin": base},
                                          data={"username": "staff", "password": "anxin-staff", "role": "panel"})
                assert signed.ok, signed.text()
                page.goto(f"{base}/kiosk/staff/ops")
                page.locator("#ops-hours svg").first.wait_for()
                assert "33.3%" in page.locator("#ops-summary").inner_text()
                assert_accessible(page, f"ops page {width} px")
                for _ in range(6):  # up to the largest text size
                    page.locator("#font-up").click()
                assert_accessible(page, f"ops page {width} px, largest text")
                no_horizontal_scroll(page)
                ctx.close()
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
