"""A logging filter that keeps secrets out of every log line: bearer tokens, JWTs, PIN/password fields and
long digit runs (full account numbers) are masked whatever logger the line comes from."""
from __future__ import annotations

import logging
import re

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer ***"),
    (re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "***jwt***"),
    (re.compile(r"(?i)(\"?(?:pin|password|token|access_token)\"?\s*[:=]\s*\"?)[^\"\s,&}]+"), r"\1***"),
    (re.compile(r"(?<![0-9])([0-9]{4})[0-9]{4,11}([0-9]{4})(?![0-9])"), r"\1****\2"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install(level: str = "INFO") -> None:
    """Puts the filter on every handler of the root, uvicorn and backend loggers (a filter on a logger would
    miss records that propagate from child loggers; one on the handler sees them all)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("backend").setLevel(level)
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access", "backend"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
