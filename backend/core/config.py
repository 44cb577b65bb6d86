"""The backend's settings (sections "backend" and "limits"), read from the environment (prefix ANXIN_), then the
checkout's .env, so every process of a deployment agrees. The README's "Configuration" table lists each one.

Only this object is read for a setting (no os.environ elsewhere, rules.settings); a starting backend logs it once,
secrets masked (`log_startup`).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rules.settings import SettingsError, build, env_cached, log_settings, refuse

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    # The environment first, then the checkout's .env (the README's promise; the gateway reads the same file).
    model_config = SettingsConfigDict(env_prefix="ANXIN_", env_file=REPO_ROOT / ".env", extra="ignore")

    database_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'anxin.db'}"
    # Signs every customer's and staff member's token. No default: `uvicorn backend.main:app` refuses to start
    # without a usable one (rules.secrets: set, >= 32 characters, not public), except in demo mode, which
    # generates one into var/secrets.env. Only in-process apps built by tests pass their own.
    token_secret: str = ""
    customer_token_ttl_seconds: int = Field(default=1800, ge=60, le=86400)
    staff_token_ttl_seconds: int = Field(default=3600, ge=60, le=86400)

    # Limits in fen (1 yuan = 100 fen).
    per_transfer_limit_fen: int = 50_000_00
    daily_limit_fen: int = 100_000_00
    large_amount_fen: int = 5_000_00
    new_payee_hold_hours: int = 24
    # Delayed arrival (issue 12, services/settlement.py): a transfer to a payee saved fewer days ago than this
    # arrives the next day by default, so the customer can still revoke it.
    new_payee_delay_days: int = Field(default=30, ge=0, le=365)
    min_deposit_fen: int = 50_00
    # Structuring (splitting one large sum into smaller ones): what a customer sends one payee in a business
    # day, or all payees together, counting completed and held transfers, is held for staff from these sums.
    cumulative_payee_large_amount_fen: int = 5_000_00
    cumulative_daily_large_amount_fen: int = 10_000_00
    # Fraud guard and pending records (services/fraud.py, services/transfers.py): after a fraud stop or a
    # scam hit every transfer of the customer is held (SCAM_RISK) for this long; a pending transfer or deposit
    # lapses after pending_ttl_minutes, a held transfer after held_ttl_hours (nothing is reserved meanwhile).
    fraud_cooling_off_hours: int = Field(default=24, ge=1, le=24 * 30)
    pending_ttl_minutes: int = Field(default=10, ge=1, le=24 * 60)
    held_ttl_hours: int = Field(default=48, ge=1, le=24 * 30)

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
    # Monthly pension payroll (services/payroll.py), run by the same scheduler: from this day of the month on the
    # month's batch PENSION-YYYY-MM is posted once for every enrolled pension account (0: off).
    payroll_day: int = Field(default=0, ge=0, le=28)

    # argon2 cost; tests lower it to keep the suite fast, production keeps the library's defaults.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4

    db_pool_size: int = 10
    db_max_overflow: int = 20
    sqlite_busy_timeout_s: float = 30.0
    log_level: str = "INFO"

    # Sign-in attempts (core/ratelimit.py, the `limits` library's moving window): "attempts/seconds" per phone
    # number and per client address (an address may be a whole village behind one carrier NAT).
    login_limit_per_phone: str = "10/300"
    login_limit_per_address: str = "100/300"
    # Shared sign-in counters for every backend instance: redis://[:password@]host:port[/db], rediss://...,
    # or redis+sentinel://[:password@]host:26379[,host2:26379]/<master name> (Redis Sentinel picks the
    # primary). Empty: each instance counts alone; also while Redis is unreachable.
    redis_url: str = ""
    # Rasa's conversation events (`python -m backend.events`, issue 13): the broker, amqp://user:password@host:port/
    # (empty: the consumer does not start), and the queue it reads.
    amqp_url: str = ""
    events_queue: str = "anxin_events"
    # Demo mode only (`python -m backend.seed`): the kiosk staff user's password; empty: var/secrets.env's.
    demo_staff_password: str = ""

    @field_validator("login_limit_per_phone", "login_limit_per_address")
    @classmethod
    def _attempts_per_seconds(cls, value: str) -> str:
        match = _LIMIT.fullmatch(value)
        if not match or int(match[1]) < 1 or int(match[2]) < 1:
            raise ValueError(f"must be 'attempts/seconds' with whole numbers of at least 1, e.g. 10/300 (got {value!r})")
        return f"{int(match[1])}/{int(match[2])}"

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(REDIS_SCHEMES):
            raise ValueError("must start with " + ", ".join(REDIS_SCHEMES) + " (or be empty: no Redis)")
        return value


_LIMIT = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")
REDIS_SCHEMES = ("redis://", "rediss://", "redis+sentinel://", "redis+unix://", "unix://")
# The "limits" section of the start-up line: what a customer may do; the rest is the "backend" section.
LIMITS_SECTION = ("per_transfer_limit_fen", "daily_limit_fen", "large_amount_fen", "new_payee_hold_hours",
                  "new_payee_delay_days", "min_deposit_fen", "cumulative_payee_large_amount_fen",
                  "cumulative_daily_large_amount_fen", "fraud_cooling_off_hours", "pending_ttl_minutes",
                  "held_ttl_hours", "max_pin_attempts", "lock_minutes", "pin_cooldown_after",
                  "pin_cooldown_seconds", "login_limit_per_phone", "login_limit_per_address")


def sections(settings: Settings) -> dict[str, dict[str, Any]]:
    values = settings.model_dump()
    limits = {k: v for k, v in values.items() if k in LIMITS_SECTION}
    return {"backend": {k: v for k, v in values.items() if k not in limits}, "limits": limits}


def log_startup(settings: Settings) -> str:
    """The backend's one start-up line: every setting, secrets masked."""
    return log_settings(logging.getLogger("backend.settings"), "backend", sections(settings))


@env_cached
def get_settings() -> Settings:
    """The backend's settings; SettingsError (naming the variable) when one is unusable."""
    return build(Settings)


def require_service_settings() -> Settings:
    """The settings of a starting backend service, after its secrets are checked (or made, in demo mode) and
    exported into the environment by rules.secrets; exits with one line on stderr when they are unusable."""
    from backend.core import log_redaction
    from rules import secrets

    secrets.require("backend")
    get_settings.cache_clear()
    try:
        settings = get_settings()
    except SettingsError as exc:
        refuse("backend", exc)
        raise  # refuse() exits; this line is for the type checker
    log_redaction.install(settings.log_level)  # a root handler before the start-up line (uvicorn sets none)
    log_startup(settings)
    return settings
