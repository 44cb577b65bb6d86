"""Tracker stores that never keep the customer's token.

The gateway sends the token in the message metadata because the actions need it for this one turn.
Rasa keeps metadata on the user event, so without redaction every stored conversation would hold a live
bearer token. The redaction works on a copy of the tracker: the live tracker of the running turn keeps
the token, so later actions in the same turn still work.

`RedactingTrackerStoreMixin` goes in front of any Rasa tracker store (SQL, Redis, ...). The embedded profile
(issue 14) keeps conversations in Rasa's SQL store on SQLite under var/, so a restart keeps them and memory stays
flat (the in-memory store never forgot a conversation), and prunes conversations idle for longer than
`prune_after_days`. Configured in assistant/endpoints.yml:

    tracker_store:
      type: assistant.tracker_store.RedactingSQLiteTrackerStore
      db: var/tracker.db          # relative to the checkout; ANXIN_RASA_TRACKER_DB overrides it
      prune_after_days: 30        # ANXIN_RASA_TRACKER_PRUNE_DAYS overrides it; 0 keeps everything

The cluster profile lays deploy/rasa/endpoints.yml over it (PostgreSQL, cluster.rasa_stores).
"""
from __future__ import annotations

import copy
import logging
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from actions.settings import get_settings

log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "var/tracker.db"
DEFAULT_PRUNE_DAYS = 30.0
PRUNE_EVERY_S = 3600.0

# Keys taken out of any metadata dict before an event is stored.
SECRET_METADATA_KEYS = ("token",)
# Slots whose value is a copy of message metadata: Rasa's action_session_start puts the first message's
# metadata, token included, into `session_started_metadata`.
METADATA_SLOTS = ("session_started_metadata",)


def redact_event_dict(event: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of one serialised event with every metadata secret removed, wherever it sits."""
    cleaned = copy.deepcopy(event)
    _strip(cleaned)
    return cleaned


def _strip(node: Any) -> None:
    if isinstance(node, dict):
        metadata = node.get("metadata")
        if isinstance(metadata, dict):
            for key in SECRET_METADATA_KEYS:
                metadata.pop(key, None)
        if node.get("event") == "slot" and node.get("name") in METADATA_SLOTS and isinstance(node.get("value"), dict):
            for key in SECRET_METADATA_KEYS:
                node["value"].pop(key, None)
        for value in node.values():
            _strip(value)
    elif isinstance(node, list):
        for value in node:
            _strip(value)


def redacted_copy(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """A new tracker with the same events minus the secrets; the given tracker is not changed."""
    events = [Event.from_parameters(redact_event_dict(event.as_dict())) for event in tracker.events]
    return DialogueStateTracker.from_events(
        tracker.sender_id,
        [event for event in events if event is not None],
        slots=list(tracker.slots.values()),
        max_event_history=tracker._max_event_history,
    )


class RedactingTrackerStoreMixin:
    """Put first in the bases: `class X(RedactingTrackerStoreMixin, SQLTrackerStore)`."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(redacted_copy(tracker))  # type: ignore[misc]


class RedactingInMemoryTrackerStore(RedactingTrackerStoreMixin, InMemoryTrackerStore):
    """Rasa's in-memory store, with the token taken out of every event before it is kept."""

    def __init__(self, domain: Any = None, host: str | None = None, event_broker: Any = None,
                 **kwargs: Any) -> None:
        # Rasa passes `host` (the endpoint url) to custom stores; the in-memory store has no use for it.
        super().__init__(domain, event_broker=event_broker, **kwargs)


def _db_path(db: str | None) -> Path:
    path = Path(get_settings().rasa_tracker_db or db or DEFAULT_DB)  # ANXIN_RASA_TRACKER_DB over endpoints.yml
    # Rasa runs in assistant/ (Procfile): a relative path means the checkout's, not the working directory's.
    return path if path.is_absolute() else REPO_ROOT / path


def _prune_days(value: Any) -> float:
    try:  # ANXIN_RASA_TRACKER_PRUNE_DAYS over endpoints.yml's prune_after_days; an unusable value: the default
        raw = get_settings().rasa_tracker_prune_days
        days = float(raw if raw is not None else (value if value is not None else DEFAULT_PRUNE_DAYS))
    except (TypeError, ValueError):
        days = DEFAULT_PRUNE_DAYS
    return max(0.0, days)


class RedactingSQLiteTrackerStore(RedactingTrackerStoreMixin, SQLTrackerStore):
    """Rasa's SQL store on a SQLite file, the token taken out of every event, idle conversations pruned."""

    def __init__(self, domain: Any = None, host: str | None = None, db: str | None = None,
                 event_broker: Any = None, prune_after_days: Any = None, **kwargs: Any) -> None:
        # Rasa passes `host` (the endpoint url) to custom stores; a SQLite file has none.
        kwargs.pop("dialect", None)
        self.path = _db_path(db)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(domain, dialect="sqlite", db=str(self.path), event_broker=event_broker, **kwargs)
        # SQLAlchemy 1.4 opens a new SQLite connection per session (NullPool): ~17 ms per turn here. One small
        # pool of kept connections, each with the pragmas, made it ~1-2 ms (issue 14).
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=4, max_overflow=4,
                                       connect_args={"check_same_thread": False})
        sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        with self.engine.begin() as conn:
            # The prune looks conversations up by their newest event's time.
            conn.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_events_sender_time ON events (sender_id, timestamp)"))
        self.prune_after_s = _prune_days(prune_after_days) * 86400.0
        self._next_prune = 0.0
        self._prune_lock = threading.Lock()
        self.prune()

    def prune(self, now: float | None = None) -> int:
        """Deletes every conversation whose newest event is older than the setting; returns how many."""
        if self.prune_after_s <= 0:
            return 0
        cutoff = (now if now is not None else time.time()) - self.prune_after_s
        with self._prune_lock, self.engine.begin() as conn:
            old = sa.text("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff")
            senders = [row[0] for row in conn.execute(old, {"cutoff": cutoff})]
            for start in range(0, len(senders), 500):
                chunk = senders[start:start + 500]
                conn.execute(sa.text("DELETE FROM events WHERE sender_id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)), {"ids": chunk})
        self._next_prune = time.monotonic() + PRUNE_EVERY_S
        if senders:
            log.info("pruned %d conversations idle for over %.0f days", len(senders), self.prune_after_s / 86400)
        return len(senders)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        if time.monotonic() >= self._next_prune:
            self.prune()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL: readers do not wait for the writer; NORMAL: durable at every checkpoint, no fsync per turn;
    # busy_timeout: two Rasa processes on one file wait for each other instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
