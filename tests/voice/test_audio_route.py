"""gateway.routes.audio: audio_url never raises, GET /audio/... serves only our files."""
from __future__ import annotations

import io

import pytest
import soundfile
from fastapi.testclient import TestClient

from gateway.main import create_app
from gateway.routes import audio
from tests.voice.helpers import rms, use_voice
from voice.engines import SpeechError
from voice.speaker import get_speaker


@pytest.fixture
def client(tmp_path, monkeypatch):
    use_voice(monkeypatch, tmp_path)
    return TestClient(create_app())


def test_mp3_reply_is_served(client):
    url = audio.audio_url("您的活期账户余额是12,000.00元。", None, 1.0, "mp3")
    assert url and url.startswith("/audio/") and url.endswith(".mp3")
    resp = client.get(url)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "audio/mpeg"
    assert resp.headers["cache-control"] == "no-store"
    samples, rate = soundfile.read(io.BytesIO(resp.content), dtype="int16")
    assert rate == 22050 and rms(samples) > 1000


def test_wav_reply_for_phones(client):
    url = audio.audio_url("请输入六位密码。", None, 0.85, "wav")
    resp = client.get(url)
    assert resp.status_code == 200 and resp.headers["content-type"] == "audio/wav"
    info = soundfile.info(io.BytesIO(resp.content))
    assert (info.samplerate, info.channels) == (8000, 1)


def test_buttons_and_rate_reach_the_speaker(client, monkeypatch):
    seen = []
    monkeypatch.setattr(get_speaker(), "speak", lambda *a: seen.append(a) or "0" * 40)
    assert audio.audio_url("要转吗？", ["是", "否"], 0.7, "wav", "500元") == f"/audio/{'0' * 40}.wav"
    assert seen == [("要转吗？", ["是", "否"], 0.7, "wav", "500元")]


@pytest.mark.parametrize("path", [
    "/audio/" + "a" * 40 + ".mp3",  # well-formed, never made
    "/audio/" + "a" * 40 + ".ogg",
    "/audio/..%2F..%2Fetc%2Fpasswd",
    "/audio/%2e%2e%2f.key",
    "/audio/.key",
    "/audio/" + "a" * 40,
])
def test_unknown_or_foreign_paths_are_404(client, path):
    audio.audio_url("您好", None, 1.0, "mp3")  # the directory now holds audio and the key secret
    resp = client.get(path)
    assert resp.status_code == 404
    assert not resp.headers["content-type"].startswith("audio/")


def test_engine_failure_gives_no_url_and_no_exception(client, monkeypatch):
    def broken(*_args):
        raise SpeechError("espeak-ng: gone")

    monkeypatch.setattr(get_speaker().engines[0], "render", broken)
    assert audio.audio_url("您好", None, 1.0, "mp3") is None


def test_any_failure_gives_no_url(client, monkeypatch):
    def broken(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(get_speaker().cache, "put", broken)
    assert audio.audio_url("您好，磁盘满了也不要紧", None, 1.0, "mp3") is None


@pytest.mark.parametrize("text,fmt,rate", [("", "mp3", 1.0), ("您好", "ogg", 1.0), ("您好", "mp3", float("nan")),
                                           ("您好", "mp3", "fast")])
def test_odd_input_never_raises(client, text, fmt, rate):
    url = audio.audio_url(text, None, rate, fmt)
    assert url is None or client.get(url).status_code == 200


def test_text_is_not_logged_when_synthesis_fails(client, monkeypatch, caplog):
    def broken(*_args):
        raise SpeechError("espeak-ng: gone")

    monkeypatch.setattr(get_speaker().engines[0], "render", broken)
    with caplog.at_level("DEBUG"):
        audio.audio_url("您的余额是12,345.67元", None, 1.0, "mp3")
    assert "12,345.67" not in caplog.text and "余额" not in caplog.text
