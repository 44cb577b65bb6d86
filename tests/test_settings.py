"""Settings (issue 15): one object per process from sections, defaults, one-line errors that name the variable,
and the start-up line with every secret masked."""
from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from backend.core.config import REDIS_SCHEMES, Settings, get_settings, log_startup, sections
from backend.core.ratelimit import Limit, LoginRateLimiter, forget_idle, limiter_from_settings
from rules import settings as rules_settings
from rules.secrets import generate

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_backend_defaults() -> None:
    settings = Settings(_env_file=None, token_secret="x")
    assert (settings.login_limit_per_phone, settings.login_limit_per_address) == ("10/300", "100/300")
    assert settings.redis_url == "" and settings.demo_staff_password == ""
    assert set(sections(settings)) == {"backend", "limits"}
    assert "per_transfer_limit_fen" in sections(settings)["limits"]
    assert "database_url" in sections(settings)["backend"]


@pytest.mark.parametrize(("name", "value", "said"), [
    ("ANXIN_LOGIN_LIMIT_PER_PHONE", "ten", "attempts/seconds"),
    ("ANXIN_LOGIN_LIMIT_PER_ADDRESS", "5/0", "attempts/seconds"),
    ("ANXIN_REDIS_URL", "http://cache:6379", "redis+sentinel://"),
    ("ANXIN_PENDING_TTL_MINUTES", "0", "greater than or equal to 1"),
])
def test_an_unusable_backend_setting_is_one_sentence_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, said: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(rules_settings.SettingsError) as caught:
        get_settings()
    message = str(caught.value)
    assert message.startswith(f"{name}: ") and said in message and "\n" not in message


def test_redis_sentinel_urls_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "redis+sentinel://" in REDIS_SCHEMES
    monkeypatch.setenv("ANXIN_REDIS_URL", "redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2:26379/anxin")
    assert get_settings().redis_url.startswith("redis+sentinel://")


def test_a_sentinel_nobody_answers_falls_back_to_this_instances_counters() -> None:
    url = f"redis+sentinel://127.0.0.1:{free_port()}/anxin"
    limiter = LoginRateLimiter(Limit(1, 60), Limit(100, 60), url)
    assert limiter.hit("13800000007", "10.9.9.9").allowed
    refused = limiter.hit("13800000007", "10.9.9.9")
    assert not refused.allowed and 0 < refused.retry_after_s <= 60


def test_the_limiter_is_built_from_the_settings() -> None:
    limiter = limiter_from_settings(Settings(_env_file=None, login_limit_per_phone="3/60",
                                             login_limit_per_address="7/120"))
    assert (limiter.per_phone, limiter.per_address) == (Limit(3, 60), Limit(7, 120))


def test_the_backend_start_up_line_masks_every_secret(caplog: pytest.LogCaptureFixture) -> None:
    token, proxy, password = generate(), generate(), "Pa55word-of-redis"
    settings = Settings(_env_file=None, token_secret=token, proxy_secret=proxy, demo_staff_password="kiosk-staff-pw",
                        redis_url=f"redis://:{password}@10.0.0.1:6379/0",
                        database_url="postgresql+psycopg://anxin:db-Pa55@db/anxin")
    with caplog.at_level(logging.INFO, logger="backend.settings"):
        line = log_startup(settings)
    assert line in caplog.text
    for secret in (token, proxy, password, "kiosk-staff-pw", "db-Pa55"):
        assert secret not in line
    assert "token_secret=***" in line and "redis_url=redis://:***@10.0.0.1:6379/0" in line
    assert "per_transfer_limit_fen=5000000" in line and line.startswith("anxin backend settings: backend(")


def test_a_section_is_built_again_only_when_a_variable_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    getter = rules_settings.env_cached(lambda: built.append(1) or len(built))
    assert getter() == getter() == 1
    monkeypatch.setenv("ANXIN_SOMETHING_NEW", "1")
    assert getter() == 2 and getter() == 2
    getter.cache_clear()
    assert getter() == 3


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    return {**env, "ANXIN_DEMO": "1", **extra}


def _gateway_start(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    code = "from gateway.config import require_service_secrets; require_service_secrets()"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=_clean_env(ANXIN_SECRETS_FILE=str(tmp_path / "secrets.env"), **extra))


def test_the_gateway_logs_its_three_sections_once_with_secrets_masked(tmp_path: Path) -> None:
    twilio, audio_key = generate(), generate()
    done = _gateway_start(tmp_path, ANXIN_TWILIO_AUTH_TOKEN=twilio, ANXIN_AUDIO_KEY_SECRET=audio_key,
                          ANXIN_REDIS_URL="redis+sentinel://:hunter2-redis@127.0.0.1:26379/anxin")
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if "anxin gateway settings:" in line]
    assert len(lines) == 1
    line = lines[0]
    for section in ("web(", "phone(", "voice("):
        assert section in line
    for secret in (twilio, audio_key, "hunter2-redis"):
        assert secret not in line
    assert "twilio_auth_token=***" in line and "audio_synth=background" in line


@pytest.mark.parametrize(("name", "value"), [("ANXIN_AUDIO_SYNTH", "sometimes"), ("ANXIN_GATHER_TIMEOUT_S", "1"),
                                             ("ANXIN_AUDIO_SYNTH_WORKERS", "0")])
def test_the_gateway_refuses_an_unusable_setting_in_one_line(tmp_path: Path, name: str, value: str) -> None:
    done = _gateway_start(tmp_path, **{name: value})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(f"anxin gateway: refusing to start: {name}: ")
    assert "Traceback" not in done.stderr


def test_the_audio_settings_come_from_the_voice_section(monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.routes import audio

    monkeypatch.setenv("ANXIN_AUDIO_SYNTH", " Fetch ")
    monkeypatch.setenv("ANXIN_AUDIO_SYNTH_PHONE", "background")
    assert (audio.synth_mode("mp3"), audio.synth_mode("wav")) == ("fetch", "background")
    monkeypatch.delenv("ANXIN_AUDIO_SYNTH")
    monkeypatch.delenv("ANXIN_AUDIO_SYNTH_PHONE")
    assert (audio.synth_mode("mp3"), audio.synth_mode("wav")) == ("background", "inline")


def test_the_local_store_forgets_keys_with_no_attempt_left() -> None:
    from limits.storage import MemoryStorage

    storage = MemoryStorage()
    storage.events.update({f"phone/{i}": [] for i in range(5)})
    limiter = LoginRateLimiter(Limit(3, 60), Limit(100, 60))
    assert limiter.hit("13800000009", "10.8.8.8").allowed
    forget_idle(storage, max_keys=10)
    assert len(storage.events) == 5  # few keys: nothing to do
    forget_idle(storage, max_keys=2)
    assert storage.events == {}
    live = limiter._memory  # noqa: SLF001  (the limiter's own store keeps the keys still counting)
    forget_idle(live, max_keys=0)
    assert len(live.events) == 2  # the phone's and the address's windows, one attempt each
    assert [limiter.hit("13800000009", "10.8.8.8").allowed for _ in range(3)] == [True, True, False]
