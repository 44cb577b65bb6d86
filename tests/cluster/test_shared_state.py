"""Nothing a customer needs lives in one gateway: a session and a reply's audio made by one instance are
served by any other (sessions in Redis, audio in the shared ANXIN_AUDIO_DIR)."""
from __future__ import annotations

import httpx
import pytest

from cluster.launch import Cluster
from tests.cluster.chat import WebChat
from tests.cluster.helpers import new_customers

pytestmark = [pytest.mark.cluster, pytest.mark.rasa]


def test_session_and_audio_from_one_gateway_are_served_by_the_other(rasa_cluster: Cluster) -> None:
    gw1, gw2 = (m.url for m in rasa_cluster.tier_members("gateway"))
    chat = WebChat(gw1, new_customers(rasa_cluster, 1)[0])
    assert chat.sign_in().status_code == 200
    chat.entry_url = gw2  # the next request lands on the other instance
    resp = chat.say_raw("查一下余额")
    assert resp.status_code == 200, resp.text
    replies = resp.json()["replies"]
    assert any("余额" in (r.get("text") or "") for r in replies)
    audio = [r["audio_url"] for r in replies if r.get("audio_url")]
    assert audio, "no reply came with audio"
    for base in (gw1, gw2):
        got = httpx.get(f"{base}{audio[0]}", timeout=10)
        assert got.status_code == 200 and len(got.content) > 1000, (base, got.status_code)
