"""Keeps secrets out of every log line of every Anxin service: bearer tokens, JWTs, PIN/password/token fields,
long digit runs (full account numbers), passwords in URLs (the one rule, rules.redact.redact_secrets), and the
process's own secrets by value (rules.settings.secret_values).

Used by the backend, the gateway, Rasa (actions/rasa_server.py) and the action server (actions/server.py): it
imports only the standard library and `rules`, so it loads in both virtual environments.

`install()` sets a log-record factory rather than (only) a filter on some handlers: a factory sees every record
of every logger, whatever handlers Rasa, Sanic or uvicorn set up before or after, and it also rewrites the
traceback of a logged exception (Rasa logs a failing action request, request body included, at ERROR).
"""
from __future__ import annotations

import io
import logging
import traceback
from collections.abc import Callable
from typing import Any

from rules.redact import redact_secrets
from rules.settings import secret_values


def redact(text: str) -> str:
    """The shared log rule (rules.redact.redact_secrets), after this process's own secrets are masked by value
    wherever they turn up (an exception text, a dumped config)."""
    for value in secret_values():
        text = text.replace(value, "***")
    return redact_secrets(text)


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: log it as it is rather than lose the record
        message = str(record.msg)
    cleaned = redact(message)
    if cleaned != message:
        # Keep the arguments when redacting them one by one is enough: some formatters read record.args
        # (uvicorn's access log unpacks them), so they must stay a tuple.
        args = record.args
        if isinstance(args, tuple) and args:
            safe_args = tuple(redact(a) if isinstance(a, str) else a for a in args)
            try:
                retried = str(record.msg) % safe_args
            except (TypeError, ValueError):
                retried = None
            if retried is not None and redact(retried) == retried:
                record.args = safe_args
                return _redact_extras(record)
        record.msg, record.args = cleaned, None
    _redact_extras(record)


def _redact_extras(record: logging.LogRecord) -> None:
    if record.exc_info and not record.exc_text:
        # What logging.Formatter.formatException would print, redacted once here for every handler.
        buffer = io.StringIO()
        traceback.print_exception(*record.exc_info, file=buffer)
        record.exc_text = redact(buffer.getvalue().rstrip("\n"))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


class _RedactingFactory:
    """The log record factory that redacts each record it makes; `anxin_redacting` says it is installed."""

    anxin_redacting = True

    def __init__(self, base: Callable[..., logging.LogRecord]) -> None:
        self._base = base

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self._base(*args, **kwargs)
        _redact_record(record)
        return record


def install(level: str | None = None) -> None:
    """Redacts every log record of this process from now on. Idempotent. With `level`, also configures a
    plain root handler when there is none yet and sets the backend's logger level (the backend's own use)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "anxin_redacting", False):
        logging.setLogRecordFactory(_RedactingFactory(current))
    if level is None:
        return
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("backend").setLevel(level)
    # Records made before install() (none in practice) and records that bypass the factory still meet a filter.
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access", "backend"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
