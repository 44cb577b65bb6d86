"""The gateway's backend client: what it tells the backend about who is calling (issue 10, item 8)."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from gateway import backend_client, config


def _call_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> httpx.Request:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    real = httpx.AsyncClient

    def client(*args: Any, **kwargs: Any) -> httpx.AsyncClient:
        return real(*args, transport=httpx.MockTransport(answer), **kwargs)

    monkeypatch.setattr(httpx, "AsyncClient", client)
    for name in ("ANXIN_PROXY_SECRET",):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config.get_settings.cache_clear()
    try:
        call = backend_client.call("POST", "/auth/login", json={}, headers={"X-Anxin-Caller": "ab" * 32})
        with ThreadPoolExecutor(1) as pool:  # a browser test may leave an event loop running in this thread
            pool.submit(asyncio.run, call).result()
    finally:
        config.get_settings.cache_clear()
    return seen[0]


def test_the_proxy_secret_goes_with_every_call_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    request = _call_with(monkeypatch, ANXIN_PROXY_SECRET="s" * 40)
    assert request.headers["X-Anxin-Proxy-Secret"] == "s" * 40
    assert request.headers["X-Anxin-Caller"] == "ab" * 32


def test_no_proxy_secret_header_without_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "X-Anxin-Proxy-Secret" not in _call_with(monkeypatch).headers
