"""Talks to the banking backend on behalf of a signed-in customer or staff member."""
from __future__ import annotations

from typing import Any

import httpx

from gateway import http_pool
from gateway.config import get_settings

UNAVAILABLE_MESSAGE = "系统暂时连不上，请稍后再试，或者转人工。"


class BackendError(Exception):
    """A refusal from the backend (4xx with a stable code) or the backend being out of reach."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


async def call(
    method: str,
    path: str,
    *,
    token: str | None = None,
    json: Any = None,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout_s: float = 5.0,
) -> Any:
    """Calls `/api/v1{path}` and returns the decoded JSON, or raises BackendError."""
    hdrs = dict(headers or {})
    settings = get_settings()
    if settings.proxy_secret:
        # Proves to the backend that the client address / calling number in these headers are the gateway's.
        hdrs["X-Anxin-Proxy-Secret"] = settings.proxy_secret
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    url = f"{settings.backend_url}/api/v1{path}"
    try:
        resp = await http_pool.client().request(method, url, json=json, params=params, headers=hdrs, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise BackendError(503, "BACKEND_UNAVAILABLE", UNAVAILABLE_MESSAGE) from exc
    if resp.status_code >= 400:
        try:
            body = resp.json()
            code, message = body.get("code", "ERROR"), body.get("message", UNAVAILABLE_MESSAGE)
        except ValueError:
            code, message = "ERROR", UNAVAILABLE_MESSAGE
        status = resp.status_code if resp.status_code < 500 else 503
        raise BackendError(status, code, message)
    return resp.json() if resp.content else None


async def bill_payment(bill_payment_id: int, token: str | None) -> dict[str, Any]:
    """The customer's bill payment (the receipt's data); 404 `NOT_FOUND` for another customer's id."""
    record = await call("GET", f"/bill-payments/{int(bill_payment_id)}", token=token)
    if not isinstance(record, dict):
        raise BackendError(503, "BACKEND_UNAVAILABLE", UNAVAILABLE_MESSAGE)
    return record
