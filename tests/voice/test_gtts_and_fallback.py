"""The gTTS engine with Google faked at its one network call; auto mode falling back to the offline engine."""
from __future__ import annotations

import pytest
import requests

from gateway.routes.audio import audio_url
from tests.voice.helpers import FakeGoogle, decode_file, rms, use_voice
from voice.engines import GttsEngine, SpeechError
from voice.prosody import build_plan
from voice.speaker import get_speaker


@pytest.fixture
def google(monkeypatch):
    fake = FakeGoogle()
    monkeypatch.setattr(requests.Session, "send", lambda self, request, **kw: fake.send(self, request, **kw))
    return fake


def test_gtts_engine_sends_the_spoken_text_with_a_timeout_and_decodes_the_answer(google):
    pcm = GttsEngine(timeout_s=1.5).render(build_plan("您的余额是一万二千元。"), 1.0)
    assert pcm.rate == 24000 and pcm.seconds == pytest.approx(1.5, abs=0.1)
    sent = list(google.texts())
    assert sent and "一万二千元" in "".join(sent)  # what Google hears: the whole reply, balance included
    assert google.timeouts == [1.5]


def test_gtts_failure_is_a_speech_error(google):
    google.fail = True
    with pytest.raises(SpeechError, match="gTTS"):
        GttsEngine().render(build_plan("你好"), 1.0)


def test_gtts_garbage_audio_is_a_speech_error(google):
    google.mp3 = b"not an mp3 at all" * 10
    with pytest.raises(SpeechError):
        GttsEngine().render(build_plan("你好"), 1.0)


def test_gtts_mode_caches_and_serves_googles_audio(google, tmp_path, monkeypatch):
    use_voice(monkeypatch, tmp_path, tts_engine="gtts")
    speaker = get_speaker()
    key = speaker.speak("好的，已经取消了。", None, 1.0, "wav")
    samples, rate = decode_file(speaker.path(key, "wav"))
    assert rate == 8000 and rms(samples) > 1000
    assert speaker.speak("好的，已经取消了。", None, 1.0, "wav") == key
    assert len(google.bodies) == 1  # the second time came from the cache


def test_gtts_mode_without_network_gives_no_audio_but_no_exception(google, tmp_path, monkeypatch):
    use_voice(monkeypatch, tmp_path, tts_engine="gtts")
    google.fail = True
    assert audio_url("您好", None, 1.0, "mp3") is None


def test_auto_mode_falls_back_to_offline_and_rests_gtts(google, tmp_path, monkeypatch):
    use_voice(monkeypatch, tmp_path, tts_engine="auto", gtts_retry_after_s="60")
    google.fail = True
    speaker = get_speaker()
    assert [e.name for e in speaker.engines] == ["gtts", "espeak-ng"]
    url = audio_url("您好，请问您要办什么？", None, 1.0, "mp3")
    assert url is not None
    samples, rate = decode_file(tmp_path / url.rsplit("/", 1)[1])
    assert rate == 22050 and rms(samples) > 1000  # espeak-ng's audio
    assert len(google.bodies) == 1
    assert audio_url("好的，已经取消了。", None, 1.0, "mp3") is not None
    assert len(google.bodies) == 1  # gTTS is not asked again while it rests


def test_auto_mode_uses_gtts_when_it_answers(google, tmp_path, monkeypatch):
    use_voice(monkeypatch, tmp_path, tts_engine="auto")
    url = audio_url("您好", None, 1.0, "mp3")
    assert url is not None and len(google.bodies) == 1
    _, rate = decode_file(tmp_path / url.rsplit("/", 1)[1])
    assert rate == 24000  # Google's audio, not espeak-ng's 22050 Hz


def test_slow_rate_asks_gtts_for_slow_speech(google):
    GttsEngine().render(build_plan("你好"), 1.0)
    GttsEngine().render(build_plan("你好"), 0.7)
    (_, lang, normal, *_), (_, _, slow, *_) = google.requests_sent()
    assert lang == "zh-CN"
    assert normal in (None, "null", False) and slow in (True, "true")
