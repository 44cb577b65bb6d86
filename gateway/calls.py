"""Per-call state of the phone line, the handoff notes kept for staff, and the phone settings.

State lives in this process's memory: one call's webhooks arrive one after another, and a call lasts
minutes. Several gateway instances behind a balancer would need it in a shared store (Redis) instead.
The customer's token is held here only for the call, and never printed (repr=False).
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger("anxin.gateway.phone")

# Twilio's test credentials are public anyway; this one only guards local demos. Set a real one in production.
DEV_TWILIO_AUTH_TOKEN = "anxin-dev-twilio-auth-token"


class PhoneSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANXIN_", env_file=".env", extra="ignore")

    twilio_auth_token: str = DEV_TWILIO_AUTH_TOKEN
    # The base URL Twilio calls (e.g. https://anxin.example.cn). Empty: the request's own URL, read through
    # X-Forwarded-Proto/Host when twilio_trust_forwarded is on (only behind a proxy that sets them).
    phone_public_url: str = ""
    twilio_trust_forwarded: bool = False
    # E.164 number of the staff line for <Dial>; empty: the line apologises that nobody is there.
    staff_phone: str = ""
    gather_timeout_s: int = Field(default=8, ge=3, le=30)  # older callers need time to start
    pin_timeout_s: int = Field(default=12, ge=5, le=30)
    dial_timeout_s: int = Field(default=30, ge=5, le=120)
    max_pin_failures: int = Field(default=3, ge=1, le=10)
    call_ttl_s: int = Field(default=4 * 3600, ge=60)


@lru_cache
def get_phone_settings() -> PhoneSettings:
    return PhoneSettings()


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
    rate: float = 1.0
    key_figure: str | None = None


@dataclass
class CallState:
    call_sid: str
    sender: str
    phone: str | None
    stage: Stage = Stage.PIN
    token: str | None = field(default=None, repr=False)
    customer_name: str = ""
    pin_failures: int = 0
    silences: int = 0
    resume_stage: Stage | None = None  # where key 1 goes back to after an offer
    last_prompt: list[Spoken] = field(default_factory=list)
    # payloads of the last reply's buttons, for keys 1, 2, ...
    choices: list[str] = field(default_factory=list)
    choice_titles: list[str] = field(default_factory=list)  # their labels, as hints for speech recognition
    updated: float = field(default_factory=time.monotonic)


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


def mask_phone(phone: str | None) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if phone and len(phone) >= 7 else "未知号码"


_LONG_NUMBER = re.compile(r"\d(?:[ \-]?\d){6,}")


def redact(text: str) -> str:
    """Masks runs of 7+ digits (card, account and phone numbers), keeping the last four."""
    def _mask(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        return "****" + digits[-4:]

    return _LONG_NUMBER.sub(_mask, text)


class CallStore:
    def __init__(self, ttl_s: int, max_calls: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_calls = max_calls
        self._calls: dict[str, CallState] = {}
        self._lock = threading.Lock()

    def get(self, call_sid: str) -> CallState | None:
        with self._lock:
            state = self._calls.get(call_sid)
            if state is not None:
                state.updated = time.monotonic()
            return state

    def start(self, call_sid: str, phone: str | None) -> CallState:
        with self._lock:
            self._purge()
            state = CallState(call_sid=call_sid, sender=sender_for(call_sid), phone=phone)
            self._calls[call_sid] = state
            return state

    def end(self, call_sid: str) -> None:
        """Forgets the call, and with it the customer's token."""
        with self._lock:
            self._calls.pop(call_sid, None)

    def __len__(self) -> int:
        return len(self._calls)

    def _purge(self) -> None:
        now = time.monotonic()
        for sid in [s for s, c in self._calls.items() if now - c.updated > self.ttl_s]:
            del self._calls[sid]
        while len(self._calls) >= self.max_calls:  # oldest first (dicts keep insertion order)
            del self._calls[next(iter(self._calls))]


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


calls = CallStore(ttl_s=get_phone_settings().call_ttl_s)
handoffs = HandoffLog()
