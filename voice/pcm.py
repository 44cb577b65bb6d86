"""Mono 16-bit audio in memory, and its encodings: MP3 for browsers, 8 kHz WAV for telephones."""
from __future__ import annotations

import io
import wave
from dataclasses import dataclass

import lameenc
import numpy as np
import soundfile
import soxr

PHONE_RATE = 8000
MP3_KBPS = 48  # speech only: 48 kbit/s mono is clear and keeps files small


@dataclass(frozen=True)
class Pcm:
    samples: np.ndarray  # int16, mono
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def silence(seconds: float, rate: int) -> np.ndarray:
    return np.zeros(max(0, round(seconds * rate)), dtype=np.int16)


def trim(samples: np.ndarray, threshold: int = 200) -> np.ndarray:
    """Cuts leading and trailing near-silence, so the pauses we insert are the pauses heard."""
    loud = np.nonzero(np.abs(samples.astype(np.int32)) > threshold)[0]
    if len(loud) == 0:
        return samples[:0]
    return samples[loud[0]: loud[-1] + 1]


def resample(pcm: Pcm, rate: int) -> Pcm:
    if pcm.rate == rate or len(pcm.samples) == 0:
        return Pcm(pcm.samples, rate)
    out = soxr.resample(pcm.samples, pcm.rate, rate, quality="HQ")
    return Pcm(np.asarray(out, dtype=np.int16), rate)


def to_mp3(pcm: Pcm) -> bytes:
    enc = lameenc.Encoder()
    enc.set_bit_rate(MP3_KBPS)
    enc.set_in_sample_rate(pcm.rate)
    enc.set_out_sample_rate(pcm.rate)  # never let LAME resample behind our back
    enc.set_channels(1)
    enc.set_quality(5)  # 2 = best, 7 = fastest; 5 is plenty for speech
    return bytes(enc.encode(pcm.samples.tobytes()) + enc.flush())


def to_phone_wav(pcm: Pcm) -> bytes:
    """8 kHz mono 16-bit PCM WAV: what Twilio's <Play> takes without transcoding surprises."""
    low = resample(pcm, PHONE_RATE)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(PHONE_RATE)
        w.writeframes(low.samples.tobytes())
    return buf.getvalue()


def decode(data: bytes) -> Pcm:
    """Decodes MP3 or WAV bytes (libsndfile >= 1.1 reads MP3) to mono int16."""
    samples, rate = soundfile.read(io.BytesIO(data), dtype="int16", always_2d=True)
    mono = samples.mean(axis=1).astype(np.int16) if samples.shape[1] > 1 else samples[:, 0]
    return Pcm(np.ascontiguousarray(mono), int(rate))


def encode(pcm: Pcm, fmt: str) -> bytes:
    if fmt == "mp3":
        return to_mp3(pcm)
    if fmt == "wav":
        return to_phone_wav(pcm)
    raise ValueError(f"unknown audio format {fmt!r}")
