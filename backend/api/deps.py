"""Request dependencies: settings, database sessions and the authenticated caller."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from argon2 import PasswordHasher
from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from backend.core.config import Settings
from backend.core.db import read_session, write_session
from backend.core.security import decode_token
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


def _claims(request: Request, credentials: HTTPAuthorizationCredentials | None):  # type: ignore[no-untyped-def]
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
