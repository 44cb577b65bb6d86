"""The on-disk audio cache: hits, LRU eviction by bytes, no way out of its directory."""
from __future__ import annotations

import os
import time

import pytest

from tests.voice.helpers import use_voice
from voice.cache import AudioCache
from voice.speaker import get_speaker

KEYS = [f"{i:040x}" for i in range(1, 20)]


def test_put_then_get_returns_the_same_file(tmp_path):
    cache = AudioCache(tmp_path, max_bytes=10_000)
    path = cache.put(KEYS[0], "mp3", b"x" * 100)
    assert cache.get(KEYS[0], "mp3") == path
    assert path.read_bytes() == b"x" * 100
    assert cache.get(KEYS[0], "wav") is None
    assert cache.get(KEYS[1], "mp3") is None


def test_bounded_size_evicts_the_least_recently_used(tmp_path):
    cache = AudioCache(tmp_path, max_bytes=1000)
    for i in range(4):
        cache.put(KEYS[i], "mp3", b"x" * 200)
        os.utime(tmp_path / f"{KEYS[i]}.mp3", (time.time() - 100 + i, time.time() - 100 + i))
    cache.get(KEYS[0], "mp3")  # the oldest is used again: now the most recent
    cache.put(KEYS[4], "mp3", b"x" * 300)  # 1100 bytes > 1000: evict down to 800
    left = {p.stem for p in tmp_path.glob("*.mp3")}
    assert KEYS[0] in left and KEYS[4] in left
    assert KEYS[1] not in left  # least recently used went first
    assert sum(p.stat().st_size for p in tmp_path.glob("*.mp3")) <= 1000
    assert cache.size_bytes <= 1000


def test_a_new_process_counts_what_is_already_on_disk(tmp_path):
    AudioCache(tmp_path, max_bytes=10_000).put(KEYS[0], "wav", b"y" * 500)
    assert AudioCache(tmp_path, max_bytes=10_000).size_bytes == 500


@pytest.mark.parametrize("key,fmt", [
    ("../../etc/passwd", "mp3"), ("..", "wav"), ("ABCDEF" + KEYS[0][6:], "mp3"), (KEYS[0][:-1], "mp3"),
    (KEYS[0], "ogg"), (KEYS[0], "mp3/../x"), ("", ""),
])
def test_nothing_but_our_own_keys_is_reachable(tmp_path, key, fmt):
    cache = AudioCache(tmp_path, max_bytes=10_000)
    assert cache.path(key, fmt) is None and cache.get(key, fmt) is None
    with pytest.raises(ValueError):
        cache.put(key, fmt, b"x")


def test_speaker_cache_hit_returns_the_same_file_untouched(tmp_path, monkeypatch):
    use_voice(monkeypatch, tmp_path)
    speaker = get_speaker()
    key = speaker.speak("您好，请问您要办什么？", None, 1.0, "mp3")
    path = speaker.path(key, "mp3")
    first = path.read_bytes()
    calls = []
    engine = speaker.engines[0]
    monkeypatch.setattr(engine, "render", lambda *a: calls.append(a))
    assert speaker.speak("您好，请问您要办什么？", None, 1.0, "mp3") == key
    assert calls == [] and path.read_bytes() == first


def test_keys_differ_by_rate_engine_voice_and_text_and_are_not_a_plain_hash(tmp_path, monkeypatch):
    use_voice(monkeypatch, tmp_path)
    speaker = get_speaker()
    base = speaker.speak("余额是一万二千元", None, 1.0, "mp3")
    assert speaker.speak("余额是一万二千元", None, 0.85, "mp3") != base
    assert speaker.speak("余额是一万三千元", None, 1.0, "mp3") != base
    assert speaker.speak("余额是一万二千元", None, 1.0, "wav") == base  # same speech, other file
    # Another deployment (another secret) makes other keys: nobody can probe for a guessed balance.
    monkeypatch.setenv("ANXIN_AUDIO_KEY_SECRET", "another-deployment")
    from voice.speaker import reset_speaker
    reset_speaker()
    assert get_speaker().speak("余额是一万二千元", None, 1.0, "mp3") != base


def test_the_key_secret_is_kept_beside_the_cache_and_shared(tmp_path, monkeypatch):
    use_voice(monkeypatch, tmp_path)
    a = get_speaker().speak("你好", None, 1.0, "mp3")
    assert (tmp_path / ".key").stat().st_mode & 0o077 == 0
    use_voice(monkeypatch, tmp_path)  # a second process on the same directory
    assert get_speaker().speak("你好", None, 1.0, "mp3") == a


def test_audio_unused_for_too_long_is_gone(tmp_path):
    cache = AudioCache(tmp_path, max_bytes=10_000, max_age_s=3600)
    old, fresh = cache.put(KEYS[0], "mp3", b"x" * 10), cache.put(KEYS[1], "mp3", b"y" * 10)
    stale = time.time() - 7200
    os.utime(old, (stale, stale))
    assert cache.get(KEYS[0], "mp3") is None and not old.exists()  # a balance from yesterday is not served
    os.utime(fresh, (stale, stale))
    cache._next_sweep = 0.0  # the periodic sweep is due
    cache.put(KEYS[2], "mp3", b"z" * 10)
    assert not fresh.exists() and cache.get(KEYS[2], "mp3") is not None
