"""Issue 16: pages and assets compressed, versioned and cached; staff cards that tell approvals apart; the
message after a staff decision worded like every amount message."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from gateway.main import create_app
from gateway.routes import web
from tests.gateway import test_web as shared
from tests.gateway.test_web import FakeBackend, FakeRasa, sign_in, staff_in

# The fakes and the client of tests/gateway/test_web.py.
fakes = shared.fakes
client = shared.client


def test_pages_name_versioned_assets_cached_for_a_year(client: TestClient) -> None:
    page = client.get("/chat", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and page.headers["cache-control"] == "no-cache"
    refs = re.findall(r'/static/([\w.-]+)\?v=(\w+)', page.text)
    assert {name for name, _ in refs} == {"anxin.css", "anxin-core.js", "chat.js"}
    for name, version in refs:
        assert version == web.asset_version(name)
        resp = client.get(f"/static/{name}?v={version}", headers={"Accept-Encoding": "gzip"})
        assert resp.status_code == 200 and resp.headers["content-encoding"] == "gzip"
        assert resp.headers["cache-control"] == "public, max-age=31536000, immutable"
        # An old (or made-up) version is never cached for long: it is not that file.
        assert client.get(f"/static/{name}?v=0ld").headers["cache-control"] == "no-cache"
        assert client.get(f"/static/{name}").headers["cache-control"] == "no-cache"


def test_audio_is_not_gzipped(client: TestClient) -> None:
    resp = client.get("/audio/nothing.mp3", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in resp.headers


def test_staff_cards_carry_time_place_number_and_reason_in_words(fakes: tuple[FakeBackend, FakeRasa]) -> None:
    panel = TestClient(create_app())
    staff_in(panel, "panel")
    web.note_held_at_kiosk(3, "王柜员")
    (item,) = panel.get("/api/staff/approvals").json()["items"]
    assert item["reason_text"] == "新收款人" and item["where"] == "自助机（王柜员登录）"
    assert item["transfer"]["id"] == 3


def test_the_decision_message_names_who_and_the_amount_in_capitals(client: TestClient) -> None:
    sign_in(client)
    data = client.get("/api/transfers/3?decision=1").json()
    assert data["decision"]["text"] == "工作人员已经核对好了。\n已经给王小明转了 500.00 元（伍佰元整）。"
    assert data["decision"]["key_figure"] == "500.00元"
    assert "decision" not in client.get("/api/transfers/3").json()
