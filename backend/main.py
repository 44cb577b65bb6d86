"""The Anxin banking backend: `uvicorn backend.main:app`."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from backend import scheduler
from backend.api.routes import (
    accounts,
    auth,
    bills,
    deposits,
    family,
    fraud,
    ops,
    payees,
    pension,
    savings,
    staff,
    transfers,
)
from backend.core import log_redaction
from backend.core.config import Settings, get_settings
from backend.core.db import make_engine, run_migrations
from backend.core.security import make_hasher
from backend.errors import install_error_handlers
from backend.schemas import HealthOut

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, migrate: bool = True) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log_redaction.install(settings.log_level)
        if migrate:
            run_migrations(settings.database_url)
        # The deposit maturity job (ANXIN_MATURITY_INTERVAL_S; 0 in tests): one instance at a time via a lease.
        jobs = scheduler.start(app.state.engine, settings)
        yield
        if jobs is not None:
            jobs.stop()
        app.state.engine.dispose()

    app = FastAPI(
        title="安心 Anxin banking backend",
        version="0.1.0",
        description="Accounts, payees, transfers, time deposits and staff approvals. Amounts are yuan strings.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings)
    app.state.hasher = make_hasher(settings)
    install_error_handlers(app)

    api = APIRouter(prefix=API_PREFIX)
    for module in (auth, accounts, payees, transfers, savings, deposits, staff, fraud, bills, pension, family, ops):
        api.include_router(module.router)

    @api.get("/health", response_model=HealthOut, tags=["health"])
    def api_health() -> HealthOut:
        return HealthOut(status="ok")

    app.include_router(api)

    @app.get("/health", response_model=HealthOut, tags=["health"])
    def health() -> HealthOut:
        return HealthOut(status="ok")

    return app


def __getattr__(name: str) -> FastAPI:
    """`uvicorn backend.main:app`: the served app is made on first access, after the secrets are checked
    (backend.core.config.require_service_settings), so a backend without a usable ANXIN_TOKEN_SECRET never
    starts, while tests import create_app from here and build apps with their own settings."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from backend.core.config import require_service_settings

    app = create_app(require_service_settings())
    globals()["app"] = app
    return app
