"""Runtime settings, read from the environment (prefix ANXIN_) so every process of a deployment agrees."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANXIN_", extra="ignore")

    database_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'anxin.db'}"
    # Only a development default: a real deployment sets ANXIN_TOKEN_SECRET; tokens signed with it are worthless.
    token_secret: str = "anxin-dev-secret-change-me-0123456789abcdef"
    customer_token_ttl_seconds: int = Field(default=1800, ge=60, le=86400)
    staff_token_ttl_seconds: int = Field(default=3600, ge=60, le=86400)

    # Limits in fen (1 yuan = 100 fen).
    per_transfer_limit_fen: int = 50_000_00
    daily_limit_fen: int = 100_000_00
    large_amount_fen: int = 5_000_00
    new_payee_hold_hours: int = 24
    min_deposit_fen: int = 50_00

    max_pin_attempts: int = 5
    lock_minutes: int = 15

    # argon2 cost; tests lower it to keep the suite fast, production keeps the library's defaults.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4

    db_pool_size: int = 10
    db_max_overflow: int = 20
    sqlite_busy_timeout_s: float = 30.0
    log_level: str = "INFO"


@lru_cache
def get_settings() -> Settings:
    return Settings()
