"""Compatibility shim: the fraud policy lives in `rules.fraud` (one policy for the dialogue and the backend).

Callers should use `rules.fraud.screen` directly; this keeps `find_scam_phrase` for the ones not switched yet.
"""
from __future__ import annotations

from rules.fraud import screen


def find_scam_phrase(text: str) -> str | None:
    """The family id of the scam the text sounds like ("authority", "customer_service", ...), or None."""
    hit = screen(text or "")
    return hit.family if hit else None
