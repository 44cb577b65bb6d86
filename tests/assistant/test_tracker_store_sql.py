"""Issue 14: the embedded profile's tracker store (assistant.tracker_store.RedactingSQLiteTrackerStore): Rasa's SQL
store on a SQLite file, so a restart keeps conversations; the token never stored; idle conversations pruned.
Runs under .venv-rasa (Rasa)."""
from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from assistant.tracker_store import RedactingSQLiteTrackerStore

SECRET = "eyJhbGciOi.secret-token-for-the-sql-store"
DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet]\nslots:\n  speech_rate:\n    type: float\n'
                          '    initial_value: 1.0\n    mappings:\n    - type: custom\n')


def conversation(sender: str, at: float | None = None) -> DialogueStateTracker:
    metadata = {"token": SECRET, "channel": "web"}
    events = [
        ActionExecuted("action_listen", timestamp=at),
        UserUttered("你好", {"name": "greet", "confidence": 1.0},
                    parse_data={"intent": {"name": "greet", "confidence": 1.0}, "metadata": metadata},
                    metadata=metadata, timestamp=at),
        SlotSet("speech_rate", 0.85, timestamp=at),
        SlotSet("session_started_metadata", dict(metadata), timestamp=at),
    ]
    return DialogueStateTracker.from_events(sender, events, slots=DOMAIN.slots)


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv("ANXIN_RASA_TRACKER_DB", raising=False)
    monkeypatch.delenv("ANXIN_RASA_TRACKER_PRUNE_DAYS", raising=False)


def test_a_restart_keeps_the_conversation_without_the_token(tmp_path):
    db = tmp_path / "tracker.db"
    store = RedactingSQLiteTrackerStore(DOMAIN, db=str(db))
    live = conversation("c1")
    asyncio.run(store.save(live))
    assert live.latest_message.metadata["token"] == SECRET  # the running turn keeps it
    store.engine.dispose()

    restarted = RedactingSQLiteTrackerStore(DOMAIN, db=str(db))  # a new Rasa process on the same file
    restored = asyncio.run(restarted.retrieve("c1"))
    assert restored is not None and restored.get_slot("speech_rate") == 0.85
    assert restored.latest_message.metadata == {"channel": "web"}
    assert restored.get_slot("session_started_metadata") == {"channel": "web"}
    restarted.engine.dispose()
    with sqlite3.connect(db) as raw:
        rows = raw.execute("SELECT data FROM events").fetchall()
    assert rows and not any(SECRET in row[0] for row in rows)
    for path in tmp_path.iterdir():  # nor in the write-ahead log
        assert SECRET.encode() not in path.read_bytes()


def test_idle_conversations_are_pruned_recent_ones_kept(tmp_path):
    store = RedactingSQLiteTrackerStore(DOMAIN, db=str(tmp_path / "t.db"), prune_after_days=30)
    now = time.time()
    asyncio.run(store.save(conversation("old", at=now - 31 * 86400)))
    asyncio.run(store.save(conversation("recent", at=now - 29 * 86400)))
    assert store.prune(now) == 1
    assert asyncio.run(store.retrieve("old")) is None
    assert asyncio.run(store.retrieve("recent")) is not None


def test_prune_setting_from_the_environment_and_zero_keeps_all(tmp_path, monkeypatch):
    monkeypatch.setenv("ANXIN_RASA_TRACKER_PRUNE_DAYS", "0")
    store = RedactingSQLiteTrackerStore(DOMAIN, db=str(tmp_path / "t.db"), prune_after_days=30)
    asyncio.run(store.save(conversation("ancient", at=time.time() - 3650 * 86400)))
    assert store.prune() == 0 and asyncio.run(store.retrieve("ancient")) is not None
    monkeypatch.setenv("ANXIN_RASA_TRACKER_PRUNE_DAYS", "1")
    assert RedactingSQLiteTrackerStore(DOMAIN, db=str(tmp_path / "t.db")).prune_after_s == 86400


def test_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("ANXIN_RASA_TRACKER_DB", str(tmp_path / "sub" / "env.db"))
    store = RedactingSQLiteTrackerStore(DOMAIN, db="var/ignored.db")
    assert store.path == tmp_path / "sub" / "env.db" and store.path.exists()


def test_relative_db_is_under_the_checkout(monkeypatch, tmp_path):
    """Relative to the checkout, not to Rasa's working directory (assistant/)."""
    from assistant import tracker_store

    monkeypatch.setattr(tracker_store, "REPO_ROOT", tmp_path)
    store = RedactingSQLiteTrackerStore(DOMAIN, db="var/tracker.db")
    assert store.path == tmp_path / "var" / "tracker.db" and store.path.exists()
