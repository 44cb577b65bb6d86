"""Backend fixtures: every DB-touching test runs on SQLite and on a real PostgreSQL server."""
from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from backend.core.config import Settings
from backend.core.db import run_migrations
from backend.core.ratelimit import Limit, LoginRateLimiter
from backend.main import create_app
from backend.services import clock
from tests.backend.factories import CustomerFixture, StaffFixture, create_customer, create_staff
from tests.backend.helpers import MovingClock
from tests.support.postgres import PostgresServer, postgres_server  # noqa: F401  (session fixture)

# Cheap argon2 so that creating hundreds of test customers stays fast; still real argon2id hashes.
FAST_HASHING = {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "argon2_parallelism": 1}
# Random per run: a secret written in the repository is public, and a backend service refuses it (rules.secrets).
TEST_SECRET = secrets.token_urlsafe(32)


def make_settings(database_url: str, **overrides: object) -> Settings:
    # maturity_interval_s=0: no background maturity job in tests (test_maturity.py runs it explicitly).
    values: dict[str, object] = {"database_url": database_url, "token_secret": TEST_SECRET,
                                 "maturity_interval_s": 0, **FAST_HASHING}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="anxin-sqlite-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'backend.db'}"
        run_migrations(url)
        yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database("backend_tests")
    run_migrations(url)
    return url


@pytest.fixture(scope="session")
def settings(db_url: str) -> Settings:
    return make_settings(db_url)


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, migrate=False)
    # These suites sign in far more often than a person could from one address; the sign-in rate limits have
    # their own tests (tests/cluster/test_ratelimit.py), the PIN lock-out is tested here.
    app.state.login_limiter = LoginRateLimiter(Limit(10_000, 300), Limit(10_000, 300))
    with TestClient(app, base_url="http://testserver/api/v1", raise_server_exceptions=False) as test_client:
        yield test_client
    app.state.engine.dispose()


@pytest.fixture(scope="session")
def engine(client: TestClient) -> Engine:
    return client.app.state.engine  # type: ignore[attr-defined]


@pytest.fixture
def alice(engine: Engine, settings: Settings) -> CustomerFixture:
    return create_customer(engine, settings, "张阿姨", {"demand": 10_000_00}, {"王小明": 365, "新朋友": 0})


@pytest.fixture
def bob(engine: Engine, settings: Settings) -> CustomerFixture:
    return create_customer(engine, settings, "李大爷", {"demand": 2_000_00, "pension": 3_000_00}, {"李春花": 100})


@pytest.fixture
def staff(engine: Engine, settings: Settings) -> StaffFixture:
    return create_staff(engine, settings)


@pytest.fixture
def moving_clock(monkeypatch: pytest.MonkeyPatch) -> MovingClock:
    """The bank's clock (services/clock.now), frozen now and moved with .advance(seconds=...)."""
    moving = MovingClock(clock.now())
    monkeypatch.setattr(clock, "now", moving.now)
    return moving
