"""Live transcripts of kiosk conversations, for the staff panel beside the kiosk.

Kept only while the customer is at the kiosk: the transcript is dropped when the customer's session ends
(sign-out or inactivity), so the next customer's staff view starts empty. Bounded in size. In memory
(`TranscriptBook`), or in Redis (`RedisTranscriptBook`) when several gateway instances serve the kiosks and the
staff panel; choose with `set_book`, read with `get_book`.
"""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway.sessions import get_web_settings

# "handoff": a system line that asks staff to come (the panel acts on this kind, never on the words).
Who = Literal["customer", "assistant", "system", "handoff"]
MAX_LINES = 200
MAX_TRANSCRIPTS = 500
# What the staff panel says on a conversation the fraud guard stopped: plain words, what to do.
FRAUD_ALERT = "疑似诈骗，请马上过去"


def _sorted(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Alerted conversations first (the earliest alert on top), then the others by start."""
    return sorted(items, key=lambda t: (t["alert"] is None, (t["alert"] or {}).get("_at", 0.0), t["_started"]))


def _public(item: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in item.items() if not k.startswith("_")}
    if out.get("alert"):
        out["alert"] = {k: v for k, v in out["alert"].items() if not k.startswith("_")}
    return out


@dataclass
class Line:
    seq: int
    who: Who
    text: str
    at: float

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "who": self.who, "text": self.text, "at": _clock(self.at)}


@dataclass
class Transcript:
    conversation_id: str
    customer_name: str
    staff_name: str
    started: float
    lines: deque[Line] = field(default_factory=lambda: deque(maxlen=MAX_LINES))
    next_seq: int = 1
    # Set by a fraud stop: {"kind", "family", "text", "at", "_at"}; stays until the visit ends.
    alert: dict[str, Any] | None = None

    def to_json(self, after: int = 0) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "customer_name": self.customer_name,
            "staff_name": self.staff_name,
            "started": _clock(self.started),
            "_started": self.started,
            "alert": dict(self.alert) if self.alert else None,
            "lines": [line.to_json() for line in self.lines if line.seq > after],
        }


def _alert(kind: str, family: str, now: float) -> dict[str, Any]:
    return {"kind": kind, "family": family, "text": FRAUD_ALERT, "at": _clock(now), "_at": now}


class TranscriptBook:
    def __init__(self) -> None:
        self._items: dict[str, Transcript] = {}
        self._lock = threading.Lock()

    def open(self, conversation_id: str, customer_name: str, staff_name: str) -> None:
        with self._lock:
            if len(self._items) >= MAX_TRANSCRIPTS:
                oldest = min(self._items.values(), key=lambda t: t.started)
                self._items.pop(oldest.conversation_id, None)
            self._items[conversation_id] = Transcript(conversation_id, customer_name, staff_name, time.time())

    def add(self, conversation_id: str, who: Who, text: str) -> None:
        with self._lock:
            transcript = self._items.get(conversation_id)
            if transcript is None or not text:
                return
            transcript.lines.append(Line(transcript.next_seq, who, text, time.time()))
            transcript.next_seq += 1

    def alert(self, conversation_id: str, kind: str, family: str) -> None:
        """Marks the conversation for staff at once (the first alert of a visit keeps its time)."""
        with self._lock:
            transcript = self._items.get(conversation_id)
            if transcript is not None and transcript.alert is None:
                transcript.alert = _alert(kind, family, time.time())

    def close(self, conversation_id: str) -> None:
        with self._lock:
            self._items.pop(conversation_id, None)

    def live(self) -> list[dict[str, Any]]:
        with self._lock:
            items = [t.to_json() for t in self._items.values()]
        return [_public(t) for t in _sorted(items)]


class Book(Protocol):
    def open(self, conversation_id: str, customer_name: str, staff_name: str) -> None: ...

    def add(self, conversation_id: str, who: Who, text: str) -> None: ...

    def alert(self, conversation_id: str, kind: str, family: str) -> None: ...

    def close(self, conversation_id: str) -> None: ...

    def live(self) -> list[dict[str, Any]]: ...


def _clock(at: float) -> str:
    """Seconds since the epoch -> "18:44:03" on the staff's clock (display_tz), not the server's."""
    try:
        zone = ZoneInfo(get_web_settings().display_tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.fromtimestamp(at, zone).strftime("%H:%M:%S")


class RedisTranscriptBook:
    """Transcripts shared by gateway instances. Every key expires by itself (TTL), so a crashed gateway
    leaves nothing behind for long; closing deletes at once."""

    PREFIX = "anxin:gw:transcript:"
    LIVE = "anxin:gw:transcripts:live"

    def __init__(self, client: Any, ttl_s: int = 4 * 3600) -> None:
        self._r = client
        self._ttl = ttl_s

    @classmethod
    def from_url(cls, url: str, ttl_s: int = 4 * 3600) -> RedisTranscriptBook:
        import redis  # only the cluster profile needs it

        return cls(redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0), ttl_s)

    def _keys(self, conversation_id: str) -> tuple[str, str]:
        return self.PREFIX + conversation_id + ":meta", self.PREFIX + conversation_id + ":lines"

    def open(self, conversation_id: str, customer_name: str, staff_name: str) -> None:
        meta, lines = self._keys(conversation_id)
        now = time.time()
        pipe = self._r.pipeline()
        pipe.delete(lines)
        pipe.hset(meta, mapping={"customer_name": customer_name, "staff_name": staff_name, "started": now,
                                 "seq": 0})
        pipe.expire(meta, self._ttl)
        pipe.zadd(self.LIVE, {conversation_id: now})
        pipe.zremrangebyrank(self.LIVE, 0, -MAX_TRANSCRIPTS - 1)  # bounded like the memory book
        pipe.expire(self.LIVE, self._ttl)
        pipe.execute()

    def add(self, conversation_id: str, who: Who, text: str) -> None:
        meta, lines = self._keys(conversation_id)
        if not text or not self._r.exists(meta):
            return
        seq = int(self._r.hincrby(meta, "seq", 1))
        pipe = self._r.pipeline()
        pipe.rpush(lines, json.dumps({"seq": seq, "who": who, "text": text, "at": time.time()}, ensure_ascii=False))
        pipe.ltrim(lines, -MAX_LINES, -1)
        pipe.expire(lines, self._ttl)
        pipe.expire(meta, self._ttl)
        pipe.execute()

    def alert(self, conversation_id: str, kind: str, family: str) -> None:
        meta, _ = self._keys(conversation_id)
        if self._r.exists(meta):  # HSETNX: the first alert of a visit keeps its time
            self._r.hsetnx(meta, "alert", json.dumps(_alert(kind, family, time.time()), ensure_ascii=False))

    def close(self, conversation_id: str) -> None:
        pipe = self._r.pipeline()
        pipe.delete(*self._keys(conversation_id))
        pipe.zrem(self.LIVE, conversation_id)
        pipe.execute()

    def live(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for raw_id in self._r.zrange(self.LIVE, 0, -1):
            cid = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
            meta_key, lines_key = self._keys(cid)
            meta = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
                    for k, v in self._r.hgetall(meta_key).items()}
            if not meta:  # expired on its own
                self._r.zrem(self.LIVE, cid)
                continue
            lines = [json.loads(x) for x in self._r.lrange(lines_key, 0, -1)]
            started = float(meta.get("started") or 0)
            out.append({
                "conversation_id": cid,
                "customer_name": meta.get("customer_name", ""),
                "staff_name": meta.get("staff_name", ""),
                "started": _clock(started),
                "_started": started,
                "alert": json.loads(meta["alert"]) if meta.get("alert") else None,
                "lines": [{**line, "at": _clock(float(line["at"]))} for line in lines],
            })
        return [_public(t) for t in _sorted(out)]


_book: Book = TranscriptBook()


def get_book() -> Book:
    return _book


def set_book(book: Book) -> None:
    """Swaps the book (tests; RedisTranscriptBook for several gateway instances)."""
    global _book
    _book = book
