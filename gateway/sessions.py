"""Gateway sessions of the web widget and the kiosk.

The browser holds only a random opaque id (HttpOnly SameSite=Strict cookie, or a header for the embedded
widget, whose cookie a cross-site host page would not let through). The customer's bank token stays here, so
script on the page can never read it. Sessions live in memory behind `SessionStore`, a small interface that a
Redis store can implement later without touching the routes.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field, fields
from typing import Any, Literal, Protocol

from fastapi import Request, Response

from gateway.config import get_settings, get_web_settings

COOKIE = "anxin_sid"
HEADER = "x-anxin-session"
Channel = Literal["web", "kiosk"]


@dataclass
class GatewaySession:
    """One browser's sign-in. A kiosk session carries the staff member and, in turn, one customer after another."""

    sid: str
    channel: Channel
    idle_timeout_s: int
    expires_at: float
    # Public id of the conversation (Rasa sender, transcript key); never the sid, which is a credential.
    conversation_id: str = ""
    customer_token: str | None = None
    customer_name: str = ""
    staff_token: str | None = None
    staff_name: str = ""
    staff_expires_at: float = 0.0
    # "station": the kiosk a customer uses; "panel": the staff view with approvals. A customer at the kiosk
    # must never reach the approvals through the station's staff sign-in.
    staff_role: str = ""
    extensions: int = 0
    # The customer's bank token ends here: no extension goes past it (the assistant could not act any more).
    token_expires_at: float = float("inf")
    # The buttons ({"payload", "title"}) of the assistant's last replies in this conversation: a button press
    # is honoured only for a payload offered here, so a browser cannot send Rasa a raw "/intent{...}" of its own.
    offered: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> GatewaySession:
        """A session saved by a store (Redis JSON). Fields this version no longer has (last_transfer_ids, from
        before the receipt asked the backend) are dropped, so sessions saved by an older gateway still load."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @property
    def has_customer(self) -> bool:
        return self.customer_token is not None

    def seconds_left(self, now: float | None = None) -> int:
        return max(0, int(self.expires_at - (now if now is not None else time.time())))

    def touch(self, now: float | None = None) -> None:
        """Activity pushes the customer's deadline back by the full idle timeout (never past the token's end)."""
        now = now if now is not None else time.time()
        self.expires_at = min(now + self.idle_timeout_s, self.token_expires_at)

    def clear_customer(self) -> None:
        """Forgets everything of the customer; a kiosk station keeps its staff sign-in."""
        self.customer_token = None
        self.customer_name = ""
        self.conversation_id = ""
        self.extensions = 0
        self.offered = []
        self.token_expires_at = float("inf")


class SessionStore(Protocol):
    """What the routes need of a session store (in memory; Redis in gateway/session_store_redis.py).

    A store may hand out copies (Redis does): a route that changes a session must `save` it, and must not
    save after a slow call (a Rasa turn), or it could bring back a session signed out in the meantime.
    """

    def create(self, channel: Channel, idle_timeout_s: int) -> GatewaySession: ...

    def get(self, sid: str) -> GatewaySession | None: ...

    def save(self, session: GatewaySession) -> None: ...

    def delete(self, sid: str) -> None: ...

    def all(self) -> list[GatewaySession]: ...


class MemorySessionStore:
    """Sessions in this process. Expired customer sessions are dropped when read or listed."""

    def __init__(self, max_sessions: int = 10_000) -> None:
        self._items: dict[str, GatewaySession] = {}
        self._lock = threading.Lock()
        self._max = max_sessions

    def create(self, channel: Channel, idle_timeout_s: int) -> GatewaySession:
        now = time.time()
        session = GatewaySession(sid=secrets.token_urlsafe(32), channel=channel, idle_timeout_s=idle_timeout_s,
                                 expires_at=now + idle_timeout_s)
        with self._lock:
            self._evict(now)
            if len(self._items) >= self._max:  # bounded: an attacker opening sessions cannot exhaust memory
                oldest = min(self._items.values(), key=lambda s: s.expires_at)
                self._items.pop(oldest.sid, None)
            self._items[session.sid] = session
        return session

    def get(self, sid: str) -> GatewaySession | None:
        with self._lock:
            session = self._items.get(sid)
            if session is None:
                return None
            if _expired(session, time.time()):
                self._expire(session)
                return self._items.get(sid)
            return session

    def save(self, session: GatewaySession) -> None:
        with self._lock:
            self._items[session.sid] = session

    def delete(self, sid: str) -> None:
        with self._lock:
            self._items.pop(sid, None)

    def all(self) -> list[GatewaySession]:
        with self._lock:
            self._evict(time.time())
            return list(self._items.values())

    def _evict(self, now: float) -> None:
        for session in [s for s in self._items.values() if _expired(s, now)]:
            self._expire(session)

    def _expire(self, session: GatewaySession) -> None:
        """A customer's time ran out: forget them; a staff station lives on until its own end."""
        if session.staff_token and session.staff_expires_at > time.time():
            session.clear_customer()
            session.expires_at = session.staff_expires_at
        else:
            self._items.pop(session.sid, None)


def _expired(session: GatewaySession, now: float) -> bool:
    if session.staff_token and not session.has_customer:
        return session.staff_expires_at <= now
    return session.expires_at <= now


_store: SessionStore = MemorySessionStore()


def get_store() -> SessionStore:
    return _store


def set_store(store: SessionStore) -> None:
    """Swaps the store (tests; a Redis store later)."""
    global _store
    _store = store


def session_id_from(request: Request) -> str | None:
    """The header wins (embedded widget); else the cookie (standalone page, kiosk)."""
    sid = request.headers.get(HEADER) or request.cookies.get(COOKIE)
    if not sid or len(sid) > 128:
        return None
    return sid


def current(request: Request) -> GatewaySession | None:
    sid = session_id_from(request)
    return get_store().get(sid) if sid else None


def cookie_secure() -> bool:
    configured = get_web_settings().cookie_secure
    return configured if configured is not None else not get_settings().demo


def set_cookie(response: Response, session: GatewaySession) -> None:
    response.set_cookie(COOKIE, session.sid, httponly=True, samesite="strict", path="/", secure=cookie_secure())


def rotate(session: GatewaySession) -> GatewaySession:
    """A fresh id for the same device (a kiosk's next customer): whoever learnt the old id (the previous
    customer, a shoulder-surfer) holds nothing. The staff sign-in moves over; the old id is deleted."""
    store = get_store()
    fresh = store.create(session.channel, session.idle_timeout_s)
    for name in ("staff_token", "staff_name", "staff_expires_at", "staff_role", "expires_at"):
        setattr(fresh, name, getattr(session, name))
    store.delete(session.sid)
    store.save(fresh)
    return fresh


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=cookie_secure())


def new_conversation_id(channel: Channel) -> str:
    """Rasa's sender id for one customer's conversation: fresh for every sign-in, so no history carries over."""
    return f"{channel}-{secrets.token_hex(8)}"
