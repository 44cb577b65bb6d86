"""Gateway sessions in Redis, so any gateway instance behind the load balancer serves any signed-in browser.

Implements gateway.sessions.SessionStore with the same expiry rules as MemorySessionStore: a customer's session
ends after its idle timeout; a kiosk station's staff sign-in outlives its customers until its own end. Each
session is one JSON value whose Redis TTL is its latest possible end, so Redis forgets it by itself.
Selected by ANXIN_REDIS_URL (cluster/gateway_app.py): `redis://` for one Redis, or
`redis+sentinel://:password@host:port,host:port,host:port/anxin` to reach the current master through Sentinel
(cluster/redis_ha.client_from_url); after a failover the next command finds the promoted replica by itself. The
value holds the customer's bank token, as the
in-memory store does: Redis must be private to the gateways (loopback, or password + TLS across machines).
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import secrets
import time
from typing import cast

import redis

from cluster.redis_ha import client_from_url
from gateway.sessions import Channel, GatewaySession, _expired

PREFIX = "anxin:gw:session:"


class RedisSessionStore:
    def __init__(self, client: redis.Redis) -> None:
        self._r = client

    @classmethod
    def from_url(cls, url: str) -> RedisSessionStore:
        # Short timeouts: a dead Redis must become a quick, clear 503, not a hung page.
        return cls(client_from_url(url, socket_timeout=1.0))

    def create(self, channel: Channel, idle_timeout_s: int) -> GatewaySession:
        now = time.time()
        session = GatewaySession(sid=secrets.token_urlsafe(32), channel=channel, idle_timeout_s=idle_timeout_s,
                                 expires_at=now + idle_timeout_s)
        self.save(session)
        # A sign-in is rare and must survive a master crash right after it: wait (briefly) until a replica
        # has it, so the replica Sentinel promotes knows this session. Later saves (idle-timeout updates)
        # are not waited for: losing one costs a few seconds of idle time, not the session.
        with contextlib.suppress(redis.RedisError):
            self._r.wait(1, 200)
        return session

    def _value(self, key: str | bytes) -> str | bytes | None:
        # redis-py types its sync and asyncio clients with one signature: every command returns
        # `Awaitable[Any] | Any` (ResponseT). This client is the synchronous redis.Redis, whose GET returns the
        # stored value (bytes, or str with decode_responses) or None, never an awaitable: the cast says so once.
        return cast("str | bytes | None", self._r.get(key))

    def get(self, sid: str) -> GatewaySession | None:
        raw = self._value(PREFIX + sid)
        if raw is None:
            return None
        session = GatewaySession.from_stored(json.loads(raw))
        return self._expire_if_due(session, time.time())

    def save(self, session: GatewaySession) -> None:
        end = max(session.expires_at, session.staff_expires_at)
        ttl_ms = int((end - time.time()) * 1000)
        if ttl_ms <= 0:
            self.delete(session.sid)
            return
        self._r.set(PREFIX + session.sid, json.dumps(dataclasses.asdict(session)), px=ttl_ms)

    def delete(self, sid: str) -> None:
        self._r.delete(PREFIX + sid)

    def all(self) -> list[GatewaySession]:
        now = time.time()
        out: list[GatewaySession] = []
        for key in self._r.scan_iter(match=PREFIX + "*", count=500):
            raw = self._value(key)
            if raw is not None:
                session = self._expire_if_due(GatewaySession.from_stored(json.loads(raw)), now)
                if session is not None:
                    out.append(session)
        return out

    def _expire_if_due(self, session: GatewaySession, now: float) -> GatewaySession | None:
        if not _expired(session, now):
            return session
        if session.staff_token and session.staff_expires_at > now:
            session.clear_customer()
            session.expires_at = session.staff_expires_at
            self.save(session)
            return session
        self.delete(session.sid)
        return None
