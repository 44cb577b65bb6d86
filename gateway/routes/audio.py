"""Serves synthesised replies as audio (stub; filled in by the voice work)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()


def audio_url(text: str, buttons: list[str] | None = None, rate: float = 1.0, fmt: str = "mp3") -> str | None:
    """Returns a gateway-relative URL where the spoken form of this reply can be fetched, or None."""
    return None
