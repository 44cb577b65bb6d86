"""Sign-in attempt limits per phone number and per client address, on the `limits` library's moving window.

An attempt is admitted when fewer than `limit` attempts were admitted for that phone (and for that address) in
the last `window` seconds. Refused attempts are not counted, so a customer who waits is let in again exactly
when the window allows, however often they were refused meanwhile.

With ANXIN_REDIS_URL set (redis://, rediss:// or redis+sentinel://host:26379,host2:26379/<master>) the windows
live in Redis and are shared by every backend instance; the entries carry the instances' own clocks, so their
hosts keep time (NTP), as a bank's hosts do anyway. Without it, or while Redis is unreachable, each instance
keeps its own windows in memory: the limits then hold per instance (still bounding a flood), and the PIN
lock-out, which lives in the database, holds everywhere.

Phone numbers are hashed before they become Redis keys so Redis never holds a readable customer number.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import Request

from backend.core.config import Settings, get_settings
from backend.errors import AppError

log = logging.getLogger("backend.ratelimit")

RATE_LIMITED_MESSAGE = "登录尝试太频繁了，为了您的账户安全，请过{minutes}分钟再试。"
# After Redis fails, skip it for this long: a dead Redis must not add its timeout to every sign-in.
REDIS_RETRY_AFTER_S = 5.0
REDIS_TIMEOUT_S = 0.5
KEY_PREFIX = "anxin:login"  # Redis keys: anxin:login:phone/<hash>/..., anxin:login:addr/<address>/...
# The in-process store expires a key's entries but keeps the key: past this many keys the empty ones are dropped,
# so a scan of many phone numbers cannot grow memory without bound.
MAX_LOCAL_KEYS = 50_000


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


class _Window(RateLimitItemPerSecond):
    """`limits`' per-second item, with the window in (possibly fractional) seconds as given: the in-process
    store takes any float; Redis needs whole seconds (the settings allow only those)."""

    __slots__ = ("_expiry",)

    def __init__(self, limit: Limit, namespace: str) -> None:
        super().__init__(limit.attempts, max(1, round(limit.window_s)), namespace=namespace)
        self._expiry = limit.window_s

    def get_expiry(self) -> int:
        return self._expiry  # type: ignore[return-value]  # limits types it int; its stores compute in floats


def _decide(limiter: MovingWindowRateLimiter, keys: list[tuple[_Window, str]]) -> Decision:
    """Both windows checked first, then both hit: a refused attempt counts in neither."""
    wait = 0.0
    for item, key in keys:
        if not limiter.test(item, key):
            wait = max(wait, limiter.get_window_stats(item, key).reset_time - time.time())
    if wait > 0:
        return Decision(False, wait)
    for item, key in keys:
        if not limiter.hit(item, key):  # another instance took the last place meanwhile
            return Decision(False, max(limiter.get_window_stats(item, key).reset_time - time.time(), 0.001))
    return Decision(True)


def forget_idle(storage: MemoryStorage, max_keys: int = MAX_LOCAL_KEYS) -> None:
    """Drops the keys with no entry left once there are more than `max_keys` (under each key's own lock, the
    one the store takes to record an entry)."""
    if len(storage.events) <= max_keys:
        return
    for key in [k for k, entries in list(storage.events.items()) if not entries]:
        with storage.locks[key]:
            if not storage.events.get(key):
                storage.events.pop(key, None)


class LoginRateLimiter:
    def __init__(self, per_phone: Limit, per_address: Limit, redis_url: str | None = None) -> None:
        self.per_phone = per_phone
        self.per_address = per_address
        self._items = (_Window(per_phone, "phone"), _Window(per_address, "addr"))
        self._memory = MemoryStorage()
        self._local = MovingWindowRateLimiter(self._memory)
        self._shared: MovingWindowRateLimiter | None = None
        self._redis_down_until = 0.0
        if redis_url:
            if any(limit.window_s != int(limit.window_s) for limit in (per_phone, per_address)):
                raise ValueError("with Redis, sign-in windows are whole seconds")
            timeouts = {"socket_timeout": REDIS_TIMEOUT_S, "socket_connect_timeout": REDIS_TIMEOUT_S}
            options: dict[str, float | str | bool | dict[str, float]] = {**timeouts, "key_prefix": KEY_PREFIX}
            if redis_url.startswith("redis+sentinel://"):
                options["sentinel_kwargs"] = timeouts  # the sentinels' own connections time out alike
            self._shared = MovingWindowRateLimiter(storage_from_string(redis_url, **options))  # type: ignore[arg-type]

    @staticmethod
    def _phone_key(phone: str) -> str:
        return hashlib.sha256(phone.encode()).hexdigest()[:24]

    def hit(self, phone: str, address: str) -> Decision:
        """Records one sign-in attempt if both limits allow it; says how long to wait otherwise."""
        keys = [(self._items[0], self._phone_key(phone)), (self._items[1], address)]
        if self._shared is not None and time.monotonic() >= self._redis_down_until:
            try:
                return _decide(self._shared, keys)
            except Exception as exc:  # any Redis failure: degrade to per-instance limits, say so once
                self._redis_down_until = time.monotonic() + REDIS_RETRY_AFTER_S
                log.warning("rate limits: Redis unavailable (%s); using this instance's own counters",
                            type(exc).__name__)
        decision = _decide(self._local, keys)
        forget_idle(self._memory)
        return decision


def limiter_from_settings(settings: Settings) -> LoginRateLimiter:
    """ANXIN_LOGIN_LIMIT_PER_PHONE, ANXIN_LOGIN_LIMIT_PER_ADDRESS and ANXIN_REDIS_URL (core/config.py)."""
    return LoginRateLimiter(
        per_phone=Limit.parse(settings.login_limit_per_phone),
        per_address=Limit.parse(settings.login_limit_per_address),
        redis_url=settings.redis_url or None,
    )


def limiter_from_env() -> LoginRateLimiter:
    """The limiter of this process's settings (get_settings)."""
    return limiter_from_settings(get_settings())


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
            settings = getattr(state, "settings", None)
            limiter = state.login_limiter = limiter_from_settings(settings or get_settings())
    if client_key is None:
        client_key = "addr:" + (request.client.host if request.client else "unknown")
    decision = limiter.hit(phone, client_key)
    if not decision.allowed:
        minutes = max(1, int(-(-decision.retry_after_s // 60)))
        raise AppError(429, "RATE_LIMITED", RATE_LIMITED_MESSAGE.format(minutes=minutes))
