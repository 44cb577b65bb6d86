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
    # From the Nth consecutive wrong PIN/password on, the next try must wait (services/auth.py): the first
    # cool-down lasts pin_cooldown_seconds and each further wrong try doubles it, so a stranger needs many
    # minutes to reach the lock-out instead of seconds.
    pin_cooldown_after: int = Field(default=3, ge=1)
    pin_cooldown_seconds: int = Field(default=60, ge=0)

    # Client addresses (api/deps.py): X-Forwarded-For and X-Anxin-Caller count only from these proxy
    # addresses (IPs or CIDRs, comma-separated; the gateway), and, when proxy_secret is set, only with header
    # X-Anxin-Proxy-Secret equal to it. Anyone else is keyed by the address it connects from.
    trusted_proxies: str = "127.0.0.1,::1"
    proxy_secret: str = ""

    # Deposit maturity job (backend/scheduler.py): seconds between runs in each backend process (0: off;
    # `python -m backend.jobs mature` runs it by hand), and how long one run may hold the job's lease.
    maturity_interval_s: float = Field(default=3600.0, ge=0)
    maturity_lease_s: int = Field(default=900, ge=10)

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
