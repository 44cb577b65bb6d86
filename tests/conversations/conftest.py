"""End-to-end conversations: the real backend (seeded), the action server and Rasa with the trained model,
each on a free port (tests/support/stack.py). Runs under .venv (python3.11); Rasa and the action server
are started from .venv-rasa by path. Needs `make model` first (make test does it).

    .venv/bin/python -m pytest tests/conversations
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.support.stack import Stack, running_stack

DEMO = {"张桂兰": ("13800000001", "135790"), "李大山": ("13800000002", "246802"), "陈阿婆": ("13800000003", "112233")}


@pytest.fixture(scope="session")
def assistant_stack() -> Iterator[Stack]:
    with running_stack(assistant=True, gateway=False) as stack:
        yield stack


@dataclass
class Customer:
    stack: Stack
    token: str | None
    sender: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex}")

    def say(self, text: str) -> list[dict[str, Any]]:
        metadata: dict[str, Any] = {"channel": "web"}
        if self.token:
            metadata["token"] = self.token
        resp = httpx.post(f"{self.stack.rasa_url}/webhooks/rest/webhook",
                          json={"sender": self.sender, "message": text, "metadata": metadata}, timeout=30)
        resp.raise_for_status()
        return resp.json()

    def api(self, path: str) -> Any:
        resp = httpx.get(f"{self.stack.backend_url}/api/v1{path}",
                         headers={"Authorization": f"Bearer {self.token}"}, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def balance(self, kind: str = "demand") -> str:
        return next(a["balance"] for a in self.api("/accounts") if a["kind"] == kind)


_TOKENS: dict[tuple[str, str], str] = {}


def login(stack: Stack, name: str) -> Customer:
    """A new conversation of a signed-in customer. One sign-in per customer and stack: the backend limits
    sign-ins per address (issue 10), and these tests sign in far more often than any person would."""
    key = (stack.backend_url, name)
    if key not in _TOKENS:
        phone, pin = DEMO[name]
        resp = httpx.post(f"{stack.backend_url}/api/v1/auth/login", json={"phone": phone, "pin": pin}, timeout=10)
        resp.raise_for_status()
        _TOKENS[key] = resp.json()["access_token"]
    return Customer(stack, _TOKENS[key])


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)
