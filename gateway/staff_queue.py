"""The staff panel's queue of web and phone customers waiting for a person (the kiosk has its transcripts).

A fraud stop on the web or the phone, or a customer asking for a person there, puts one entry here; staff see
it in the panel beside the kiosk transcripts and mark it done when they have called back. Bounded; in memory
(`MemoryQueue`) or in Redis (`RedisQueue`) when several gateway instances share the panel. No account number,
code or PIN: the summary is redacted before it is stored.
"""
from __future__ import annotations

import json
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from gateway.calls import redact
from gateway.transcripts import _clock

MAX_ENTRIES = 200
REASON_TEXT = {"fraud": "疑似诈骗，请马上联系客户", "asked": "客户要求转人工", "misunderstood": "助手没听懂，请联系客户"}


@dataclass
class Entry:
    id: str
    at: float
    channel: str  # "web" | "phone"
    conversation_id: str
    customer_name: str
    reason: str  # "fraud" | "asked" | "misunderstood"
    family: str
    summary: str
    contact: str  # masked phone number on the phone line; empty on the web

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "at": _clock(self.at), "channel": self.channel,
                "conversation_id": self.conversation_id, "customer_name": self.customer_name,
                "reason": self.reason, "reason_text": REASON_TEXT.get(self.reason, REASON_TEXT["asked"]),
                "family": self.family, "summary": self.summary, "contact": self.contact}


def make_entry(channel: str, conversation_id: str, customer_name: str, reason: str, family: str = "",
               summary: str = "", contact: str = "") -> Entry:
    return Entry(secrets.token_hex(8), time.time(), channel, conversation_id, customer_name[:40] or "未登录",
                 reason if reason in REASON_TEXT else "asked", family[:40], redact(summary)[:300], contact)


class Queue(Protocol):
    def add(self, entry: Entry) -> None: ...

    def done(self, entry_id: str) -> bool: ...

    def waiting(self) -> list[dict[str, Any]]: ...


def _order(entries: list[Entry]) -> list[dict[str, Any]]:
    """Frauds first, then the others; the oldest first within each (they have waited longest)."""
    return [e.to_json() for e in sorted(entries, key=lambda e: (e.reason != "fraud", e.at))]


class MemoryQueue:
    def __init__(self) -> None:
        self._items: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, entry: Entry) -> None:
        with self._lock:
            # One entry per conversation: a second stop in the same conversation updates it.
            for old in [e for e in self._items.values() if e.conversation_id == entry.conversation_id]:
                if old.reason == "fraud" and entry.reason != "fraud":
                    return
                del self._items[old.id]
            self._items[entry.id] = entry
            while len(self._items) > MAX_ENTRIES:
                self._items.popitem(last=False)

    def done(self, entry_id: str) -> bool:
        with self._lock:
            return self._items.pop(entry_id, None) is not None

    def waiting(self) -> list[dict[str, Any]]:
        with self._lock:
            return _order(list(self._items.values()))


class RedisQueue:
    """The queue in one Redis hash (id -> entry), with a TTL so nothing stays for ever."""

    KEY = "anxin:gw:staff-queue"

    def __init__(self, client: Any, ttl_s: int = 24 * 3600) -> None:
        self._r = client
        self._ttl = ttl_s

    @classmethod
    def from_url(cls, url: str) -> RedisQueue:
        import redis

        return cls(redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0))

    def _all(self) -> list[Entry]:
        return [Entry(**json.loads(v)) for v in self._r.hgetall(self.KEY).values()]

    def add(self, entry: Entry) -> None:
        existing = [e for e in self._all() if e.conversation_id == entry.conversation_id]
        if any(e.reason == "fraud" for e in existing) and entry.reason != "fraud":
            return
        pipe = self._r.pipeline()
        for old in existing:
            pipe.hdel(self.KEY, old.id)
        pipe.hset(self.KEY, entry.id, json.dumps(asdict(entry), ensure_ascii=False))
        pipe.expire(self.KEY, self._ttl)
        pipe.execute()
        entries = sorted(self._all(), key=lambda e: e.at)
        if len(entries) > MAX_ENTRIES:
            self._r.hdel(self.KEY, *[e.id for e in entries[:-MAX_ENTRIES]])

    def done(self, entry_id: str) -> bool:
        return bool(self._r.hdel(self.KEY, entry_id))

    def waiting(self) -> list[dict[str, Any]]:
        return _order(self._all())


_queue: Queue = MemoryQueue()


def get_queue() -> Queue:
    return _queue


def set_queue(queue: Queue) -> None:
    """Swaps the queue (tests; RedisQueue for several gateway instances, see cluster/gateway_app.py)."""
    global _queue
    _queue = queue
