"""The dialogue never computes money: the deposit read-back says the backend's own figures, to the fen.

The real backend (seeded) and the real action server, each on a free port; Rasa is not needed, the test calls
the action server's webhook the way Rasa does, with a tracker that holds the filled deposit form. Runs under
.venv: it also computes the backend's interest rule in-process to check the read-back against it.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import yaml

from backend.services import interest
from backend.services.amounts import fen_to_yuan
from cluster.services import actions_command, free_port, spawn, wait_http
from rules import secrets as secret_rules
from tests.support.stack import ROOT, Stack, running_stack

API = "/api/v1"


@pytest.fixture(scope="module")
def backend_and_actions() -> Iterator[Stack]:
    with running_stack(assistant=False, gateway=False) as stack:
        port = free_port()
        stack.actions_url = f"http://127.0.0.1:{port}"
        wait_http(spawn(stack, "actions", actions_command(port)), f"{stack.actions_url}/health", 90)
        yield stack


def _token(stack: Stack) -> str:
    resp = httpx.post(f"{stack.backend_url}{API}/auth/login", json={"phone": "13800000001", "pin": "135790"},
                      timeout=10)
    resp.raise_for_status()
    return resp.json()["access_token"]


def _get(stack: Stack, token: str, path: str) -> Any:
    resp = httpx.get(f"{stack.backend_url}{API}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    resp.raise_for_status()
    return resp.json()


def _read_back(stack: Stack, token: str, slots: dict[str, Any]) -> dict[str, Any]:
    """What action_ask_deposit_confirmed answers for a tracker with these slots (as Rasa would call it)."""
    metadata = {"channel": "web", "token": token}
    latest = {"text": "是一年", "intent": {"name": "inform", "confidence": 1.0}, "entities": [], "metadata": metadata}
    sender = f"test-{uuid.uuid4().hex}"
    tracker = {"sender_id": sender, "slots": {"speech_rate": 1.0, **slots}, "latest_message": latest,
               "events": [{"event": "user", "text": latest["text"], "parse_data": latest, "metadata": metadata}],
               "paused": False, "followup_action": None, "active_loop": {"name": "deposit_form"},
               "latest_action_name": "action_listen"}
    domain = yaml.safe_load((ROOT / "assistant" / "domain.yml").read_text(encoding="utf-8"))
    resp = httpx.post(f"{stack.actions_url}/webhook", timeout=30,
                      headers={secret_rules.ACTIONS_SECRET_HEADER: stack.env[secret_rules.ACTIONS_SECRET]},
                      json={"next_action": "action_ask_deposit_confirmed", "sender_id": sender, "tracker": tracker,
                            "domain": domain, "version": "3.6.0"})
    resp.raise_for_status()
    return resp.json()


@pytest.mark.parametrize("amount,term", [("11111.11", "12"), ("10000.00", "3"), ("50.01", "12"), ("7777.77", "6")])
def test_the_deposit_read_back_says_the_backends_quote_to_the_fen(backend_and_actions: Stack, amount: str,
                                                                   term: str) -> None:
    stack = backend_and_actions
    token = _token(stack)
    products = _get(stack, token, "/savings/products")
    product = next((p for p in products if str(p["term_months"]) == term), None)
    if product is None:
        pytest.skip(f"no {term}-month product in the seed")
    account = next(a for a in _get(stack, token, "/accounts") if a["kind"] == "demand")
    answer = _read_back(stack, token, {"deposit_amount": amount, "deposit_term": term,
                                       "from_account_id": str(account["id"]), "deposit_form_id": uuid.uuid4().hex,
                                       "maturity_choice": "renew"})
    said = "\n".join(r.get("text") or "" for r in answer["responses"])
    pending_id = next((e["value"] for e in answer["events"] if e.get("name") == "pending_deposit_id"), None)
    assert pending_id, answer
    record = _get(stack, token, f"/deposits/{pending_id}")
    assert record["status"] == "pending" and record["principal"] == amount

    # The figure read back is the backend's pending record's, digit for digit ...
    said_interest = re.search(r"到期利息约([0-9,]+\.[0-9]{2})元", said)
    assert said_interest, said
    assert Decimal(said_interest.group(1).replace(",", "")) == Decimal(record["expected_interest"])
    # ... and that is the backend's interest rule for this principal, rate and term, to the fen.
    rate_bp = int((Decimal(record["annual_rate_percent"]) * 100).to_integral_value())
    fen = interest.expected_interest_fen(int(Decimal(amount) * 100), rate_bp, int(term))
    assert Decimal(str(fen_to_yuan(fen))) == Decimal(record["expected_interest"])
    httpx.post(f"{stack.backend_url}{API}/deposits/{pending_id}/cancel",
               headers={"Authorization": f"Bearer {token}"}, timeout=10)
