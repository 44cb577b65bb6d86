"""Sign-in attempt limits per phone number and per client address.

Sliding windows: an attempt is admitted when fewer than `limit` attempts were admitted for that phone (and for
that address) in the last `window` seconds. Refused attempts are not counted, so a customer who waits is let in
again exactly when the window allows, however often they were refused meanwhile.

With ANXIN_REDIS_URL set the windows live in Redis and are shared by every backend instance (one Lua script
checks and records both keys atomically, using Redis's own clock so instances need not agree on time).
Without it, or while Redis is unreachable, each instance keeps its own windows in memory: the limits then hold
per instance (still bounding a flood), and the PIN lock-out, which lives in the database, holds everywhere.

Phone numbers are hashed before they become Redis keys so Redis never holds a readable customer number.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass

from starlette.requests import Request

from backend.errors import AppError

log = logging.getLogger("backend.ratelimit")

RATE_LIMITED_MESSAGE = "登录尝试太频繁了，为了您的账户安全，请过{minutes}分钟再试。"
# After Redis fails, skip it for this long: a dead Redis must not add its timeout to every sign-in.
REDIS_RETRY_AFTER_S = 5.0

# KEYS: phone key, address key. ARGV: window ms (phone), limit (phone), window ms (addr), limit (addr), member.
# Returns {admitted (1/0), retry_after_ms}.
_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i = 1, 2 do
  local window, limit = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  if redis.call('ZCARD', KEYS[i]) >= limit then
    local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + window - now)
  end
end
if wait > 0 then return {0, wait} end
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 * i - 1]))
end
return {1, 0}
"""


@dataclass(frozen=True)
class Limit:
    attempts: int
    window_s: float

    @classmethod
    def parse(cls, text: str) -> Limit:
        """"10/300" means 10 attempts per 300 seconds."""
        attempts, _, window = text.partition("/")
        return cls(int(attempts), float(window))


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_s: float = 0.0


class _LocalWindows:
    """The in-process variant of the Lua script above."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, keys: list[tuple[str, Limit]]) -> Decision:
        now = time.monotonic()
        with self._lock:
            wait = 0.0
            for key, limit in keys:
                hits = self._hits.setdefault(key, deque())
                while hits and hits[0] <= now - limit.window_s:
                    hits.popleft()
                if len(hits) >= limit.attempts:
                    wait = max(wait, hits[0] + limit.window_s - now)
            if wait > 0:
                return Decision(False, wait)
            for key, _ in keys:
                self._hits[key].append(now)
            # Forget idle keys now and then so a scan of many phone numbers cannot grow memory without bound.
            if len(self._hits) > 50_000:
                self._hits = {k: v for k, v in self._hits.items() if v}
            return Decision(True)


class LoginRateLimiter:
    def __init__(self, per_phone: Limit, per_address: Limit, redis_url: str | None = None) -> None:
        self.per_phone = per_phone
        self.per_address = per_address
        self._local = _LocalWindows()
        self._redis = None
        self._script = None
        self._redis_down_until = 0.0
        if redis_url:
            import redis  # only needed when configured

            self._redis = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
            self._script = self._redis.register_script(_LUA)

    @staticmethod
    def _phone_key(phone: str) -> str:
        return "anxin:login:phone:" + hashlib.sha256(phone.encode()).hexdigest()[:24]

    @staticmethod
    def _address_key(address: str) -> str:
        return "anxin:login:addr:" + address

    def hit(self, phone: str, address: str) -> Decision:
        """Records one sign-in attempt if both limits allow it; says how long to wait otherwise."""
        keys = [(self._phone_key(phone), self.per_phone), (self._address_key(address), self.per_address)]
        if self._script is not None and time.monotonic() >= self._redis_down_until:
            try:
                admitted, wait_ms = self._script(
                    keys=[k for k, _ in keys],
                    args=[int(self.per_phone.window_s * 1000), self.per_phone.attempts,
                          int(self.per_address.window_s * 1000), self.per_address.attempts, uuid.uuid4().hex],
                )
                return Decision(bool(admitted), int(wait_ms) / 1000)
            except Exception as exc:  # any Redis failure: degrade to per-instance limits, say so once
                self._redis_down_until = time.monotonic() + REDIS_RETRY_AFTER_S
                log.warning("rate limits: Redis unavailable (%s); using this instance's own counters",
                            type(exc).__name__)
        return self._local.hit(keys)


def limiter_from_env() -> LoginRateLimiter:
    """Configured from ANXIN_LOGIN_LIMIT_PER_PHONE, ANXIN_LOGIN_LIMIT_PER_ADDRESS ("attempts/seconds", defaults
    10/300 and 100/300: an address may be a whole village behind one carrier NAT) and ANXIN_REDIS_URL."""
    return LoginRateLimiter(
        per_phone=Limit.parse(os.environ.get("ANXIN_LOGIN_LIMIT_PER_PHONE", "10/300")),
        per_address=Limit.parse(os.environ.get("ANXIN_LOGIN_LIMIT_PER_ADDRESS", "100/300")),
        redis_url=os.environ.get("ANXIN_REDIS_URL") or None,
    )


_app_lock = threading.Lock()


def check_login_rate(request: Request, phone: str, client_key: str | None = None) -> None:
    """Raises 429 RATE_LIMITED when this sign-in attempt is over a limit.

    One limiter per app (kept on app.state), so each test's fresh app starts with fresh in-process counters.
    `phone` is the name signed in with (staff pass "staff:<username>"); `client_key` the second bucket, from
    api/deps.sign_in_client_key: the caller's hashed number for phone calls relayed by the gateway, otherwise the
    client's address as trusted proxies report it (the peer's own address when no trusted proxy speaks).
    """
    state = request.app.state
    with _app_lock:
        limiter = getattr(state, "login_limiter", None)
        if limiter is None:
            limiter = state.login_limiter = limiter_from_env()
    if client_key is None:
        client_key = "addr:" + (request.client.host if request.client else "unknown")
    decision = limiter.hit(phone, client_key)
    if not decision.allowed:
        minutes = max(1, int(-(-decision.retry_after_s // 60)))
        raise AppError(429, "RATE_LIMITED", RATE_LIMITED_MESSAGE.format(minutes=minutes))
