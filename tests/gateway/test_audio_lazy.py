"""Issue 14: a reply's audio is made off the turn's critical path (gateway.routes.audio).

The URL comes at once, the audio is synthesised in the background or on the first fetch, a fetch during the
synthesis waits for that same job, repeats come from the cache, phones' WAV (Twilio's <Play>) still plays.
"""
from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from gateway.main import create_app
from gateway.routes import audio
from tests.gateway.test_phone import world  # noqa: F401  (the phone test's signed Twilio line)
from tests.voice.helpers import use_voice
from voice.engines import SpeechError
from voice.speaker import get_speaker

TEXT = "您的活期账户余额是12,000.00元。"


class CountingSpeaker:
    """Wraps the real speaker's speak: counts the syntheses and can hold them until released."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()
        speaker = get_speaker()
        real = speaker.speak

        def speak(*args):
            self.calls += 1
            self.started.set()
            assert self.release.wait(30)
            return real(*args)

        monkeypatch.setattr(speaker, "speak", speak)


@pytest.fixture
def voice(tmp_path, monkeypatch):
    use_voice(monkeypatch, tmp_path, tts_engine="offline")
    monkeypatch.delenv("ANXIN_AUDIO_SYNTH", raising=False)
    audio.reset_jobs()
    yield CountingSpeaker(monkeypatch)
    audio.reset_jobs()


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://gw")


def test_url_comes_before_the_audio_is_made(voice):
    voice.release.clear()  # synthesis cannot finish until released

    async def scenario():
        url = await audio.audio_url_async(TEXT, None, 1.0, "mp3")
        assert url and url.startswith("/audio/") and url.endswith(".mp3")
        key = url.removeprefix("/audio/").removesuffix(".mp3")
        assert get_speaker().path(key, "mp3") is None  # the turn did not wait for the audio
        voice.release.set()
        async with _client() as client:
            resp = await client.get(url)
        assert resp.status_code == 200 and resp.headers["content-type"] == "audio/mpeg"
        assert resp.headers["cache-control"] == "no-store" and len(resp.content) > 1000

    asyncio.run(scenario())
    assert voice.calls == 1


def test_fetch_mode_synthesises_only_when_asked(voice, monkeypatch):
    monkeypatch.setenv("ANXIN_AUDIO_SYNTH", "fetch")

    async def scenario():
        url = await audio.audio_url_async(TEXT, ["是", "否"], 0.8, "mp3", "12,000.00元")
        assert voice.calls == 0
        async with _client() as client:
            first = await client.get(url)
            assert voice.calls == 1
            again = await client.get(url)
        assert first.status_code == again.status_code == 200 and first.content == again.content

    asyncio.run(scenario())
    assert voice.calls == 1


def test_two_fetches_during_synthesis_wait_for_the_same_job(voice):
    voice.release.clear()

    async def scenario():
        url = await audio.audio_url_async(TEXT, None, 1.0, "mp3")
        async with _client() as client:
            fetches = [asyncio.ensure_future(client.get(url)) for _ in range(3)]
            while not voice.started.is_set():
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)  # let the fetches reach the running job
            voice.release.set()
            answers = await asyncio.gather(*fetches)
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert len({a.content for a in answers}) == 1

    asyncio.run(scenario())
    assert voice.calls == 1
    assert audio.stats()["synthesised"] == 1


def test_a_repeat_is_answered_by_the_cache_without_a_job(voice):
    async def scenario():
        async with _client() as client:
            url = await audio.audio_url_async(TEXT, None, 1.0, "mp3")
            assert (await client.get(url)).status_code == 200
            again = await audio.audio_url_async(TEXT, None, 1.0, "mp3")
            assert again == url
            assert (await client.get(again)).status_code == 200

    asyncio.run(scenario())
    assert voice.calls == 1


def test_phone_wav_is_made_before_the_twiml_so_say_can_stand_in(voice):
    """Twilio fetches <Play> at once: the phone's WAV is made inside the turn, and served at its URL."""
    url = asyncio.run(audio.audio_url_async("请输入六位密码。", None, 0.85, "wav"))
    key = url.removeprefix("/audio/").removesuffix(".wav")
    assert voice.calls == 1 and get_speaker().path(key, "wav") is not None

    async def fetch():
        async with _client() as client:
            return await client.get(url)

    resp = asyncio.run(fetch())
    assert resp.status_code == 200 and resp.headers["content-type"] == "audio/wav"
    assert resp.content[:4] == b"RIFF"


def test_phone_without_a_working_engine_gets_no_url(voice, monkeypatch):
    """The phone route speaks <Say> text when there is no audio URL: a URL that 404s would be silence."""
    def broken(*_args):
        raise SpeechError("espeak-ng: no such voice")

    monkeypatch.setattr(get_speaker().engines[0], "render", broken)
    assert asyncio.run(audio.audio_url_async("请输入六位密码。", None, 0.85, "wav")) is None


def test_after_a_failed_background_synthesis_replies_come_without_url(voice, monkeypatch):
    def broken(*_args):
        raise SpeechError("espeak-ng: gone")

    monkeypatch.setattr(get_speaker().engines[0], "render", broken)

    async def scenario():
        url = await audio.audio_url_async("您好，今天办什么？", None, 1.0, "mp3")
        async with _client() as client:
            assert (await client.get(url)).status_code == 404
        return await audio.audio_url_async("还有别的事吗？", None, 1.0, "mp3")

    assert asyncio.run(scenario()) is None


def test_phone_route_play_url_is_fetchable(world):  # noqa: F811
    """Through the phone route itself (test_phone's signed Twilio line): every <Play> URL of the greeting serves
    WAV to a later fetch, as Twilio fetches it."""
    line, _rasa, _backend = world
    answer = line.call_in()
    plays = [el.text for el in answer.root.iter("Play")]
    assert plays, "the greeting plays no audio"
    for url in plays:
        got = line.client.get(url[url.index("/audio/"):])
        assert got.status_code == 200 and got.content[:4] == b"RIFF"


def test_failed_synthesis_is_a_plain_404_not_a_500(voice, monkeypatch):
    def broken(*_args):
        raise SpeechError("espeak-ng: gone")

    monkeypatch.setattr(get_speaker().engines[0], "render", broken)

    async def scenario():
        url = await audio.audio_url_async("您好，今天办什么？", None, 1.0, "mp3")
        assert url is not None  # the reply still carries its URL
        async with _client() as client:
            resp = await client.get(url)
        assert resp.status_code == 404 and resp.json()["code"] == "AUDIO_NOT_FOUND"

    asyncio.run(scenario())


def test_another_gateways_job_is_waited_for(voice):
    """A fetch that reaches a gateway which did not make the job waits on the shared directory's marker."""
    key = audio.planned_key(TEXT, None, 1.0, "mp3", None)
    name = f"{key}.mp3"
    marker = get_speaker().cache.dir / f".pending-{name}"
    marker.touch()  # "another gateway" is synthesising

    def other_gateway():
        get_speaker().speak(TEXT, None, 1.0, "mp3", None)
        marker.unlink()

    async def scenario():
        async with _client() as client:
            fetch = asyncio.ensure_future(client.get(f"/audio/{name}"))
            await asyncio.sleep(0.1)
            assert not fetch.done()
            worker = threading.Thread(target=other_gateway)
            worker.start()
            resp = await fetch
            worker.join()
        assert resp.status_code == 200

    asyncio.run(scenario())


def test_unknown_key_without_a_job_is_404_at_once(voice):
    async def scenario():
        async with _client() as client:
            resp = await client.get("/audio/" + "b" * 40 + ".mp3")
        assert resp.status_code == 404

    asyncio.run(scenario())


def test_inline_mode_synthesises_inside_the_turn(voice, monkeypatch):
    monkeypatch.setenv("ANXIN_AUDIO_SYNTH", "inline")
    url = asyncio.run(audio.audio_url_async(TEXT, None, 1.0, "mp3"))
    key = url.removeprefix("/audio/").removesuffix(".mp3")
    assert voice.calls == 1 and get_speaker().path(key, "mp3") is not None


def test_no_text_no_url(voice):
    assert asyncio.run(audio.audio_url_async("", None, 1.0, "mp3")) is None
    assert asyncio.run(audio.audio_url_async("您好", None, 1.0, "ogg")) is None
    assert voice.calls == 0
