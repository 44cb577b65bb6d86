"""Client-side helpers for the cluster tests: sign-in, money moves retried with one Idempotency-Key."""
from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from bench.load.customers import LoadCustomer, seed_load_customers
from cluster.launch import Cluster

_next_customer = itertools.count(10_000)
RETRYABLE = {502, 503, 504}
# Every customer the suite created, so the secret scan knows every PIN that must never be written down.
CREATED: list[LoadCustomer] = []


@dataclass
class SignedIn:
    customer: LoadCustomer
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Forwarded-For": self.customer.address}


def new_customers(cluster: Cluster, count: int) -> list[LoadCustomer]:
    first = next(_next_customer)
    for _ in range(count - 1):
        next(_next_customer)
    customers = seed_load_customers(cluster.database_url, count, first=first)
    CREATED.extend(customers)
    return customers


def sign_in(base_url: str, customer: LoadCustomer) -> SignedIn:
    resp = httpx.post(f"{base_url}/api/v1/auth/login", json={"phone": customer.phone, "pin": customer.pin},
                      headers={"X-Forwarded-For": customer.address}, timeout=10)
    resp.raise_for_status()
    return SignedIn(customer, resp.json()["access_token"])


def demand_account(base_url: str, who: SignedIn) -> dict[str, Any]:
    accounts = httpx.get(f"{base_url}/api/v1/accounts", headers=who.headers, timeout=10).json()
    return next(a for a in accounts if a["kind"] == "demand")


def old_payee(base_url: str, who: SignedIn) -> dict[str, Any]:
    payees = httpx.get(f"{base_url}/api/v1/payees", headers=who.headers, timeout=10).json()
    return next(p for p in payees if not p["is_new"])


@dataclass
class Attempted:
    key: str
    result: dict[str, Any]
    attempts: int
    refusals: list[dict[str, Any]]  # the error bodies seen on the way (what a user would have been told)
    last_try_at: float = 0.0  # time.monotonic() when the attempt that succeeded was sent
    acked_at: float = 0.0  # ... and when its 201 arrived


def transfer_until_done(base_url: str, who: SignedIn, account_id: int, payee_id: int, amount: Decimal,
                        deadline_s: float = 60) -> Attempted:
    """What a careful client does: one Idempotency-Key, retried on network errors and 5xx until an answer."""
    key = uuid.uuid4().hex
    body = {"from_account_id": account_id, "payee_id": payee_id, "amount": str(amount), "note": ""}
    refusals: list[dict[str, Any]] = []
    deadline = time.monotonic() + deadline_s
    for attempt in itertools.count(1):
        sent = time.monotonic()
        try:
            resp = httpx.post(f"{base_url}/api/v1/transfers", json=body,
                              headers={**who.headers, "Idempotency-Key": key}, timeout=10)
            if resp.status_code == 201:
                return Attempted(key, resp.json(), attempt, refusals, sent, time.monotonic())
            if resp.status_code not in RETRYABLE:
                raise AssertionError(f"transfer refused: {resp.status_code} {resp.text}")
            refusals.append({**resp.json(), "status": resp.status_code,
                             "retry_after": resp.headers.get("Retry-After")})
        except httpx.TransportError as exc:
            refusals.append({"code": type(exc).__name__, "message": ""})
        if time.monotonic() > deadline:
            raise AssertionError(f"transfer never completed after {attempt} attempts: {refusals[-3:]}")
        time.sleep(0.2)
    raise AssertionError("unreachable")
