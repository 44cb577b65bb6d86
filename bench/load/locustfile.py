"""Simulated customers playing whole conversations against Anxin (Locust, run headless by bench/load/run.py).

One Locust user is one customer (its own phone, PIN and client address) who repeats one conversation:
sign in, ask the balance, transfer 500 yuan to an old payee and confirm, open a 1000-yuan one-year deposit,
ask to hear the last reply again, start a 100-yuan transfer and cancel it.

Modes (ANXIN_LOAD_MODE):
  gateway  through the public entry point: nginx -> gateway (/api/login and /api/chat of the web widget)
  rasa     sign in at the backend, chat with Rasa's REST channel (before the gateway's chat route exists)
  api      the same banking steps straight on the backend's REST API (no dialogue engine)

Request names: "sign-in", "turn: <step>" (one user message and all its replies), "conversation" (whole
conversation, for conversations/s), "books" (the conversation moved exactly 1500.00 out of the demand account).
Each user's count of finished conversations goes to ANXIN_LOAD_RESULTS (JSON) for the books check afterwards.
"""
from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from decimal import Decimal
from typing import Any

import gevent
from locust import HttpUser, between, events, task
from locust.exception import StopUser

MODE = os.environ.get("ANXIN_LOAD_MODE", "gateway")
CUSTOMERS: list[dict[str, str]] = json.loads(os.environ.get("ANXIN_LOAD_CUSTOMERS", "[]"))
BACKEND_URL = os.environ.get("ANXIN_LOAD_BACKEND_URL", "")
RASA_URL = os.environ.get("ANXIN_LOAD_RASA_URL", "")
RESULTS = os.environ.get("ANXIN_LOAD_RESULTS", "")
# Seconds a customer takes to read or hear a reply and answer: "low-high", uniformly drawn per turn.
# Issue 14: in gateway mode each reply's audio is fetched after the turn, as the page does when it reads a reply
# aloud; its latency is its own figure ("audio"), not part of the turn. ANXIN_LOAD_FETCH_AUDIO=0: never.
FETCH_AUDIO = os.environ.get("ANXIN_LOAD_FETCH_AUDIO", "1") != "0"
THINK_LOW, THINK_HIGH = (float(x) for x in os.environ.get("ANXIN_LOAD_THINK_S", "2-4").split("-"))

TRANSFER = Decimal("500.00")
DEPOSIT = Decimal("1000.00")
EXPECTED_OUT = TRANSFER + DEPOSIT

# What the customer says, step by step (rasa and gateway modes). The confirmations are separate turns.
SCRIPT: list[tuple[str, str]] = [
    ("balance", "查一下余额"),
    ("transfer", "给儿子转500元"),
    ("transfer-confirm", "确认"),
    ("deposit", "存一年定期1000元"),
    ("deposit-confirm", "确认"),
    ("repeat", "再说一遍"),
    ("cancel-start", "给儿子转100元"),
    ("cancel", "取消"),
]

_next_customer = 0
_customer_lock = threading.Lock()
_finished: dict[str, int] = {}
# Transfers each customer saw confirmed as done: the books check compares them with the bank's records.
_confirmed: dict[str, int] = {}
# Raw figures for bench/load/run.py, which computes exact percentiles over all turns (Locust's own are
# per request name and rounded).
_latency_ms: dict[str, list[float]] = {"turn": [], "sign-in": [], "conversation": [], "audio": []}
_errors: dict[str, int] = {}
_error_samples: list[str] = []


def _take_customer() -> dict[str, str]:
    global _next_customer
    with _customer_lock:
        if _next_customer >= len(CUSTOMERS):
            raise StopUser()  # more users than seeded customers: never share one (their books would mix)
        customer = CUSTOMERS[_next_customer]
        _next_customer += 1
        return customer


@events.request.add_listener
def _collect(name: str, response_time: float, exception: BaseException | None, **_: Any) -> None:
    kind = "turn" if name.startswith("turn:") else name
    if exception is not None:
        _errors[name] = _errors.get(name, 0) + 1
        if len(_error_samples) < 20:
            _error_samples.append(f"{name}: {exception}"[:200])
    elif kind in _latency_ms:
        _latency_ms[kind].append(response_time)


@events.test_stop.add_listener
def _write_results(**_: Any) -> None:
    if RESULTS:
        with open(RESULTS, "w") as fh:
            json.dump({"finished": _finished, "confirmed": _confirmed, "latency_ms": _latency_ms, "errors": _errors,
                       "error_samples": _error_samples}, fh)


def think() -> None:
    """A pause inside a conversation. Not Locust's wait(), which aborts the task when the run ends: a
    conversation cut in half would leave the books check without a clear answer. Runs drain instead."""
    gevent.sleep(random.uniform(THINK_LOW, THINK_HIGH))


class Customer(HttpUser):
    # Between two conversations of the same customer.
    wait_time = between(THINK_LOW, THINK_HIGH)

    def on_start(self) -> None:
        self.customer = _take_customer()
        self.headers = {"X-Forwarded-For": self.customer["address"]}
        _finished.setdefault(self.customer["phone"], 0)
        _confirmed.setdefault(self.customer["phone"], 0)

    # ----- one conversation -----
    @task
    def conversation(self) -> None:
        started = time.perf_counter()
        ok = self._sign_in()
        if ok and MODE == "gateway":
            # The bank token stays inside the gateway: the books are checked for the whole run afterwards.
            ok = self._chat_steps()
        elif ok:
            before = self._demand_balance()
            ok = self._api_steps() if MODE == "api" else self._chat_steps()
            after = self._demand_balance()
            ok = ok and self._check_books(before, after)
        elapsed_ms = (time.perf_counter() - started) * 1000
        events.request.fire(request_type="CONV", name="conversation", response_time=elapsed_ms,
                            response_length=0, exception=None if ok else RuntimeError("conversation failed"),
                            context={})
        if ok:
            _finished[self.customer["phone"]] += 1

    def _sign_in(self) -> bool:
        self.token = ""
        self.sender = f"load-{uuid.uuid4().hex[:16]}"
        body = {"phone": self.customer["phone"], "pin": self.customer["pin"]}
        url = f"{BACKEND_URL}/api/v1/auth/login" if MODE != "gateway" else "/api/login"
        # The gateway hands the session id back in the body when asked (as the embedded widget does).
        headers = {**self.headers, "x-anxin-session-mode": "header"}
        with self.client.post(url, json=body, headers=headers, name="sign-in", catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code} {resp.text[:80]}")
                return False
            data = resp.json()
            self.token = data.get("access_token", "")
            self.session = data.get("session", "")
        return True

    def _api_headers(self, **extra: str) -> dict[str, str]:
        return {**self.headers, "Authorization": f"Bearer {self.token}", **extra}

    def _demand_balance(self) -> Decimal | None:
        """Read straight from the backend with the customer's token; not part of the measured turns."""
        if not self.token:
            return None
        resp = self.client.get(f"{BACKEND_URL}/api/v1/accounts", headers=self._api_headers(), name="(books read)")
        if resp.status_code != 200:
            return None
        for acc in resp.json():
            if acc["kind"] == "demand":
                return Decimal(acc["balance"])
        return None

    def _check_books(self, before: Decimal | None, after: Decimal | None) -> bool:
        moved = None if before is None or after is None else before - after
        exc = None if moved == EXPECTED_OUT else RuntimeError(f"moved {moved}, expected {EXPECTED_OUT}")
        events.request.fire(request_type="CHECK", name="books", response_time=0, response_length=0,
                            exception=exc, context={})
        return exc is None

    # ----- rasa / gateway modes -----
    def _say(self, step: str, text: str) -> list[dict[str, Any]] | None:
        if MODE == "rasa":
            url, body = f"{RASA_URL}/webhooks/rest/webhook", {
                "sender": self.sender, "message": text, "metadata": {"token": self.token, "channel": "web"}}
            headers = self.headers
        else:
            url, body = "/api/chat", {"text": text}
            headers = {**self.headers, "x-anxin-session": self.session}
        with self.client.post(url, json=body, headers=headers, name=f"turn: {step}",
                              catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
                return None
            replies = resp.json()
            replies = replies.get("replies", replies) if isinstance(replies, dict) else replies
            texts = [r.get("text") or "" for r in replies]
            # An apology for an unavailable service is an error for the load test, whatever the status code.
            if not replies or any("暂时" in t or "出了点问题" in t for t in texts):
                resp.failure(f"unhelpful reply: {texts[:1]}")
                return None
        if MODE == "gateway" and FETCH_AUDIO:
            for reply in replies:
                if reply.get("audio_url"):
                    with self.client.get(reply["audio_url"], headers=self.headers, name="audio",
                                         catch_response=True) as got:
                        if got.status_code != 200:
                            got.failure(f"HTTP {got.status_code}")
        return replies

    def _chat_steps(self) -> bool:
        for step, text in SCRIPT:
            if self._say(step, text) is None:
                return False
            if step == "transfer-confirm":
                _confirmed[self.customer["phone"]] += 1
            think()
        return True

    # ----- api mode -----
    def _api_steps(self) -> bool:
        c = self.client
        accounts = c.get(f"{BACKEND_URL}/api/v1/accounts", headers=self._api_headers(), name="turn: balance")
        payees = c.get(f"{BACKEND_URL}/api/v1/payees", headers=self._api_headers(), name="turn: payees")
        if accounts.status_code != 200 or payees.status_code != 200:
            return False
        demand = next(a for a in accounts.json() if a["kind"] == "demand")
        son = next(p for p in payees.json() if not p["is_new"])
        think()
        if not self._api_transfer(demand["id"], son["id"], TRANSFER, confirm=True):
            return False
        think()
        products = c.get(f"{BACKEND_URL}/api/v1/savings/products", headers=self._api_headers(),
                         name="turn: products").json()
        td12 = next(p for p in products if p["code"] == "TD12")
        resp = c.post(f"{BACKEND_URL}/api/v1/deposits", name="turn: deposit",
                      headers=self._api_headers(**{"Idempotency-Key": uuid.uuid4().hex}),
                      json={"product_id": td12["id"], "from_account_id": demand["id"], "amount": str(DEPOSIT)})
        if resp.status_code != 201:
            return False
        think()
        return self._api_transfer(demand["id"], son["id"], Decimal("100.00"), confirm=False)

    def _api_transfer(self, account_id: int, payee_id: int, amount: Decimal, confirm: bool) -> bool:
        c = self.client
        resp = c.post(f"{BACKEND_URL}/api/v1/transfers", name="turn: transfer",
                      headers=self._api_headers(**{"Idempotency-Key": uuid.uuid4().hex}),
                      json={"from_account_id": account_id, "payee_id": payee_id, "amount": str(amount), "note": "",
                            "require_confirmation": True})
        if resp.status_code != 201 or resp.json()["status"] != "pending":
            return False
        transfer_id = resp.json()["id"]
        think()
        action = "confirm" if confirm else "cancel"
        resp = c.post(f"{BACKEND_URL}/api/v1/transfers/{transfer_id}/{action}", headers=self._api_headers(),
                      name=f"turn: transfer-{action}")
        want = "completed" if confirm else "cancelled"
        done = resp.status_code == 200 and resp.json()["status"] == want
        if done and confirm:
            _confirmed[self.customer["phone"]] += 1
        return done
