"""GET /health on the gateway: a liveness answer without sign-in, session or a call to its dependencies."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cluster.services import free_port
from gateway.main import create_app


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    # Nothing listens on these ports: /health must not depend on Rasa or the backend.
    monkeypatch.setenv("ANXIN_BACKEND_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("ANXIN_RASA_URL", f"http://127.0.0.1:{free_port()}")
    return TestClient(create_app())


def test_health_answers_ok_without_sign_in(client: TestClient) -> None:
    resp = client.get("/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


def test_health_starts_no_session(client: TestClient) -> None:
    resp = client.get("/health")
    assert "set-cookie" not in resp.headers
    assert not client.cookies


def test_health_is_read_only(client: TestClient) -> None:
    assert client.post("/health").status_code == 405
