"""Calls shared through Redis: a call's webhooks may reach any gateway instance (the cluster profile)."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.calls import (
    CallState,
    RedisCallStore,
    Spoken,
    Stage,
    set_call_store,
    state_from_json,
    state_to_json,
)
from tests.gateway.test_phone import PIN, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs Debian's redis-server")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from cluster.stores import RedisServer

    server = RedisServer(Path(tmp_path_factory.mktemp("redis-calls")))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def test_state_round_trips_through_json():
    state = CallState(call_sid="CA1", sender="phone-x", phone="13800000001", stage=Stage.OFFER, token="t",
                      resume_stage=Stage.TALK, last_prompt=[Spoken("你好", ["是"], 0.85, "500元")],
                      choices=["/affirm"], choice_titles=["是"])
    again = state_from_json(state_to_json(state))
    assert again == state and again.token == "t" and isinstance(again.last_prompt[0], Spoken)


def test_a_call_moves_between_gateway_instances(world, redis_url):  # noqa: F811
    line, rasa, backend = world
    set_call_store(RedisCallStore.from_url(redis_url, ttl_s=600))
    line.sign_in()
    rasa.queue.append([{"text": "要给儿子王小明转500元吗？",
                        "buttons": [{"title": "是", "payload": "/affirm"}, {"title": "否", "payload": "/deny"}]}])
    line.twiml(SpeechResult="给儿子转五百")
    # Another instance: its own connection, nothing in its memory.
    other = RedisCallStore.from_url(redis_url, ttl_s=600)
    set_call_store(other)
    line.twiml(Digits="1")
    assert rasa.sent[-1]["text"] == "/affirm"  # the keys of the reply heard on the first instance
    assert rasa.sent[-1]["metadata"]["token"] == "tok-secret-123"
    assert len(backend.logins) == 1
    key = other._key(line.sid)
    assert 0 < other._r.ttl(key) <= 600 and line.sid not in key
    line.twiml(Digits="0")  # handoff: token dropped, then the dial ends and the call is forgotten
    assert other.get(line.sid).token is None
    line.twiml("/voice/dial-done", DialCallStatus="completed")
    assert other.get(line.sid) is None


def test_redis_down_is_an_apology_not_a_500(world):  # noqa: F811
    line, _, _ = world
    set_call_store(RedisCallStore.from_url("redis://127.0.0.1:1/0", ttl_s=600))
    root = line.call_in()
    assert root.find("Hangup") is not None
    root = line.twiml(Digits=PIN)
    assert root.find("Hangup") is not None and root.find("Dial") is None
    assert line.post("/voice/status", CallStatus="completed").status_code == 200
