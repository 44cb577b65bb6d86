"""The cluster's Rasa stores (loaded by Rasa from deploy/rasa/endpoints.yml; .venv-rasa, SQLAlchemy 1.4).

ClusterTrackerStore: the assistant's token-redacting mixin on Rasa's SQL store, plus pool_pre_ping. Rasa's
SQLTrackerStore builds its engine without pre-ping, so after a PostgreSQL restart the first turn on each pooled
connection would fail; pre-ping tests a connection when it is checked out and replaces it silently instead.

AtomicRedisLockStore: Rasa's RedisLockStore with its ticket updates made atomic. Rasa reads a conversation's
ticket lock, changes it in Python and writes it back; two Rasa servers receiving the first two messages of a
conversation at the same moment both read "no lock", both write ticket 0 and process at once, and one message
is lost from the tracker (seen in tests/cluster). Here every read-change-write runs under WATCH/MULTI, retried
when another server changed the lock in between.

With a URL in the endpoint (`url: ${ANXIN_REDIS_URL}`, `redis://` or `redis+sentinel://...`) the store talks to
Redis through cluster.redis_ha.client_from_url: Rasa 3.6's RedisLockStore knows one host and port only, so
after a Sentinel failover it would keep knocking on the dead master; this client asks the Sentinels where the
master is now and retries a lost connection for as long as a promotion takes.

KeepingPikaEventBroker: Rasa's Pika event broker, keeping two kinds of event Rasa 3.6 would drop when RabbitMQ
goes away instead of putting them in its buffer of unpublished events: (1) a publish ended by
asyncio.CancelledError (aio-pika cancels a confirmation pending when the connection closes; Rasa catches
Exception only); (2) a message RabbitMQ returns as unroutable (Rasa publishes with `mandatory` but opens its
channel with on_return_raises=False, so a return counts as sent: after a restart, before the binding of Rasa's
non-durable exchange is restored). Both are then sent again after the reconnect like any failed publish; a copy
that did arrive is stored once (backend.events: the event id). Drill 6 still loses the turn in flight as RabbitMQ
shuts down in most runs, with neither logged: README, drill 6.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
import sqlalchemy as sa
from rasa.core.brokers.pika import PikaEventBroker
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.utils.endpoints import EndpointConfig

from assistant.tracker_store import RedactingTrackerStoreMixin
from cluster.redis_ha import client_from_url

T = TypeVar("T")
logger = logging.getLogger(__name__)
_DELETE = object()


# A PostgreSQL failover (Patroni promoting a standby behind HAProxy: ~10 s) or a restart: the conversation store
# is waited for this long. Rasa's FailSafeTrackerStore would otherwise answer a failed read with a *new, empty*
# conversation and keep a failed write in memory only, silently (issue 13's drills grep for its message).
TRACKER_RETRY_S = 30.0
# Read-only transaction (a demoted primary), admin/crash shutdown, cannot connect now.
_TRANSIENT_PGCODES = {"25006", "57P01", "57P02", "57P03"}


def _transient(exc: BaseException) -> bool:
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    return bool(exc.connection_invalidated or isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError))
                or getattr(exc.orig, "pgcode", None) in _TRANSIENT_PGCODES)


async def _retrying(call: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + TRACKER_RETRY_S
    while True:
        try:
            return await call()
        except sa.exc.DBAPIError as exc:
            if not _transient(exc) or time.monotonic() > deadline:
                raise
            logger.warning("conversation store unavailable (%s), retrying", type(exc.orig).__name__)
            await asyncio.sleep(0.5)


class ClusterTrackerStore(RedactingTrackerStoreMixin, SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    # Each call opens its own session, so a retry starts clean; save() recounts the stored events first,
    # so a write whose commit did land is not stored twice.
    async def retrieve(self, sender_id: str) -> Any:
        return await _retrying(lambda: super(ClusterTrackerStore, self).retrieve(sender_id))

    async def retrieve_full_tracker(self, sender_id: str) -> Any:
        return await _retrying(lambda: super(ClusterTrackerStore, self).retrieve_full_tracker(sender_id))

    async def save(self, tracker: Any) -> None:
        await _retrying(lambda: super(ClusterTrackerStore, self).save(tracker))

    async def keys(self) -> Any:
        return await _retrying(lambda: super(ClusterTrackerStore, self).keys())


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds custom lock stores from the endpoint config alone.
        url = endpoint_config.url or "localhost"
        if "://" not in url:
            super().__init__(host=url, **endpoint_config.kwargs)
            return
        kwargs = {k: v for k, v in endpoint_config.kwargs.items() if k in ("key_prefix", "socket_timeout")}
        super().__init__(**kwargs)  # Rasa's own client is never connected: replaced just below
        self.red = client_from_url(url, socket_timeout=float(kwargs.get("socket_timeout", 10)))

    def _atomically(self, conversation_id: str,
                    change: Callable[[TicketLock | None], tuple[object, T]]) -> T:
        """Runs `change` on the current lock and stores what it returns (a lock, _DELETE, or None: no write),
        all or nothing; retried if the lock changed meanwhile."""
        key = self.key_prefix + conversation_id
        while True:
            with self.red.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    new, result = change(lock)
                    pipe.multi()
                    if new is _DELETE:
                        pipe.delete(key)
                    elif isinstance(new, TicketLock):
                        pipe.set(key, new.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: TicketLock | None) -> tuple[object, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._atomically(conversation_id, change)
        except Exception as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: str) -> None:
        def change(lock: TicketLock | None) -> tuple[object, None]:
            if lock is None:
                return None, None
            lock.remove_expired_tickets()
            return lock, None

        self._atomically(conversation_id, change)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        def change(lock: TicketLock | None) -> tuple[object, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else _DELETE), None

        self._atomically(conversation_id, change)


class KeepingPikaEventBroker(PikaEventBroker):
    async def connect(self) -> None:
        """Rasa's connect, with a channel on which a returned (unroutable) message raises."""
        self._connection = await self._connect()
        self._connection.reconnect_callbacks.add(self._publish_unpublished_messages)
        channel = await self._connection.channel(on_return_raises=True)
        self._exchange = await self._set_up_exchange(channel)

    async def _publish(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        try:
            await super()._publish(event, headers)
        except asyncio.CancelledError:
            if self.should_keep_unpublished_messages:
                self._unpublished_events.append(event)
            logger.warning("event publish cut off by the broker connection closing; kept for the reconnect")
