"""Taking back a next-day transfer end to end (issue 12), through the gateway on the web and on the phone: the
real backend (seeded: 张桂兰's 外甥 周强 was saved 10 days ago, so a transfer to him arrives the next day), the
action server, Rasa and the gateway. "是" at the read-back brings the money back; "不" keeps it on its way; after
the settlement job has run it cannot be taken back, and a person is offered."""
from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.gateway.test_phone_stack import Call, text_gateway  # noqa: F401  (text_gateway: a module fixture)
from tests.support.stack import ROOT, Stack

pytestmark = pytest.mark.rasa

PHONE, PIN = "13800000001", "135790"  # 张桂兰 (backend/seed.py)


class Bank:
    """张桂兰 at the backend's API, to set up a scheduled transfer and to check her balance."""

    def __init__(self, stack: Stack) -> None:
        self.url = f"{stack.backend_url}/api/v1"
        login = httpx.post(f"{self.url}/auth/login", json={"phone": PHONE, "pin": PIN}, timeout=10)
        login.raise_for_status()
        self.headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    def get(self, path: str) -> Any:
        resp = httpx.get(self.url + path, headers=self.headers, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def balance(self) -> Decimal:
        return Decimal(next(a["balance"] for a in self.get("/accounts") if a["kind"] == "demand"))

    def send_to_nephew(self, amount: str) -> dict[str, Any]:
        account = next(a for a in self.get("/accounts") if a["kind"] == "demand")
        payee = next(p for p in self.get("/payees") if p["name"] == "周强")
        resp = httpx.post(f"{self.url}/transfers", timeout=10,
                          headers=self.headers | {"Idempotency-Key": uuid.uuid4().hex},
                          json={"from_account_id": account["id"], "payee_id": payee["id"], "amount": amount})
        resp.raise_for_status()
        body = resp.json()
        assert (body["status"], body["arrival_mode"]) == ("scheduled", "next_day"), body
        return body


def settle_everything_due(stack: Stack) -> None:
    """The settlement job as an operator runs it, a day ahead (every scheduled transfer is due by then)."""
    later = (datetime.now(timezone.utc) + timedelta(hours=25)).isoformat()
    done = subprocess.run([sys.executable, "-m", "backend.jobs", "settle", "--now", later, "--no-lease"],
                          cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


@pytest.fixture(scope="module")
def bank(stack: Stack) -> Bank:
    return Bank(stack)


@pytest.fixture(scope="module")
def web(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=60) as client:
        resp = client.post("/api/login", json={"phone": PHONE, "pin": PIN})
        assert resp.status_code == 200, resp.text
        yield client


def chat(client: httpx.Client, **body: str) -> list[dict[str, Any]]:
    resp = client.post("/api/chat", json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()["replies"]


def words(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def test_web_revoke_brings_the_money_back(web: httpx.Client, bank: Bank):
    before = bank.balance()
    sent = bank.send_to_nephew("100.00")
    assert bank.balance() == before - Decimal("100.00")  # it has left her account, on its way

    readback = chat(web, text="刚才那笔撤回")
    said = words(readback)
    assert "外甥周强" in said and "100.00元" in said and "壹佰元整" in said and "明天" in said, said
    assert said.endswith("要撤回这笔吗？")
    assert readback[-1]["transfer_id"] == sent["id"]
    assert [b["title"] for b in readback[-1]["buttons"]] == ["是，撤回", "不撤回"]

    done = chat(web, payload="/affirm")
    assert "撤回了" in words(done) and "回到了您的账户" in words(done)
    assert bank.balance() == before
    assert bank.get(f"/transfers/{sent['id']}")["status"] == "revoked"
    chat(web, text="是")  # a yes more takes back nothing else
    assert bank.balance() == before


def test_web_no_at_the_read_back_keeps_it_and_after_the_settlement_it_cannot_be_taken_back(
    web: httpx.Client, bank: Bank, stack: Stack
):
    before = bank.balance()
    sent = bank.send_to_nephew("80.00")
    chat(web, text="那笔钱不转了")
    kept = chat(web, payload="/deny")
    assert "不撤回" in words(kept) and "外甥周强" in words(kept)
    assert bank.get(f"/transfers/{sent['id']}")["status"] == "scheduled"

    settle_everything_due(stack)
    assert bank.get(f"/transfers/{sent['id']}")["status"] == "completed"
    late = chat(web, text="刚才那笔撤回")
    assert "已经到账了" in words(late) and "撤不回来" in words(late), words(late)
    assert {"title": "转人工", "payload": "/human_handoff"} in late[-1]["buttons"]
    assert bank.balance() == before - Decimal("80.00")


def test_phone_revoke_with_key_one_and_keep_with_key_two(stack: Stack, text_gateway: str, bank: Bank):  # noqa: F811
    before = bank.balance()
    sent = bank.send_to_nephew("60.00")
    call = Call(stack, text_gateway, f"CA-revoke-{uuid.uuid4().hex[:8]}")
    call.post("/voice/incoming")
    call.post("/voice/gather", Digits=PIN)
    assert "张桂兰" in call.last, call.heard
    root = call.post("/voice/gather", SpeechResult="刚才那笔撤回")
    assert "周强" in call.last and "要撤回这笔吗" in call.last, call.heard
    assert root.find("Gather").get("numDigits") == "1"  # 是/不 as keys 1/2
    call.post("/voice/gather", Digits="1")
    assert "撤回了" in call.last, call.heard
    assert bank.get(f"/transfers/{sent['id']}")["status"] == "revoked"
    assert bank.balance() == before

    kept = bank.send_to_nephew("70.00")
    call.post("/voice/gather", SpeechResult="那笔钱不转了")
    assert "周强" in call.last, call.heard
    call.post("/voice/gather", Digits="2")
    assert "不撤回" in call.last, call.heard
    assert bank.get(f"/transfers/{kept['id']}")["status"] == "scheduled"
    call.post("/voice/status", CallStatus="completed")
    settle_everything_due(stack)  # leaves nothing of hers in transit for the other tests of the session
