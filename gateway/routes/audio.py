"""Spoken replies as audio: a reply's URL at once (`audio_url_async`), the audio made off the turn's critical path,
and the file served by `GET /audio/...`.

Issue 14: synthesis was about half of a turn's CPU and sat between Rasa's answer and the customer's reply. Now
the URL of a reply is computed without synthesising (the key is an HMAC of what will be said, voice.speaker),
the reply goes out at once, and the audio is made:

- `background` (default): started right away in a worker thread, so it is usually ready when the page or
  Twilio asks for it;
- `fetch`: only when someone first asks for it (one gateway only: another gateway cannot know the job);
- `inline`: inside the turn, as before (ANXIN_AUDIO_SYNTH=inline; the benchmark's "before").

Phones (WAV) are synthesised inside the turn by default (ANXIN_AUDIO_SYNTH_PHONE): Twilio fetches the <Play> URL
the moment it has the TwiML, so the caller waits for the synthesis either way, and only a synthesis done before
the answer lets the phone route fall back to <Say> text when no engine can speak. After a failed background
synthesis, replies get no URL for FAILURE_REST_S (the page then shows text only, not a dead player).

A fetch while the job runs waits for that same job (one synthesis per key, however many fetches). Gateways that
share ANXIN_AUDIO_DIR see each other's jobs through an empty marker file `.pending-<key>.<fmt>` (no text: the
replies say balances), so a fetch that reaches another gateway waits for the file too. The cache still answers
repeats: a reply already on disk is served without a job.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from voice.cache import FORMATS, KEY_RE
from voice.config import get_voice_settings
from voice.engines import clamp_rate
from voice.prosody import build_plan
from voice.speaker import get_speaker

router = APIRouter()
log = logging.getLogger("anxin.gateway.audio")

MODES = ("background", "fetch", "inline")
MAX_JOBS = 2000  # replies nobody fetched in `fetch` mode: the oldest are forgotten (their URL then 404s)
JOB_TTL_S = 600.0
# How long a fetch waits for another gateway's job (its marker), and when a marker counts as left by a dead one.
PEER_WAIT_S = 15.0
MARKER_STALE_S = 60.0
PEER_POLL_S = 0.05
FAILURE_REST_S = 30.0
# Syntheses at once per gateway: bounded, so a burst of replies does not starve the turns of CPU.
SYNTH_WORKERS = get_voice_settings().audio_synth_workers  # ANXIN_AUDIO_SYNTH_WORKERS


def synth_mode(fmt: str = "mp3") -> str:
    """ANXIN_AUDIO_SYNTH, or ANXIN_AUDIO_SYNTH_PHONE for the phone's WAV (gateway/routes/phone.py)."""
    settings = get_voice_settings()
    return settings.audio_synth_phone if fmt == "wav" else settings.audio_synth


def audio_url(text: str, buttons: list[str] | None = None, rate: float = 1.0, fmt: str = "mp3",
              key_figure: str | None = None) -> str | None:
    """Synthesises now (or finds in the cache) and returns the reply's gateway-relative URL, or None.

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


@dataclass
class _Job:
    text: str
    buttons: list[str] | None
    rate: float
    fmt: str
    key_figure: str | None
    created: float = field(default_factory=time.monotonic)
    # A thread's future, not an asyncio one: a job outlives the request (and, under a test client, the event
    # loop) that started it, and any later fetch on any loop can wait for it.
    task: Future[str | None] | None = None


# key.fmt -> the job that makes it; key.fmt -> the key the job really wrote (a fallback engine's key differs).
_jobs: OrderedDict[str, _Job] = OrderedDict()
_made: OrderedDict[str, str] = OrderedDict()
_stats = {"synthesised": 0, "waited": 0}
_failed_at = [float("-inf")]  # monotonic time of the last failed background synthesis
_lock = threading.Lock()
_executor = ThreadPoolExecutor(max_workers=SYNTH_WORKERS, thread_name_prefix="anxin-tts")


def reset_jobs() -> None:
    """Forget every job (tests)."""
    with _lock:
        _jobs.clear()
        _made.clear()
        _stats.update(synthesised=0, waited=0)
        _failed_at[0] = float("-inf")


def stats() -> dict[str, int]:
    """How many syntheses ran and how many fetches waited for a running one (tests, benchmarks)."""
    return dict(_stats)


def planned_key(text: str, buttons: list[str] | None, rate: float, fmt: str, key_figure: str | None) -> str | None:
    """The cache key the first engine will write for this reply, computed without synthesising."""
    speaker = get_speaker()
    if not speaker.engines:
        return None
    plan = build_plan(text, buttons, key_figure)
    if not plan.segments:
        return None
    return speaker.key(speaker.engines[0], plan.key_text, clamp_rate(rate))


def _marker(name: str) -> Path:
    return get_speaker().cache.dir / f".pending-{name}"


def _synthesise(name: str, job: _Job) -> str | None:
    """In a worker thread: the key actually written, or None; then takes the job's marker away."""
    marker = _marker(name)
    try:
        with _lock:
            _stats["synthesised"] += 1
        return get_speaker().speak(job.text, job.buttons, job.rate, job.fmt, job.key_figure)
    except Exception as exc:  # the reply went out already; a failed job is a 404 for its fetch
        log.warning("no audio for a reply: %s: %s", type(exc).__name__, exc)
        _failed_at[0] = time.monotonic()
        return None
    finally:
        with contextlib.suppress(OSError):
            marker.unlink()


def _start(name: str, job: _Job) -> Future[str | None]:
    """The job's future, submitting it first if nobody has (call with _lock held)."""
    if job.task is None:
        # Marked before it is queued: a fetch at another gateway must wait even while the job waits for a worker.
        with contextlib.suppress(OSError):
            _marker(name).touch()
        job.task = _executor.submit(_synthesise, name, job)
        job.task.add_done_callback(functools.partial(_finished, name))
    return job.task


def _finished(name: str, task: Future[str | None]) -> None:
    key = None if task.cancelled() or task.exception() is not None else task.result()
    with _lock:
        _jobs.pop(name, None)
        if key:
            _made[name] = key
            while len(_made) > MAX_JOBS:
                _made.popitem(last=False)


def _forget_old() -> None:
    """Drops jobs never started that are too many or too old (call with _lock held)."""
    now = time.monotonic()
    while _jobs:
        name, job = next(iter(_jobs.items()))
        if job.task is None and (len(_jobs) > MAX_JOBS or now - job.created > JOB_TTL_S):
            _jobs.popitem(last=False)
        else:
            break


async def audio_url_async(text: str, buttons: list[str] | None = None, rate: float = 1.0, fmt: str = "mp3",
                          key_figure: str | None = None) -> str | None:
    """The reply's URL, at once (the audio is made off the turn: see the module docstring). Never raises."""
    mode = synth_mode(fmt)
    if mode == "inline":
        return await run_in_threadpool(audio_url, text, buttons, rate, fmt, key_figure)
    if not text or fmt not in FORMATS:
        return None
    if time.monotonic() - _failed_at[0] < FAILURE_REST_S:
        return None  # the engine just failed: text only for a while, not a player that cannot play
    try:
        key = planned_key(text, buttons, rate, fmt, key_figure)
    except Exception as exc:  # a broken voice setup must not break the text reply
        log.warning("no audio for a reply: %s: %s", type(exc).__name__, exc)
        return None
    if key is None:
        return None
    name = f"{key}.{fmt}"
    with _lock:
        if name in _jobs:
            return f"/audio/{name}"  # already being made
    if get_speaker().cache.get(key, fmt) is not None:
        return f"/audio/{name}"  # a repeat: the cache answers it
    with _lock:
        _forget_old()
        job = _jobs.setdefault(name, _Job(text, list(buttons) if buttons else None, rate, fmt, key_figure))
        if mode == "background":
            _start(name, job)
    return f"/audio/{name}"


def _not_found() -> Response:
    return JSONResponse({"code": "AUDIO_NOT_FOUND", "message": "这段语音已经过期，请再问一次。"}, status_code=404)


async def _wait_for_peer(name: str, key: str, fmt: str) -> Path | None:
    """Another gateway sharing the directory is making this file: wait for it, not forever."""
    marker = _marker(name)
    deadline = time.monotonic() + PEER_WAIT_S
    while time.monotonic() < deadline:
        path = get_speaker().path(key, fmt)
        if path is not None:
            return path
        try:
            if time.time() - marker.stat().st_mtime > MARKER_STALE_S:
                return None
        except FileNotFoundError:
            return get_speaker().path(key, fmt)  # finished (or failed) between the two looks
        await asyncio.sleep(PEER_POLL_S)
    return None


async def _find(key: str, fmt: str) -> Path | None:
    speaker = get_speaker()
    path = speaker.path(key, fmt)  # validates key and format: nothing but our own files is reachable
    if path is not None or not KEY_RE.match(key) or fmt not in FORMATS:
        return path
    name = f"{key}.{fmt}"
    with _lock:
        job = _jobs.get(name)
        task = None
        if job is not None:
            _stats["waited"] += job.task is not None
            task = _start(name, job)
        made = _made.get(name)
    if task is not None:
        # shield: a fetch that gives up must not cancel the job the others wait for.
        made = await asyncio.shield(asyncio.wrap_future(task))
    elif made is None:
        return await _wait_for_peer(name, key, fmt)
    return speaker.path(made, fmt) if made else None


@router.get("/audio/{name}", include_in_schema=False)
async def get_audio(name: str) -> Response:
    key, _, fmt = name.partition(".")
    path = await _find(key, fmt)
    if path is None:
        return _not_found()
    try:
        # Read whole (replies are tens of kB): a file evicted mid-stream would otherwise end in a 500.
        data = await run_in_threadpool(path.read_bytes)
    except OSError:
        return _not_found()
    # no-store: the audio says balances, and kiosks are shared.
    return Response(data, media_type=FORMATS[fmt], headers={"Cache-Control": "no-store"})
