"""Compatibility shim: the fraud policy lives in `rules.fraud` (one policy for the dialogue and the backend).

Callers should use `rules.fraud.screen` directly; this keeps `find_scam_pattern` and `SCAM_MESSAGE` for the ones
not switched yet.
"""
from __future__ import annotations

from rules.fraud import GENERIC, screen, warning_text

# The general wording (the backend's refusal does not say which family; the dialogue's stop does).
SCAM_MESSAGE = warning_text(GENERIC).replace("\n", "")


def find_scam_pattern(*texts: str) -> str | None:
    """The rule name of the first scam pattern found in any of the texts (each screened on its own), else None."""
    for text in texts:
        hit = screen(text or "")
        if hit is not None:
            return hit.rule
    return None
