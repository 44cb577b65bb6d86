"""Tracker stores that never keep the customer's token.

The gateway sends the token in the message metadata because the actions need it for this one turn.
Rasa keeps metadata on the user event, so without redaction every stored conversation would hold a live
bearer token. The redaction works on a copy of the tracker: the live tracker of the running turn keeps
the token, so later actions in the same turn still work.

`RedactingTrackerStoreMixin` goes in front of any Rasa tracker store (SQL, Redis, ...); Anxin uses the
in-memory one. Configured in assistant/endpoints.yml:

    tracker_store:
      type: assistant.tracker_store.RedactingInMemoryTrackerStore
"""
from __future__ import annotations

import copy
from typing import Any

from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

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
