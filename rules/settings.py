"""How every Anxin process reads its settings: the one place besides rules.secrets (the secrets' loader) that
looks at the environment (docs/contracts.md, "Settings").

Each process builds one settings object from sections (backend: `limits`; gateway: `web`, `phone`, `voice`;
action server and Rasa: `actions`), each section a typed class read from the `ANXIN_*` variables. This module
gives them what they share, pure Python so it loads in both virtual environments:

- `environment()`: the `ANXIN_*` variables of this process, the input of every section;
- `env_cached(build)`: a section built once and kept while those variables stay as they are. A deployment sets
  them once, before anything reads them (rules.secrets.require exports the chosen secrets first), so each
  section is built once per process; a test that changes a variable gets a fresh section without a cache reset;
- `describe()` / `log_settings()`: the one start-up line per service, secrets masked.
"""
from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from rules.redact import redact_secrets

__all__ = ["PREFIX", "SettingsError", "build", "describe", "env_cached", "environment", "explain",
           "is_secret_name", "log_settings", "masked", "refuse", "secret_values"]

PREFIX = "ANXIN_"
T = TypeVar("T")

# Names of settings that hold a secret, with or without the prefix: token_secret, twilio_auth_token,
# audio_key_secret, proxy_secret, demo_staff_password, actions_secret, rasa_token.
_SECRET_NAME = re.compile(r"(?i)(?:token|secret|password|passwd|api_?key|signature)$")


def environment(prefix: str = PREFIX) -> dict[str, str]:
    """This process's variables whose names start with `prefix` (what the settings sections read)."""
    return {k: v for k, v in os.environ.items() if k.startswith(prefix)}


class _EnvCached(Generic[T]):
    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._key: frozenset[tuple[str, str]] | None = None
        self._value: T | None = None
        self.__doc__ = build.__doc__
        self.__name__ = getattr(build, "__name__", "settings")

    def __call__(self) -> T:
        key = frozenset(environment().items())
        with self._lock:
            if self._key != key or self._value is None:
                self._value, self._key = self._build(), key
            return self._value

    def cache_clear(self) -> None:
        """Forget the built section (also when only the checkout's .env changed)."""
        with self._lock:
            self._key = self._value = None


def env_cached(build: Callable[[], T]) -> _EnvCached[T]:
    """`build()` once, again only after an `ANXIN_*` variable changed (or after `.cache_clear()`)."""
    return _EnvCached(build)


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def masked(name: str, value: Any) -> str:
    """How a setting is shown in a log line: a secret as *** (or "unset"), any other value with whatever it
    carries of a secret masked (a password in a database or Redis URL)."""
    raw = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    if is_secret_name(name) or hasattr(value, "get_secret_value"):
        return "***" if raw else "unset"
    return redact_secrets(str(raw))


def describe(sections: Mapping[str, Mapping[str, Any]]) -> str:
    """'web(backend_url=http://..., proxy_secret=***) phone(...)': every setting of every section, masked."""
    parts = []
    for section, values in sections.items():
        shown = ", ".join(f"{name}={masked(name, value)}" for name, value in sorted(values.items()))
        parts.append(f"{section}({shown})")
    return " ".join(parts)


def log_settings(logger: logging.Logger, service: str, sections: Mapping[str, Mapping[str, Any]]) -> str:
    """The start-up line of `service`: its settings, secrets masked. Returns the line (tests read it)."""
    line = f"anxin {service} settings: {describe(sections)}"
    if not logger.handlers and not logging.getLogger().handlers:
        # Before the service sets up its logging (uvicorn configures only its own loggers, Rasa later): this
        # line gets a handler of its own; the rest of the service's logging is left as it is.
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    logger.info("%s", line)
    return line


def secret_values(min_length: int = 8) -> list[str]:
    """The values of this process's secret settings (ANXIN_*TOKEN, *SECRET, *PASSWORD...), longest first, for
    masking by value in log lines; shorter ones would mask ordinary words."""
    values = {v for k, v in environment().items() if is_secret_name(k) and len(v) >= min_length}
    return sorted(values, key=len, reverse=True)


class SettingsError(ValueError):
    """A setting is not usable; the message names each variable and what it must be, in one line."""


def explain(errors: Iterable[Mapping[str, Any]], prefix: str = PREFIX) -> str:
    """pydantic's errors as 'ANXIN_LOGIN_LIMIT_PER_PHONE: must be ...; ANXIN_X: ...' (the variables an operator
    sets, not the field names)."""
    parts = []
    for error in errors:
        name = prefix + "_".join(str(part) for part in error.get("loc", ())).upper()
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{name}: {message}")
    return "; ".join(parts)


def build(factory: Callable[[], T]) -> T:
    """`factory()` (a section read from the environment), its validation errors turned into one SettingsError."""
    try:
        return factory()
    except SettingsError:
        raise
    except Exception as exc:
        errors = getattr(exc, "errors", None)
        if callable(errors):  # pydantic's ValidationError
            raise SettingsError(explain(errors())) from None
        raise


def refuse(service: str, exc: SettingsError) -> None:
    """A starting service with an unusable setting: one line on stderr and exit 2, as rules.secrets does."""
    print(f"anxin {service}: refusing to start: {exc}", file=sys.stderr, flush=True)
    raise SystemExit(2) from None
