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
    refs = re.findall(r'(?:src|href)="([^"]+)"', resp.text)
    assert refs and all(ref.startswith("/") for ref in refs), refs


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
