"""PIN/password hashing (argon2id) and short-lived signed access tokens (JWT, HS256)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backend.core.config import Settings

Role = Literal["customer", "staff"]
_ALGORITHM = "HS256"


def make_hasher(settings: Settings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )


def hash_secret(hasher: PasswordHasher, secret: str) -> str:
    return hasher.hash(secret)


def verify_secret(hasher: PasswordHasher, stored_hash: str, secret: str) -> bool:
    try:
        return hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class TokenClaims:
    role: Role
    subject_id: int


def issue_token(settings: Settings, role: Role, subject_id: int) -> tuple[str, int]:
    ttl = settings.customer_token_ttl_seconds if role == "customer" else settings.staff_token_ttl_seconds
    now = int(time.time())
    payload = {"sub": str(subject_id), "role": role, "iat": now, "exp": now + ttl}
    return jwt.encode(payload, settings.token_secret, algorithm=_ALGORITHM), ttl


# Tokens already verified, by (secret, token): each request of a session would otherwise verify the same token's
# signature again. Only valid tokens are kept, with their expiry, which is checked on every use exactly as
# PyJWT checks it (expired once `exp <= now`); the cache is bounded and simply emptied when full.
_verified: dict[tuple[str, str], tuple[TokenClaims, float]] = {}
_VERIFIED_MAX = 10_000


def decode_token(settings: Settings, token: str) -> TokenClaims | None:
    cache_key = (settings.token_secret, token)
    hit = _verified.get(cache_key)
    if hit is not None:
        claims, exp = hit
        if exp > time.time():
            return claims
        _verified.pop(cache_key, None)
    claims_exp = _decode(settings, token)
    if claims_exp is None:
        return None
    claims, exp = claims_exp
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[cache_key] = (claims, exp)
    return claims


def _decode(settings: Settings, token: str) -> tuple[TokenClaims, float] | None:
    try:
        payload = jwt.decode(
            token, settings.token_secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub", "role"]}
        )
        role = payload["role"]
        if role not in ("customer", "staff"):
            return None
        return TokenClaims(role=role, subject_id=int(payload["sub"])), float(payload["exp"])
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
