"""Per-call state of the phone line and the handoff notes kept for staff (the phone settings: gateway/config.py).

One call's webhooks arrive one after another, and a call lasts minutes. The state lives in this process's
memory (MemoryCallStore) or, when several gateway instances share the calls, in Redis (RedisCallStore).
The customer's token is held only for the call, and never printed (repr=False).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Protocol

from gateway.config import get_phone_settings
from rules import redact as redact_rules
from rules import speech

log = logging.getLogger("anxin.gateway.phone")


class Stage(str, Enum):
    PIN = "pin"  # waiting for the 6-digit PIN on the keypad
    TALK = "talk"  # signed in: turns go to the assistant
    OFFER = "offer"  # a person was offered (silence, lock-out, unknown number)
    DONE = "done"


@dataclass
class Spoken:
    """One thing said to the caller, kept so that * can say it again."""

    text: str
    buttons: list[str] = field(default_factory=list)
    rate: float = speech.DEFAULT
    key_figure: str | None = None


@dataclass
class CallState:
    call_sid: str
    sender: str
    phone: str | None
    stage: Stage = Stage.PIN
    token: str | None = field(default=None, repr=False)
    customer_name: str = ""
    speech_rate: float = speech.DEFAULT  # the assistant's latest, for the line's own sentences too
    pin_failures: int = 0
    silences: int = 0
    resume_stage: Stage | None = None  # where key 1 goes back to after an offer
    last_prompt: list[Spoken] = field(default_factory=list)
    # payloads of the last reply's buttons, for keys 1, 2, ...
    choices: list[str] = field(default_factory=list)
    choice_titles: list[str] = field(default_factory=list)  # their labels, as hints for speech recognition
    # HMAC of the PIN with a random per-call salt: recognises the PIN typed or said again later in the call,
    # so it is never passed on to the assistant (whose tracker keeps every message). Never the PIN itself.
    pin_guard: str = field(default="", repr=False)
    pin_salt: str = field(default="", repr=False)
    updated: float = field(default_factory=time.time)  # wall clock: several processes read it
    ended: bool = False  # hung up: nothing to save any more
    # The scam family of a fraud stop in this call ("" if none): a handoff after it is marked as fraud.
    risk_family: str = ""


def remember_pin(state: CallState, pin: str) -> None:
    state.pin_salt = secrets.token_hex(16)
    state.pin_guard = hmac.new(state.pin_salt.encode(), pin.encode(), hashlib.sha256).hexdigest()


def holds_pin(state: CallState, text: str) -> bool:
    """Whether `text` (keys or recognised speech) contains the PIN this call signed in with."""
    if not state.pin_guard or not text:
        return False
    for run in re.findall(r"\d{6,}", re.sub(r"[\s,，、\-]", "", text)):
        for i in range(len(run) - 5):
            digest = hmac.new(state.pin_salt.encode(), run[i:i + 6].encode(), hashlib.sha256).hexdigest()
            if hmac.compare_digest(digest, state.pin_guard):
                return True
    return False


def sender_for(call_sid: str) -> str:
    """The assistant's conversation id for a call: one conversation per call, not the bare Twilio id."""
    return "phone-" + hashlib.sha256(call_sid.encode()).hexdigest()[:24]


_CN_MOBILE = re.compile(r"^1\d{10}$")


def caller_phone(raw: str | None) -> str | None:
    """+8613800000001 / 008613800000001 / 13800000001 -> 13800000001; anything else (anonymous, SIP,
    foreign numbers) -> None."""
    if not raw:
        return None
    digits = re.sub(r"[\s\-()]", "", raw)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    return digits if _CN_MOBILE.match(digits) else None


def caller_key(phone: str) -> str:
    """X-Anxin-Caller for the backend's sign-in limits: sha256 hex of the calling number in E.164
    ("+8613800000001"; `phone` as `caller_phone` gives it). Each caller has a bucket of their own, instead of
    every call sharing the gateway's address; the number itself is not sent twice."""
    return hashlib.sha256(f"+86{phone}".encode()).hexdigest()


def mask_phone(phone: str | None) -> str:
    """The one phone mask (rules.redact), or the phone channel's words for a hidden caller number."""
    return redact_rules.mask_phone(phone) if phone else "未知号码"


# Staff notes and handoff summaries: every phone, card or account number keeps only its last four (rules.redact).
redact = redact_rules.mask_numbers


def state_to_json(state: CallState) -> str:
    data = asdict(state)
    data["stage"] = state.stage.value
    data["resume_stage"] = state.resume_stage.value if state.resume_stage else None
    return json.dumps(data, ensure_ascii=False)


def state_from_json(raw: str | bytes) -> CallState:
    data = json.loads(raw)
    data["stage"] = Stage(data["stage"])
    data["resume_stage"] = Stage(data["resume_stage"]) if data.get("resume_stage") else None
    data["last_prompt"] = [Spoken(**item) for item in data.get("last_prompt") or []]
    return CallState(**data)


class CallStore(Protocol):
    """Where calls live between webhooks. `get` returns a copy: changes count once `save`d."""

    def get(self, call_sid: str) -> CallState | None: ...

    def start(self, call_sid: str, phone: str | None) -> CallState: ...

    def save(self, state: CallState) -> None: ...

    def end(self, call_sid: str) -> None: ...


class MemoryCallStore:
    """One process's calls. Keeps serialised copies, so it behaves like the shared store (save or lose)."""

    def __init__(self, ttl_s: int, max_calls: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_calls = max_calls
        self._calls: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, call_sid: str) -> CallState | None:
        with self._lock:
            raw = self._calls.get(call_sid)
        if raw is None:
            return None
        state = state_from_json(raw)
        return None if time.time() - state.updated > self.ttl_s else state

    def start(self, call_sid: str, phone: str | None) -> CallState:
        state = CallState(call_sid=call_sid, sender=sender_for(call_sid), phone=phone)
        with self._lock:
            self._purge()
        self.save(state)
        return state

    def save(self, state: CallState) -> None:
        state.updated = time.time()
        with self._lock:
            self._calls.pop(state.call_sid, None)  # re-insert: the dict's order is the age order
            self._calls[state.call_sid] = state_to_json(state)

    def end(self, call_sid: str) -> None:
        """Forgets the call, and with it the customer's token."""
        with self._lock:
            self._calls.pop(call_sid, None)

    def __len__(self) -> int:
        return len(self._calls)

    def _purge(self) -> None:
        now = time.time()
        for sid in [s for s, raw in self._calls.items() if now - json.loads(raw)["updated"] > self.ttl_s]:
            del self._calls[sid]
        while len(self._calls) >= self.max_calls:  # oldest first
            del self._calls[next(iter(self._calls))]


class RedisCallStore:
    """Calls shared by every gateway instance (Twilio's webhooks of one call may reach any of them).

    Each call is one JSON value with a TTL, under a key made from the call id's hash. The value holds the
    customer's bank token for the call, as the web sessions do: Redis must be private to the gateways.
    """

    PREFIX = "anxin:gw:call:"

    def __init__(self, client: Any, ttl_s: int) -> None:
        self._r = client
        self.ttl_s = ttl_s

    @classmethod
    def from_url(cls, url: str, ttl_s: int) -> RedisCallStore:
        import redis

        # Short timeouts: Twilio gives a webhook 15 s; a dead Redis must become an apology well before.
        return cls(redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0), ttl_s)

    def _key(self, call_sid: str) -> str:
        return self.PREFIX + sender_for(call_sid)

    def get(self, call_sid: str) -> CallState | None:
        raw = self._r.get(self._key(call_sid))
        return state_from_json(raw) if raw is not None else None

    def start(self, call_sid: str, phone: str | None) -> CallState:
        state = CallState(call_sid=call_sid, sender=sender_for(call_sid), phone=phone)
        self.save(state)
        return state

    def save(self, state: CallState) -> None:
        state.updated = time.time()
        self._r.set(self._key(state.call_sid), state_to_json(state), ex=self.ttl_s)

    def end(self, call_sid: str) -> None:
        self._r.delete(self._key(call_sid))


@dataclass(frozen=True)
class Handoff:
    at: float
    call: str  # the conversation id, not the Twilio id
    customer: str
    phone_masked: str
    reason: str
    summary: str

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "call": self.call, "customer": self.customer, "phone_masked": self.phone_masked,
                "reason": self.reason, "summary": self.summary}


class HandoffLog:
    """The short notes staff see when a call is put through to them (most recent last)."""

    def __init__(self, size: int = 200) -> None:
        self._items: deque[Handoff] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, state: CallState, reason: str, summary: str = "") -> Handoff:
        note = Handoff(time.time(), state.sender, state.customer_name or "未登录", mask_phone(state.phone),
                       redact(reason)[:100], redact(summary)[:300])
        with self._lock:
            self._items.append(note)
        log.info("handoff to staff: call=%s customer=%s phone=%s reason=%s summary=%s",
                 note.call, note.customer, note.phone_masked, note.reason, note.summary)
        return note

    def recent(self, limit: int = 50) -> list[Handoff]:
        with self._lock:
            return list(self._items)[-limit:]


_store: CallStore = MemoryCallStore(ttl_s=get_phone_settings().call_ttl_s)
handoffs = HandoffLog()


def call_store() -> CallStore:
    return _store


def set_call_store(store: CallStore) -> None:
    """Selects where calls live (cluster/gateway_app.py: RedisCallStore when ANXIN_REDIS_URL is set)."""
    global _store
    _store = store
