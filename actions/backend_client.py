"""The banking backend's REST API (docs/contracts.md), as the actions need it.

Every call has a 3 s budget: an old customer waiting in silence is worse than a clear apology. Errors are
sorted into what the dialogue can say: not signed in, refused (with the backend's own Chinese message),
unreachable (nothing was sent or nothing happened), or no answer in time (a money request may or may not
have been carried out).

Issue 14: one aiohttp session (one keep-alive connection pool) per process and event loop, made on first use and
closed when the action server stops (`close_sessions`), instead of a new connection per call; and GET reads
memoised within one turn (same token, same turn, same path: one request), since several actions of a turn read
the same accounts and payees. A write (any other method) forgets the token's memo, so a read after a write in
the same turn sees the new state; errors are never memoised.
"""
from __future__ import annotations

import asyncio
import copy
import hashlib
import re
import time
import weakref
from collections import OrderedDict
from decimal import Decimal
from typing import Any

import aiohttp

from actions.settings import get_settings

API_PREFIX = "/api/v1"
TIMEOUT_S = 3.0
# Below uvicorn's 5 s keep-alive: an idle connection is dropped by us before the backend closes it under a request.
KEEPALIVE_S = 3.0
MEMO_TTL_S = 30.0  # a turn is seconds long; older memo entries belong to no running turn
MEMO_MAX = 1024

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = weakref.WeakKeyDictionary()
_memo: OrderedDict[tuple[str, str, str], tuple[float, Any]] = OrderedDict()
stats = {"sessions": 0, "requests": 0, "memo_hits": 0}


def session() -> aiohttp.ClientSession:
    """This process's (and loop's) shared session; each request passes its own timeout."""
    loop = asyncio.get_running_loop()
    shared = _sessions.get(loop)
    if shared is None or shared.closed:
        connector = aiohttp.TCPConnector(limit=100, keepalive_timeout=KEEPALIVE_S)
        shared = _sessions[loop] = aiohttp.ClientSession(connector=connector)
        stats["sessions"] += 1
    return shared


async def close_sessions(*_args: Any) -> None:
    """Closes this loop's session (the action server's after_server_stop listener)."""
    shared = _sessions.pop(asyncio.get_running_loop(), None)
    if shared is not None:
        await shared.close()


def turn_key(tracker: Any) -> str | None:
    """Identifies the turn an action runs in: the conversation and its latest user message's id (Rasa gives
    every message one). None (no memo) when there is no such id."""
    message_id = (getattr(tracker, "latest_message", None) or {}).get("message_id")
    return f"{tracker.sender_id}:{message_id}" if message_id else None


def _forget(token_id: str) -> None:
    for key in [k for k in _memo if k[0] == token_id]:
        del _memo[key]


def backend_url() -> str:
    return get_settings().backend_url  # ANXIN_BACKEND_URL


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
    def __init__(self, token: str | None, base_url: str | None = None, timeout_s: float | None = None,
                 turn: str | None = None) -> None:
        if not token:
            raise NotSignedIn("no token")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._base = (base_url or backend_url()) + API_PREFIX
        self._timeout = aiohttp.ClientTimeout(total=timeout_s or TIMEOUT_S)
        # The memo is keyed by a digest, so it holds no token.
        self._token_id = hashlib.sha256(token.encode()).hexdigest()[:24]
        self._turn = turn

    async def _request(self, method: str, path: str, json: Any = None,
                       idempotency_key: str | None = None) -> Any:
        memo_key = (self._token_id, self._turn, self._base + path) if method == "GET" and self._turn else None
        if memo_key is not None:
            hit = _memo.get(memo_key)
            if hit is not None and time.monotonic() - hit[0] < MEMO_TTL_S:
                stats["memo_hits"] += 1
                return copy.deepcopy(hit[1])  # the caller may change what it got
        elif method != "GET":
            _forget(self._token_id)  # a write makes what was read before it old (even if the write fails)
        body = await self._send(method, path, json, idempotency_key)
        if memo_key is not None:
            _memo[memo_key] = (time.monotonic(), copy.deepcopy(body))
            while len(_memo) > MEMO_MAX:
                _memo.popitem(last=False)
        return body

    async def _send(self, method: str, path: str, json: Any, idempotency_key: str | None) -> Any:
        headers = dict(self._headers)
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        stats["requests"] += 1
        try:
            async with session().request(method, self._base + path, json=json, headers=headers,
                                         timeout=self._timeout) as resp:
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
                             require_confirmation: bool = True, maturity_choice: str | None = None) -> dict[str, Any]:
        body = {"product_id": _id(product_id), "from_account_id": _id(from_account_id), "amount": amount,
                "require_confirmation": require_confirmation}
        if maturity_choice:
            body["maturity_choice"] = maturity_choice
        return await self._request("POST", "/deposits", json=body, idempotency_key=idempotency_key)

    async def confirm_deposit(self, deposit_id: Any) -> dict[str, Any]:
        return await self._request("POST", f"/deposits/{_path_id(deposit_id)}/confirm")

    async def cancel_deposit(self, deposit_id: Any) -> dict[str, Any]:
        return await self._request("POST", f"/deposits/{_path_id(deposit_id)}/cancel")

    async def deposits(self) -> list[dict[str, Any]]:
        """The customer's opened deposits (active, matured, withdrawn ...), pending ones left out."""
        return await self._request("GET", "/deposits")

    async def deposit(self, deposit_id: Any) -> dict[str, Any]:
        return await self._request("GET", f"/deposits/{_path_id(deposit_id)}")

    async def early_withdrawal_preview(self, deposit_id: Any, amount: str | None = None) -> dict[str, Any]:
        """principal, interest (demand rate), lost_interest, maturity_date, days_to_maturity; with `amount` (a
        partial withdrawal, "5000.00") the part taken and the remaining_* figures."""
        query = f"?amount={Decimal(amount).quantize(Decimal('0.01'))}" if amount is not None else ""
        return await self._request("GET", f"/deposits/{_path_id(deposit_id)}/early-withdrawal{query}")

    async def create_withdrawal(self, idempotency_key: str, deposit_id: Any,
                                amount: str | None = None) -> dict[str, Any]:
        """A pending early withdrawal (nothing moves): the bank's figures the read-back says, and its id. The
        only way the dialogue withdraws: POST /withdrawals/{id}/confirm pays it after the yes."""
        body: dict[str, Any] = {"require_confirmation": True}
        if amount is not None:
            body["amount"] = amount
        return await self._request("POST", f"/deposits/{_path_id(deposit_id)}/early-withdrawal",
                                   json=body, idempotency_key=idempotency_key)

    async def withdrawal(self, withdrawal_id: Any) -> dict[str, Any]:
        return await self._request("GET", f"/withdrawals/{_path_id(withdrawal_id)}")

    async def confirm_withdrawal(self, withdrawal_id: Any) -> dict[str, Any]:
        return await self._request("POST", f"/withdrawals/{_path_id(withdrawal_id)}/confirm")

    async def cancel_withdrawal(self, withdrawal_id: Any) -> dict[str, Any]:
        return await self._request("POST", f"/withdrawals/{_path_id(withdrawal_id)}/cancel")

    async def set_maturity_choice(self, deposit_id: Any, choice: str) -> dict[str, Any]:
        return await self._request("PATCH", f"/deposits/{_path_id(deposit_id)}", json={"maturity_choice": choice})

    async def pension_credits(self, limit: int = 3) -> dict[str, Any]:
        return await self._request("GET", f"/pension/credits?limit={int(limit)}")

    async def notices(self) -> list[dict[str, Any]]:
        return await self._request("GET", "/notices")

    async def notice_seen(self, notice_id: str) -> dict[str, Any]:
        # Notice ids are "deposit:5" / "pension:12": only that shape goes into the path.
        if not re.fullmatch(r"[a-z_]+:\d+", str(notice_id)):
            raise BackendRefused(404, "NOT_FOUND", "没有找到。")
        return await self._request("POST", f"/notices/{notice_id}/seen")

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
