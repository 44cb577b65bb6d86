"""The banking backend's REST API (docs/contracts.md), as the actions need it.

Every call has a 3 s budget: an old customer waiting in silence is worse than a clear apology. Errors are
sorted into what the dialogue can say: not signed in, refused (with the backend's own Chinese message),
unreachable (nothing was sent or nothing happened), or no answer in time (a money request may or may not
have been carried out).
"""
from __future__ import annotations

import asyncio
import os
from typing import Any

import aiohttp

API_PREFIX = "/api/v1"
TIMEOUT_S = 3.0


def backend_url() -> str:
    return os.environ.get("ANXIN_BACKEND_URL", "http://127.0.0.1:8000").rstrip("/")


class BackendError(Exception):
    """Base of what can go wrong talking to the backend."""


class NotSignedIn(BackendError):
    """No token, or the backend did not accept it (401)."""


class BackendRefused(BackendError):
    """A 4xx answer with the contract's {"code", "message"} body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


class BackendUnavailable(BackendError):
    """The request did not reach the backend, or the backend failed (5xx): nothing was done."""


class BackendNoAnswer(BackendError):
    """The request went out but no answer came within the time limit: the outcome is unknown."""


class BackendClient:
    def __init__(self, token: str | None, base_url: str | None = None, timeout_s: float | None = None) -> None:
        if not token:
            raise NotSignedIn("no token")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._base = (base_url or backend_url()) + API_PREFIX
        self._timeout = aiohttp.ClientTimeout(total=timeout_s or TIMEOUT_S)

    async def _request(self, method: str, path: str, json: Any = None,
                       idempotency_key: str | None = None) -> Any:
        headers = dict(self._headers)
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as session:
                async with session.request(method, self._base + path, json=json, headers=headers) as resp:
                    body = await resp.json(content_type=None) if resp.content_length != 0 else None
                    status = resp.status
        except aiohttp.ClientConnectionError as exc:
            if isinstance(exc, aiohttp.ServerTimeoutError):
                raise BackendNoAnswer(path) from exc
            # ServerDisconnectedError and friends after sending count as "unknown" for writes below.
            if method != "GET" and isinstance(exc, aiohttp.ServerDisconnectedError):
                raise BackendNoAnswer(path) from exc
            raise BackendUnavailable(path) from exc
        except asyncio.TimeoutError as exc:
            raise BackendNoAnswer(path) from exc
        except (aiohttp.ClientError, ValueError) as exc:
            raise BackendUnavailable(path) from exc
        if status == 401:
            raise NotSignedIn(path)
        if status >= 500:
            raise BackendUnavailable(f"{path}: HTTP {status}")
        if status >= 400:
            body = body if isinstance(body, dict) else {}
            raise BackendRefused(status, str(body.get("code", "ERROR")),
                                 str(body.get("message") or "银行没有办理这笔业务。"))
        return body

    async def accounts(self) -> list[dict[str, Any]]:
        return await self._request("GET", "/accounts")

    async def transactions(self, account_id: Any, limit: int = 5) -> dict[str, Any]:
        return await self._request("GET", f"/accounts/{account_id}/transactions?limit={limit}&offset=0")

    async def payees(self) -> list[dict[str, Any]]:
        return await self._request("GET", "/payees")

    async def savings_products(self) -> list[dict[str, Any]]:
        return await self._request("GET", "/savings/products")

    async def create_transfer(self, idempotency_key: str, from_account_id: Any, payee_id: Any, amount: str,
                              context: str = "", require_confirmation: bool = True) -> dict[str, Any]:
        """With require_confirmation the answer is a `pending` record: the read-back is rendered from it and
        only POST /transfers/{id}/confirm moves the money (docs/contracts.md, Round 8)."""
        body = {"from_account_id": _id(from_account_id), "payee_id": _id(payee_id), "amount": amount, "note": "",
                "context": context, "require_confirmation": require_confirmation}
        return await self._request("POST", "/transfers", json=body, idempotency_key=idempotency_key)

    async def transfer(self, transfer_id: Any) -> dict[str, Any]:
        return await self._request("GET", f"/transfers/{_path_id(transfer_id)}")

    async def confirm_transfer(self, transfer_id: Any) -> dict[str, Any]:
        return await self._request("POST", f"/transfers/{_path_id(transfer_id)}/confirm")

    async def cancel_transfer(self, transfer_id: Any) -> dict[str, Any]:
        return await self._request("POST", f"/transfers/{_path_id(transfer_id)}/cancel")

    async def create_deposit(self, idempotency_key: str, product_id: Any, from_account_id: Any, amount: str,
                             require_confirmation: bool = True) -> dict[str, Any]:
        body = {"product_id": _id(product_id), "from_account_id": _id(from_account_id), "amount": amount,
                "require_confirmation": require_confirmation}
        return await self._request("POST", "/deposits", json=body, idempotency_key=idempotency_key)

    async def confirm_deposit(self, deposit_id: Any) -> dict[str, Any]:
        return await self._request("POST", f"/deposits/{_path_id(deposit_id)}/confirm")

    async def cancel_deposit(self, deposit_id: Any) -> dict[str, Any]:
        return await self._request("POST", f"/deposits/{_path_id(deposit_id)}/cancel")

    async def fraud_stop(self, family: str, channel: str, text: str,
                         transfer_id: Any = None) -> dict[str, Any]:
        """Audits the stop, starts the cooling-off and cancels every pending transfer and deposit."""
        body = {"family": family, "channel": channel, "text": text,
                "transfer_id": _id(transfer_id) if transfer_id is not None else None}
        return await self._request("POST", "/fraud/stops", json=body)


def _path_id(value: Any) -> int:
    """An id that goes into a URL path: digits only, so a tampered slot cannot reach another path."""
    text = str(value)
    if not text.isdigit():
        raise BackendRefused(404, "NOT_FOUND", "没有找到这笔业务。")
    return int(text)


def _id(value: Any) -> Any:
    """Slots hold ids as text; the backend's ids are integers when they look like integers."""
    text = str(value)
    return int(text) if text.isdigit() else text
