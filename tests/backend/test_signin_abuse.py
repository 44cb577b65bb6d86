"""Sign-in abuse (issue 10, items 8 and 9): enumeration, lock-out by strangers, telling the customer, and whose
address a sign-in counts against (trusted proxies, the gateway's hashed calling number)."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from backend.core.config import Settings
from backend.core.ratelimit import Limit, LoginRateLimiter
from backend.main import create_app
from backend.models import Customer
from backend.services import auth
from tests.backend.factories import CustomerFixture, unique_phone
from tests.backend.helpers import MovingClock

REPO = Path(__file__).resolve().parents[2]
WRONG = "000000"


def login(client: TestClient, phone: str, pin: str, headers: dict[str, str] | None = None):
    return client.post("/auth/login", json={"phone": phone, "pin": pin}, headers=headers or {})


def answer(response) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    body = response.json()
    return response.status_code, body.get("code", ""), body.get("message", "")


def customer_row(engine: Engine, customer_id: int) -> Customer:
    with Session(engine) as session:
        row = session.get(Customer, customer_id)
        assert row is not None
        return row


# --- item 9: the same answer for a known and an unknown number ------------------------------------------------

def test_wrong_pin_and_unknown_number_answer_word_for_word_alike_all_the_way_to_the_lock(
    client: TestClient, alice: CustomerFixture, moving_clock: MovingClock
):
    stranger = unique_phone()
    seen = []
    for step in range(8):
        known, unknown = login(client, alice.phone, WRONG), login(client, stranger, WRONG)
        assert answer(known) == answer(unknown), step
        assert not re.search(r"[0-9]次", answer(known)[2]) or answer(known)[1] == "LOCKED"  # no tries-left count
        seen.append(answer(known)[1])
        moving_clock.advance(seconds=60)
    # Wrong, wrong, wrong (wait 1 min), wrong (wait 2 min), waiting, locked: the same steps for both.
    assert seen == ["BAD_CREDENTIALS"] * 4 + ["RATE_LIMITED"] + ["LOCKED"] * 3


def test_an_unknown_number_costs_one_argon2_verify_like_a_known_one(
    client: TestClient, alice: CustomerFixture, monkeypatch: pytest.MonkeyPatch
):
    calls: list[str] = []
    real = auth.verify_secret

    def counting(hasher, hashed, secret):  # type: ignore[no-untyped-def]
        calls.append(hashed)
        return real(hasher, hashed, secret)

    monkeypatch.setattr(auth, "verify_secret", counting)
    login(client, alice.phone, WRONG)
    login(client, unique_phone(), WRONG)
    assert len(calls) == 2
    assert calls[0] == customer_row_hash(client, alice) and calls[1] != calls[0]  # the dummy hash, same cost


def test_during_a_wait_neither_a_known_nor_an_unknown_number_is_hashed(
    client: TestClient, alice: CustomerFixture, monkeypatch: pytest.MonkeyPatch, moving_clock: MovingClock
):
    stranger = unique_phone()
    for _ in range(3):
        login(client, alice.phone, WRONG)
        login(client, stranger, WRONG)
    calls: list[str] = []
    monkeypatch.setattr(auth, "verify_secret", lambda hasher, hashed, secret: calls.append(hashed) or False)
    assert answer(login(client, alice.phone, WRONG)) == answer(login(client, stranger, WRONG))
    assert answer(login(client, alice.phone, WRONG))[1] == "RATE_LIMITED"
    assert calls == []  # both refused before any argon2 work: no timing difference either


def customer_row_hash(client: TestClient, who: CustomerFixture) -> str:
    return customer_row(client.app.state.engine, who.id).pin_hash  # type: ignore[attr-defined]


# --- item 9: a stranger cannot lock a senior out in a burst ------------------------------------------------------

def test_a_burst_of_wrong_pins_does_not_lock_the_customer_out(
    client: TestClient, engine: Engine, alice: CustomerFixture, moving_clock: MovingClock
):
    codes = [answer(login(client, alice.phone, WRONG))[1] for _ in range(20)]
    # Three tries are checked, then the wait refuses every further try without checking (and without counting).
    assert codes[:3] == ["BAD_CREDENTIALS"] * 3
    assert set(codes[3:]) == {"RATE_LIMITED"}
    row = customer_row(engine, alice.id)
    assert row.locked_until is None and row.failed_attempts == 3
    # The right PIN during the wait is refused too (no guess is checked then), and works once it is over.
    assert answer(login(client, alice.phone, alice.pin))[1] == "RATE_LIMITED"
    moving_clock.advance(seconds=61)
    assert login(client, alice.phone, alice.pin).status_code == 200


def test_the_wait_doubles_with_each_wrong_pin_until_the_lock(
    client: TestClient, alice: CustomerFixture, moving_clock: MovingClock
):
    for _ in range(2):
        assert "分钟" not in answer(login(client, alice.phone, WRONG))[2]
    assert "请过1分钟再试" in answer(login(client, alice.phone, WRONG))[2]
    moving_clock.advance(seconds=59)
    assert answer(login(client, alice.phone, WRONG))[1] == "RATE_LIMITED"  # still waiting
    moving_clock.advance(seconds=2)
    assert "请过2分钟再试" in answer(login(client, alice.phone, WRONG))[2]
    moving_clock.advance(seconds=121)
    assert answer(login(client, alice.phone, WRONG))[1] == "LOCKED"  # the 5th wrong PIN


# --- item 9: the customer is told ------------------------------------------------------------------------------

def test_the_next_sign_in_tells_the_customer_their_pin_was_tried(
    client: TestClient, alice: CustomerFixture, moving_clock: MovingClock
):
    first = login(client, alice.phone, alice.pin).json()
    assert (first["failed_attempts_since_last_login"], first["notice"]) == (0, None)
    for _ in range(2):
        login(client, alice.phone, WRONG)
    told = login(client, alice.phone, alice.pin).json()
    assert told["failed_attempts_since_last_login"] == 2
    assert "2次" in told["notice"] and "密码" in told["notice"]
    again = login(client, alice.phone, alice.pin).json()
    assert (again["failed_attempts_since_last_login"], again["notice"]) == (0, None)


def test_wrong_pins_before_a_lock_are_all_told_after_it(
    client: TestClient, alice: CustomerFixture, moving_clock: MovingClock
):
    for _ in range(5):
        login(client, alice.phone, WRONG)
        moving_clock.advance(seconds=240)  # past every wait
    moving_clock.advance(minutes=16)  # past the lock
    told = login(client, alice.phone, alice.pin).json()
    assert told["failed_attempts_since_last_login"] == 5


# --- item 8: whose address a sign-in counts against -----------------------------------------------------------

@pytest.fixture
def limited(settings: Settings) -> Iterator[Callable[..., TestClient]]:
    """make(peer, **settings) -> a client of a fresh app whose per-address (or per-caller) limit is 3 sign-ins."""
    apps: list[TestClient] = []

    def make(peer: str = "127.0.0.1", **overrides: object) -> TestClient:
        app = create_app(settings.model_copy(update=overrides), migrate=False)
        app.state.login_limiter = LoginRateLimiter(Limit(1000, 300), Limit(3, 300))
        client = TestClient(app, base_url="http://testserver/api/v1", client=(peer, 50000))
        apps.append(client)
        return client

    yield make
    for client in apps:
        client.app.state.engine.dispose()  # type: ignore[attr-defined]


SECRET = "proxy-secret-0123456789abcdef0123456789"


def _refused_after(client: TestClient, headers_for) -> list[int]:  # type: ignore[no-untyped-def]
    return [login(client, unique_phone(), WRONG, headers_for(i)).status_code for i in range(5)]


def test_a_client_that_is_not_a_trusted_proxy_cannot_pick_its_bucket(limited) -> None:  # type: ignore[no-untyped-def]
    client = limited(peer="203.0.113.9")
    codes = _refused_after(client, lambda i: {"X-Forwarded-For": f"10.1.1.{i}", "X-Anxin-Caller": "a" * 63 + str(i)})
    assert codes == [401, 401, 401, 429, 429]  # all five counted against 203.0.113.9


def test_with_a_proxy_secret_a_local_client_without_it_cannot_pick_its_bucket(limited) -> None:  # type: ignore[no-untyped-def]
    client = limited(peer="127.0.0.1", proxy_secret=SECRET)
    codes = _refused_after(client, lambda i: {"X-Forwarded-For": f"10.1.2.{i}", "X-Anxin-Proxy-Secret": "guess"})
    assert codes == [401, 401, 401, 429, 429]


def test_the_gateway_forwards_each_clients_address(limited) -> None:  # type: ignore[no-untyped-def]
    client = limited(peer="127.0.0.1", proxy_secret=SECRET)
    # The client wrote a fake first hop; the gateway appended the real one: the nearest untrusted hop counts.
    codes = _refused_after(client, lambda i: {"X-Forwarded-For": f"1.2.3.4, 10.1.3.{i}", "X-Anxin-Proxy-Secret": SECRET})
    assert codes == [401] * 5
    same = _refused_after(client, lambda i: {"X-Forwarded-For": f"10.1.4.{i}, 10.1.4.99", "X-Anxin-Proxy-Secret": SECRET})
    assert same == [401, 401, 401, 429, 429]


def test_phone_callers_each_have_their_own_bucket(limited) -> None:  # type: ignore[no-untyped-def]
    """100 callers in 5 minutes through one gateway do not shut the phone line for everyone."""
    client = limited(peer="127.0.0.1")  # default trusted proxies: loopback, no proxy secret configured
    callers = [hashlib.sha256(f"+86139{n:08d}".encode()).hexdigest() for n in range(100)]
    codes = [login(client, unique_phone(), WRONG, {"X-Anxin-Caller": c}).status_code for c in callers]
    assert set(codes) == {401}
    # One caller still has a limit of their own.
    again = [login(client, unique_phone(), WRONG, {"X-Anxin-Caller": callers[0]}).status_code for _ in range(3)]
    assert again == [401, 401, 429]
    # A malformed caller header counts as nothing: the gateway's own address is used.
    assert [login(client, unique_phone(), WRONG, {"X-Anxin-Caller": "+8613900000000"}).status_code
            for _ in range(4)] == [401, 401, 401, 429]


def test_uvicorn_does_not_rewrite_the_client_address_itself() -> None:
    """uvicorn trusts X-Forwarded-For from any loopback client unless told not to; the backend decides itself.

    Every launcher starts a service with deploy/services.py's command, so the flag is checked there, in each
    launcher's argv built from it, and in the Procfile; no launcher writes its own uvicorn line."""
    from cluster import services as cluster_services
    from deploy.services import command

    for name in ("backend", "gateway"):  # issue 10 item 8: a local client must not pick its own sign-in bucket
        assert "--no-proxy-headers" in command(name, port=1), name
    assert "--no-proxy-headers" in cluster_services.backend_command(1)
    assert "--no-proxy-headers" in cluster_services.gateway_command(1, app="cluster.gateway_app:app")
    procfile = (REPO / "Procfile").read_text(encoding="utf-8")
    for name in ("backend", "gateway"):
        line = next(line for line in procfile.splitlines() if line.startswith(f"{name}:"))
        assert "--no-proxy-headers" in line, name
    for path in ("cluster/launch.py", "cluster/services.py", "tests/support/stack.py", "tests/backend/server.py"):
        text = (REPO / path).read_text(encoding="utf-8")
        assert '"uvicorn"' not in text, f"{path} writes its own uvicorn command instead of deploy/services.py's"
