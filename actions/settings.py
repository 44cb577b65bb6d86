"""The settings of the Rasa environment's processes (the action server and Rasa with its tracker store): the
"actions" section, read once from the environment (rules.settings), typed and frozen.

.venv-rasa has pydantic 1 (Rasa 3.6 pins it), so this is a plain dataclass with its own parsing rather than
pydantic-settings like the other services; rules.secrets (run first by actions/server.py and
actions/rasa_server.py) has put var/secrets.env's or .env's secrets into the environment by then. The README's
"Configuration" table lists every variable.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from rules.secrets import REPO_ROOT, read_env_file
from rules.settings import SettingsError, env_cached, environment, log_settings

DEFAULT_BACKEND_URL = "http://127.0.0.1:8000"
DEFAULT_NEAR_DAYS = 30
T = TypeVar("T")


def _read(env: Mapping[str, str], name: str, parse: Callable[[str], T], default: T, rule: str) -> T:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return parse(raw)
    except ValueError:
        raise SettingsError(f"{name}: must be {rule} (got {raw!r})") from None


def _at_least_zero_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError(raw)
    return value


def _at_least_zero_float(raw: str) -> float:
    value = float(raw)
    if not value >= 0:  # also NaN
        raise ValueError(raw)
    return value


def _http_url(raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ValueError(raw)
    return raw.rstrip("/")


@dataclass(frozen=True)
class ActionSettings:
    # Where the actions find the backend (the load balancer in the cluster profile).
    backend_url: str = DEFAULT_BACKEND_URL
    # An early withdrawal this many days or fewer before maturity tells the days left and asks once more.
    early_withdrawal_near_days: int = DEFAULT_NEAR_DAYS
    # Rasa's SQLite tracker store (assistant/tracker_store.py): its file (relative: the checkout's) and after how
    # many idle days a conversation is deleted (0: never). None: the endpoints file's value, else the store's.
    rasa_tracker_db: str | None = None
    rasa_tracker_prune_days: float | None = None
    # Secrets checked and exported by rules.secrets; kept here only to show (masked) in the start-up line.
    actions_secret: str = field(default="", repr=False)
    rasa_token: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ActionSettings:
        """The section from `env`; SettingsError naming the variable when a value is unusable."""
        return cls(
            backend_url=_read(env, "ANXIN_BACKEND_URL", _http_url, DEFAULT_BACKEND_URL, "an http(s):// URL"),
            early_withdrawal_near_days=_read(env, "ANXIN_EARLY_WITHDRAWAL_NEAR_DAYS", _at_least_zero_int,
                                             DEFAULT_NEAR_DAYS, "a whole number of days, 0 or more"),
            rasa_tracker_db=env.get("ANXIN_RASA_TRACKER_DB", "").strip() or None,
            rasa_tracker_prune_days=_read(env, "ANXIN_RASA_TRACKER_PRUNE_DAYS", _at_least_zero_float, None,
                                          "a number of days, 0 or more"),
            actions_secret=env.get("ANXIN_ACTIONS_SECRET", ""),
            rasa_token=env.get("ANXIN_RASA_TOKEN", ""),
        )

    def sections(self) -> dict[str, dict[str, Any]]:
        return {"actions": asdict(self)}


@env_cached
def get_settings() -> ActionSettings:
    """This process's settings: the environment, then the checkout's .env, as every service reads them (built
    again only if an ANXIN_* variable changes: tests set them per test)."""
    return ActionSettings.from_env({**read_env_file(REPO_ROOT / ".env"), **environment()})


def log_startup(service: str) -> str:
    """The one start-up line of the action server or Rasa: every setting, secrets masked."""
    return log_settings(logging.getLogger(f"anxin.{service}.settings"), service, get_settings().sections())
