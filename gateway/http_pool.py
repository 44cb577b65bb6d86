"""One `httpx.AsyncClient` (one connection pool) per event loop of the gateway, shared by every call to Rasa and
the backend (issue 14: a new client per call paid a TCP connect and a pool set-up on every turn).

Created on first use, closed at shutdown (gateway.main registers `aclose`). Keyed by event loop because httpx's
connections belong to the loop that opened them: uvicorn has one loop, a test client may start one per request.
"""
from __future__ import annotations

import asyncio
import weakref

import httpx

# Keep-alive connections per upstream: a gateway talks to one Rasa and one backend (or their load balancer).
LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=50, keepalive_expiry=30.0)

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = weakref.WeakKeyDictionary()
_opened = 0


def client() -> httpx.AsyncClient:
    """This loop's shared client. Each call passes its own timeout."""
    global _opened
    loop = asyncio.get_running_loop()
    shared = _clients.get(loop)
    if shared is None or shared.is_closed:
        shared = _clients[loop] = httpx.AsyncClient(limits=LIMITS, timeout=10.0)
        _opened += 1
    return shared


def opened() -> int:
    """How many clients were made so far (tests: one per process and loop, not one per call)."""
    return _opened


async def aclose() -> None:
    """Closes this loop's client (the app's shutdown)."""
    loop = asyncio.get_running_loop()
    shared = _clients.pop(loop, None)
    if shared is not None:
        await shared.aclose()
