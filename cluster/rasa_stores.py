"""The cluster's Rasa tracker store: the assistant's token-redacting mixin on Rasa's SQL store, plus pre-ping.

Runs inside Rasa (.venv-rasa, SQLAlchemy 1.4). Rasa's SQLTrackerStore builds its engine without pre-ping, so
after a PostgreSQL restart the first turn on each pooled connection would fail; pre-ping tests a connection
when it is checked out and replaces it silently instead.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs

from assistant.tracker_store import RedactingTrackerStoreMixin


class ClusterTrackerStore(RedactingTrackerStoreMixin, SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
