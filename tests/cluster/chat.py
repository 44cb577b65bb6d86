"""A customer chatting through the public entry point (nginx -> gateway), or straight to one Rasa server."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.load.customers import LoadCustomer
from cluster.launch import Cluster


@dataclass
class WebChat:
    entry_url: str
    customer: LoadCustomer
    sid: str = ""
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def sign_in(self) -> httpx.Response:
        resp = self.client.post(f"{self.entry_url}/api/login",
                                json={"phone": self.customer.phone, "pin": self.customer.pin},
                                headers={"x-anxin-session-mode": "header", "X-Forwarded-For": self.customer.address})
        if resp.status_code == 200:
            self.sid = resp.json()["session"]
        return resp

    def say_raw(self, text: str) -> httpx.Response:
        return self.client.post(f"{self.entry_url}/api/chat", json={"text": text},
                                headers={"x-anxin-session": self.sid, "X-Forwarded-For": self.customer.address})

    def say(self, text: str) -> str:
        """All reply texts of one turn, joined; fails on anything but 200."""
        resp = self.say_raw(text)
        assert resp.status_code == 200, (text, resp.status_code, resp.text)
        return "\n".join(r.get("text") or "" for r in resp.json()["replies"])


def rasa_turn(rasa_url: str, sender: str, text: str, token: str) -> tuple[int, list[dict[str, Any]]]:
    resp = httpx.post(f"{rasa_url}/webhooks/rest/webhook", timeout=60,
                      json={"sender": sender, "message": text, "metadata": {"token": token, "channel": "web"}})
    return resp.status_code, (resp.json() if resp.status_code == 200 else [])


def tracker_events(cluster: Cluster, sender: str) -> list[tuple[str, str]]:
    """(type, intent-or-action-or-text) of a conversation's stored events, in storage order."""
    rows = cluster.pg.psql("rasa", "SELECT type_name, COALESCE(intent_name, action_name, '') FROM events "
                                   f"WHERE sender_id = '{sender}' ORDER BY id")
    return [tuple(line.split("|", 1)) for line in rows.splitlines()]  # type: ignore[misc]


def completed_transfers(cluster: Cluster, phone: str) -> list[int]:
    """Amounts (fen) of a customer's completed transfers."""
    rows = cluster.pg.psql("anxin", "SELECT t.amount_fen FROM transfers t JOIN customers c ON c.id = t.customer_id "
                                    f"WHERE c.phone = '{phone}' AND t.status = 'completed' ORDER BY t.id")
    return [int(x) for x in rows.split()]
