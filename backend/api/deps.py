"""Request dependencies: settings, database sessions and the authenticated caller."""
from __future__ import annotations

import hmac
import ipaddress
import re
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Annotated

from argon2 import PasswordHasher
from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from backend.core.config import Settings
from backend.core.db import read_session, write_session
from backend.core.security import TokenClaims, decode_token
from backend.errors import AppError

_bearer = HTTPBearer(auto_error=False, description="POST /api/v1/auth/login 得到的 access_token")


# Dependencies that do no I/O are `async def`: FastAPI would run each sync one in the thread pool, a thread
# hop per dependency per request. Sessions are created without I/O and closed in the thread pool, so the only
# blocking work, the route's own, runs in one worker thread.


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def get_hasher(request: Request) -> PasswordHasher:
    return request.app.state.hasher


async def get_session(request: Request) -> AsyncIterator[Session]:
    session = read_session(request.app.state.engine)
    try:
        yield session
    finally:
        await _close(session)


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    """A session for one money movement; the route commits it, anything raised rolls it back."""
    session = write_session(request.app.state.engine)
    try:
        yield session
    finally:
        await _close(session)


async def _close(session: Session) -> None:
    """A session whose transaction ended (committed or rolled back by the route) holds no connection any more:
    closing it does no I/O, so it is closed here rather than with a second hop to the thread pool. One still in
    a transaction (the route raised) is rolled back in the thread pool."""
    if session.in_transaction():
        await run_in_threadpool(session.close)
    else:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
HasherDep = Annotated[PasswordHasher, Depends(get_hasher)]
SessionDep = Annotated[Session, Depends(get_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]

UNAUTHORIZED = AppError(401, "UNAUTHORIZED", "请先登录，或登录已过期，请重新登录。")


def _claims(request: Request, credentials: HTTPAuthorizationCredentials | None) -> TokenClaims:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UNAUTHORIZED
    claims = decode_token(request.app.state.settings, credentials.credentials)
    if claims is None:
        raise UNAUTHORIZED
    return claims


async def current_customer_id(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> int:
    claims = _claims(request, credentials)
    if claims.role != "customer":
        raise AppError(403, "FORBIDDEN", "这个功能只给客户本人使用。")
    return claims.subject_id


async def current_staff_id(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> int:
    claims = _claims(request, credentials)
    if claims.role != "staff":
        raise AppError(403, "FORBIDDEN", "这个功能只给银行工作人员使用。")
    return claims.subject_id


CustomerId = Annotated[int, Depends(current_customer_id)]
StaffId = Annotated[int, Depends(current_staff_id)]

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        pattern=r"^[!-~]+$",  # printable ASCII, no spaces: UUIDs, hashes, base64 all fit
        description="每笔业务一个唯一编号；重试时用同一个编号，钱只动一次。",
    ),
]


# Who is calling (issue 10, item 8). The backend sits behind the gateway, which is the only proxy whose word
# about the client counts: X-Forwarded-For and X-Anxin-Caller are read only from an address in
# ANXIN_TRUSTED_PROXIES (and, with ANXIN_PROXY_SECRET set, only with X-Anxin-Proxy-Secret equal to it, since
# on one host every local process shares the loopback address). Anyone else is keyed by the address it
# connects from. uvicorn must run with --no-proxy-headers, or it rewrites the peer address from the header
# before the app sees it (Procfile, cluster/launch.py).
CALLER_HEADER = "X-Anxin-Caller"  # sha256 hex of the caller's E.164 number (phone channel), from the gateway
PROXY_SECRET_HEADER = "X-Anxin-Proxy-Secret"
_CALLER_HASH = re.compile(r"^[0-9a-f]{64}$")
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _trusted(spec: str) -> tuple[tuple[_Network, ...], frozenset[str]]:
    """ANXIN_TRUSTED_PROXIES "127.0.0.1,::1,10.0.0.0/8": networks, plus plain host names (a test client)."""
    networks: list[_Network] = []
    names: set[str] = set()
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            names.add(item)
    return tuple(networks), frozenset(names)


def _is_proxy_address(settings: Settings, host: str) -> bool:
    networks, names = _trusted(settings.trusted_proxies)
    if host in names:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


def from_trusted_proxy(request: Request) -> bool:
    settings: Settings = request.app.state.settings
    if request.client is None or not _is_proxy_address(settings, request.client.host):
        return False
    if settings.proxy_secret:
        given = request.headers.get(PROXY_SECRET_HEADER, "")
        return hmac.compare_digest(given.encode(), settings.proxy_secret.encode())
    return True


def client_address(request: Request) -> str:
    """The client's address: the connecting peer's, or, from a trusted proxy, the nearest address in
    X-Forwarded-For that is not itself a trusted proxy (entries further left were written by the client)."""
    peer = request.client.host if request.client else "unknown"
    if not from_trusted_proxy(request):
        return peer
    settings: Settings = request.app.state.settings
    hops = [hop.strip() for line in request.headers.getlist("x-forwarded-for") for hop in line.split(",")]
    for hop in reversed([h for h in hops if h]):
        if _is_proxy_address(settings, hop):
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return peer  # not an address: the proxy chain is broken, trust nothing in it
    return peer


def sign_in_client_key(request: Request) -> str:
    """The bucket a sign-in attempt counts against besides its phone number: the calling number's hash for
    phone calls relayed by the gateway (one shared gateway address must not shut the line for every caller),
    otherwise the client's address."""
    if from_trusted_proxy(request):
        caller = request.headers.get(CALLER_HEADER, "").strip().lower()
        if _CALLER_HASH.match(caller):
            return "caller:" + caller
    return "addr:" + client_address(request)
