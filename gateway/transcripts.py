"""Live transcripts of kiosk conversations, for the staff panel beside the kiosk.

Kept in memory and only while the customer is at the kiosk: the transcript is dropped when the customer's
session ends (sign-out or inactivity), so the next customer's staff view starts empty. Bounded in size.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

Who = Literal["customer", "assistant", "system"]
MAX_LINES = 200
MAX_TRANSCRIPTS = 500


@dataclass
class Line:
    seq: int
    who: Who
    text: str
    at: float

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "who": self.who, "text": self.text,
                "at": time.strftime("%H:%M:%S", time.localtime(self.at))}


@dataclass
class Transcript:
    conversation_id: str
    customer_name: str
    staff_name: str
    started: float
    lines: deque[Line] = field(default_factory=lambda: deque(maxlen=MAX_LINES))
    next_seq: int = 1

    def to_json(self, after: int = 0) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "customer_name": self.customer_name,
            "staff_name": self.staff_name,
            "started": time.strftime("%H:%M:%S", time.localtime(self.started)),
            "lines": [line.to_json() for line in self.lines if line.seq > after],
        }


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

    def close(self, conversation_id: str) -> None:
        with self._lock:
            self._items.pop(conversation_id, None)

    def live(self) -> list[dict[str, Any]]:
        with self._lock:
            return [t.to_json() for t in sorted(self._items.values(), key=lambda t: t.started)]


transcripts = TranscriptBook()
