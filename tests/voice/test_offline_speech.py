"""Real audio from the offline engine: decodable, audible, paced for older listeners, pauses where due."""
from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile

from tests.voice.helpers import decode_file, rms, silent_gaps, use_voice, wav_info
from voice.engines import CPM_PER_WPM, OfflineEngine
from voice.pcm import PHONE_RATE
from voice.prosody import SpeechPlan, build_plan
from voice.speaker import get_speaker

TYPICAL = [
    "您好，我是安心助手。请问您要办什么？",
    "您的活期账户余额是12,000.00元。",
    "好的，已经取消了。还有别的要办吗？",
    "为了您的资金安全，请不要把验证码告诉任何人。",
]


@pytest.fixture
def speaker(tmp_path, monkeypatch):
    use_voice(monkeypatch, tmp_path / "audio")
    return get_speaker()


def _audio(speaker, text: str, rate: float = 1.0, fmt: str = "mp3", buttons=None):
    key = speaker.speak(text, buttons, rate, fmt)
    assert re.fullmatch(r"[0-9a-f]{40}", key)
    return decode_file(speaker.path(key, fmt))


def _chars(text: str, buttons=None) -> int:
    return build_plan(text, buttons).chars


def test_default_engine_is_offline(speaker):
    assert [e.name for e in speaker.engines] == ["espeak-ng"]


@pytest.mark.parametrize("text", TYPICAL)
def test_mp3_is_decodable_audible_and_paced(speaker, text):
    samples, rate = _audio(speaker, text)
    assert rate == 22050
    assert rms(samples) > 1000, "audio is (nearly) silent"
    seconds = len(samples) / rate
    expected = _chars(text) * 60 / speaker.settings.chars_per_minute
    assert abs(seconds - expected) <= 0.35 * expected, (seconds, expected)


def test_default_pace_is_within_the_guides_160_to_200_chars_a_minute(speaker):
    chars = seconds = 0.0
    for text in TYPICAL:
        samples, rate = _audio(speaker, text)
        chars += _chars(text)
        seconds += len(samples) / rate
    assert 160 <= chars / seconds * 60 <= 200, chars / seconds * 60


def test_slower_rate_gives_longer_audio(speaker):
    text = TYPICAL[1]
    lengths = [len(_audio(speaker, text, rate)[0]) / 22050 for rate in (1.0, 0.85, 0.7)]
    assert lengths[0] < lengths[1] < lengths[2]
    assert lengths[2] / lengths[0] == pytest.approx(1 / 0.7, rel=0.2)


def test_phone_wav_is_8khz_mono_16bit_and_audible(speaker):
    key = speaker.speak(TYPICAL[0], None, 1.0, "wav")
    data = speaker.path(key, "wav").read_bytes()
    channels, width, rate, seconds = wav_info(data)
    assert (channels, width, rate) == (1, 2, PHONE_RATE)
    samples, sf_rate = decode_file(speaker.path(key, "wav"))
    assert sf_rate == PHONE_RATE and rms(samples) > 1000
    mp3_key = speaker.speak(TYPICAL[0], None, 1.0, "mp3")
    mp3_seconds = soundfile.info(str(speaker.path(mp3_key, "mp3"))).duration
    assert seconds == pytest.approx(mp3_seconds, abs=0.15)  # same speech, other encoding


def test_pauses_at_commas_and_a_longer_one_before_the_key_figure(speaker):
    samples, rate = _audio(speaker, "好的，您的活期账户余额是12,000.00元。")
    gaps = silent_gaps(samples, rate)
    comma = [g for g in gaps if 0.3 <= g <= 0.55]
    before_figure = [g for g in gaps if 0.6 <= g <= 1.05]
    assert comma, gaps
    assert before_figure, gaps


def test_key_figure_is_said_again_at_the_end(speaker):
    plan = build_plan("您的活期账户余额是12,000.00元。")
    assert plan.segments[-2].text == "再说一遍"
    assert plan.segments[-1].text == plan.segments[1].text  # the figure, twice
    engine = speaker.engines[0]
    with_repeat = engine.render(plan, 1.0).seconds
    without = engine.render(SpeechPlan(plan.segments[:-2]), 1.0).seconds
    assert with_repeat - without > 1.0  # "再说一遍，" and the figure take real time


def test_engine_rate_parameter_tracks_the_pace():
    engine = OfflineEngine(chars_per_minute=180)
    plan = build_plan("好的，已经取消了")
    wpm = engine.wpm_for(plan, 1.0)
    assert 180 <= wpm * CPM_PER_WPM <= 180 * 1.25 + CPM_PER_WPM
    assert engine.wpm_for(plan, 0.7) < wpm


def test_different_texts_sound_different(speaker):
    a, _ = _audio(speaker, "转账")
    b, _ = _audio(speaker, "余额")
    n = min(len(a), len(b))
    assert len(a) != len(b) or not np.array_equal(a[:n], b[:n])


def test_concurrent_requests_get_their_own_audio(speaker):
    """The gateway synthesises in a thread pool; espeak-ng's global state must not mix replies."""
    from concurrent.futures import ThreadPoolExecutor

    engine = speaker.engines[0]
    plans = [build_plan(t) for t in TYPICAL]
    alone = [engine.render(p, 1.0).samples for p in plans]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda p: engine.render(p, 1.0).samples, plans * 3))
    # espeak-ng varies by a few milliseconds from call to call; another reply's audio differs by seconds.
    for i, samples in enumerate(together):
        assert len(samples) == pytest.approx(len(alone[i % len(plans)]), rel=0.01)
        assert rms(samples) == pytest.approx(rms(alone[i % len(plans)]), rel=0.05)
