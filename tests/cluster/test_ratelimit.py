"""Sign-in rate limits: per phone and per address, shared through Redis, per instance without it."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.core.ratelimit import Limit, LoginRateLimiter
from cluster.stores import RedisServer

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(Path(tmp_path_factory.mktemp("redis")))
    server.start()
    yield server
    server.stop()


def test_per_phone_limit_holds_in_process() -> None:
    limiter = LoginRateLimiter(Limit(3, 60), Limit(100, 60))
    assert [limiter.hit("13800000001", f"10.0.0.{i}").allowed for i in range(4)] == [True, True, True, False]
    # Another customer from the same addresses is not affected.
    assert limiter.hit("13800000002", "10.0.0.1").allowed


def test_per_address_limit_and_window_reopens() -> None:
    limiter = LoginRateLimiter(Limit(100, 60), Limit(2, 0.5))
    assert limiter.hit("13900000001", "10.1.1.1").allowed
    assert limiter.hit("13900000002", "10.1.1.1").allowed
    refused = limiter.hit("13900000003", "10.1.1.1")
    assert not refused.allowed and 0 < refused.retry_after_s <= 0.5
    time.sleep(0.6)
    assert limiter.hit("13900000003", "10.1.1.1").allowed


def test_refused_attempts_do_not_extend_the_wait() -> None:
    limiter = LoginRateLimiter(Limit(1, 0.5), Limit(100, 60))
    assert limiter.hit("13900000009", "10.2.2.2").allowed
    for _ in range(5):
        assert not limiter.hit("13900000009", "10.2.2.2").allowed
    time.sleep(0.6)
    assert limiter.hit("13900000009", "10.2.2.2").allowed


def test_limits_are_shared_across_instances_through_redis(redis_server: RedisServer) -> None:
    a = LoginRateLimiter(Limit(4, 60), Limit(100, 60), redis_server.url)
    b = LoginRateLimiter(Limit(4, 60), Limit(100, 60), redis_server.url)
    results = [(a if i % 2 else b).hit("13700000001", "10.3.3.3").allowed for i in range(6)]
    assert results == [True, True, True, True, False, False]
    # Redis holds no readable phone number.
    import redis

    keys = [k.decode() for k in redis.Redis.from_url(redis_server.url).keys("anxin:login:*")]
    assert keys and not any("13700000001" in k for k in keys)


def test_redis_outage_degrades_to_local_limits_then_recovers(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "r")
    server.start()
    try:
        limiter = LoginRateLimiter(Limit(2, 60), Limit(100, 60), server.url)
        assert limiter.hit("13600000001", "10.4.4.4").allowed
        server.stop()
        # Redis gone: attempts are still limited, by this instance's own window, and nothing raises.
        assert limiter.hit("13600000002", "10.4.4.4").allowed
        assert limiter.hit("13600000002", "10.4.4.4").allowed
        assert not limiter.hit("13600000002", "10.4.4.4").allowed
        server.start()  # an empty Redis (no persistence): shared counting starts afresh
        limiter._redis_down_until = 0.0  # skip the back-off instead of sleeping through it
        other = LoginRateLimiter(Limit(2, 60), Limit(100, 60), server.url)
        assert limiter.hit("13600000003", "10.4.4.4").allowed
        assert other.hit("13600000003", "10.4.4.4").allowed
        assert not limiter.hit("13600000003", "10.4.4.4").allowed  # shared again across instances
    finally:
        server.stop()
