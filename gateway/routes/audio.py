"""Spoken replies as audio: synthesise-or-cache a reply (`audio_url`) and serve the file (`GET /audio/...`)."""
from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from voice.cache import FORMATS
from voice.speaker import get_speaker

router = APIRouter()
log = logging.getLogger("anxin.gateway.audio")


def audio_url(text: str, buttons: list[str] | None = None, rate: float = 1.0, fmt: str = "mp3",
              key_figure: str | None = None) -> str | None:
    """Returns a gateway-relative URL where the spoken form of this reply can be fetched, or None.

    Never raises: without audio the text reply still goes out. Nothing of the text is logged (balances).
    """
    if not text or fmt not in FORMATS:
        return None
    try:
        key = get_speaker().speak(text, buttons, rate, fmt, key_figure)
    except Exception as exc:  # any engine or disk failure must not break the text reply
        log.warning("no audio for a reply: %s: %s", type(exc).__name__, exc)
        return None
    return f"/audio/{key}.{fmt}"


async def audio_url_async(text: str, buttons: list[str] | None = None, rate: float = 1.0, fmt: str = "mp3",
                          key_figure: str | None = None) -> str | None:
    """Same, off the event loop: gTTS may wait for the network up to its timeout."""
    return await run_in_threadpool(audio_url, text, buttons, rate, fmt, key_figure)


def _not_found() -> Response:
    return JSONResponse({"code": "AUDIO_NOT_FOUND", "message": "这段语音已经过期，请再问一次。"}, status_code=404)


@router.get("/audio/{name}", include_in_schema=False)
def get_audio(name: str) -> Response:
    key, _, fmt = name.partition(".")
    path = get_speaker().path(key, fmt)  # validates key and format: nothing but our own files is reachable
    if path is None:
        return _not_found()
    try:
        # Read whole (replies are tens of kB): a file evicted mid-stream would otherwise end in a 500.
        data = path.read_bytes()
    except OSError:
        return _not_found()
    # no-store: the audio says balances, and kiosks are shared.
    return Response(data, media_type=FORMATS[fmt], headers={"Cache-Control": "no-store"})
