"""The attacks of issue 10 against the real test stack (tests/support/stack.py: every service started the way
make run starts it, with fresh random secrets), each of which worked before:

- the Rasa HTTP API read and rewrote conversations and swapped the model for anyone on the host;
- the action server answered anyone, on every address;
- tokens signed with the backend's old default secret, and phone webhooks signed with the old Twilio default,
  were accepted;
- a failing action request put the customer's live token into Rasa's ERROR log.

The last test scans every log the test stacks wrote (the session's shared stack, used by the gateway, browser
and phone suites before this one, and this suite's own) for a token, a demo PIN or a full account number.
"""
from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import httpx
import jwt
import pytest
from twilio.request_validator import RequestValidator

from backend.seed import DEMO_CUSTOMERS
from rules.secrets import ACTIONS_SECRET_HEADER
from tests.security.log_scan import JWT_SHAPE, find_leaks
from tests.support.stack import (
    ROOT,
    Stack,
    _rasa_endpoints,
    _spawn,
    _wait_http,
    free_port,
    rasa_command,
    running_stack,
)

pytestmark = pytest.mark.rasa

OLD_JWT_DEFAULT = "anxin-dev-secret-change-me-0123456789abcdef"
OLD_TWILIO_DEFAULT = "anxin-dev-twilio-auth-token"
CHEN = ("13800000003", "112233")


def login(stack: Stack, phone: str, pin: str) -> str:
    resp = httpx.post(f"{stack.backend_url}/api/v1/auth/login", json={"phone": phone, "pin": pin}, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


def forged(role: str, subject_id: int) -> str:
    now = int(time.time())
    return jwt.encode({"sub": str(subject_id), "role": role, "iat": now, "exp": now + 600}, OLD_JWT_DEFAULT,
                      algorithm="HS256")


# ----------------------------------------------------------------- forged credentials

def test_tokens_forged_with_the_old_default_secret_are_refused(stack: Stack):
    api = f"{stack.backend_url}/api/v1"
    for subject in (1, 2, 3):
        staff = httpx.get(f"{api}/staff/approvals", headers={"Authorization": f"Bearer {forged('staff', subject)}"},
                          timeout=10)
        assert staff.status_code == 401, staff.text
        customer = httpx.get(f"{api}/accounts", headers={"Authorization": f"Bearer {forged('customer', subject)}"},
                             timeout=10)
        assert customer.status_code == 401, customer.text
    # The same requests with a real sign-in work: the refusal is the secret, not a broken backend.
    real = httpx.get(f"{api}/accounts", headers={"Authorization": f"Bearer {login(stack, *CHEN)}"}, timeout=10)
    assert real.status_code == 200 and real.json()


def test_phone_webhooks_signed_with_the_old_default_twilio_token_are_refused(stack: Stack):
    url = f"{stack.gateway_url}/voice/incoming"
    params = {"CallSid": "CA-forged", "From": "+8613800000003", "To": "+8657100000000"}
    for token, expected in ((OLD_TWILIO_DEFAULT, 403), (stack.env["ANXIN_TWILIO_AUTH_TOKEN"], 200)):
        signature = RequestValidator(token).compute_signature(url, params)
        resp = httpx.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
        assert resp.status_code == expected, resp.text


# ----------------------------------------------------------------- Rasa's HTTP API

def test_rasa_http_api_refuses_unauthenticated_calls(stack: Stack):
    sender = "web-security-probe"
    calls: list[tuple[str, str, dict]] = [
        ("GET", f"/conversations/{sender}/tracker", {}),
        ("POST", f"/conversations/{sender}/tracker/events",
         {"json": {"event": "slot", "name": "transfer_amount", "value": "4999.00"}}),
        ("PUT", f"/conversations/{sender}/tracker/events", {"json": []}),
        ("POST", f"/conversations/{sender}/execute", {"json": {"name": "action_transfer_submit"}}),
        ("PUT", "/model", {"json": {"model_file": "/etc/hostname"}}),
        ("DELETE", "/model", {}),
        ("POST", "/model/parse", {"json": {"text": "查余额"}}),
        ("GET", "/domain", {}),
        ("GET", "/status", {}),
    ]
    for method, path, kwargs in calls:
        for params in ({}, {"token": "x" * 43}):
            resp = httpx.request(method, f"{stack.rasa_url}{path}", params=params, timeout=30, **kwargs)
            assert resp.status_code in (401, 403), (method, path, resp.status_code, resp.text[:200])
    # With the token the API is there (read-only calls only: this stack is shared with other suites) ...
    ok = httpx.get(f"{stack.rasa_url}/conversations/{sender}/tracker", params={"token": stack.rasa_token},
                   timeout=30)
    assert ok.status_code == 200
    # ... and the REST channel the gateway uses needs no token.
    reply = httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": "你好"},
                       timeout=60)
    assert reply.status_code == 200


# ----------------------------------------------------------------- the action server

def test_action_server_refuses_calls_without_the_secret(stack: Stack):
    body = {"next_action": "action_repeat", "sender_id": "web-security-probe", "version": "3.6.21",
            "tracker": {"sender_id": "web-security-probe", "slots": {}, "latest_message": {}, "events": []},
            "domain": {}}
    for headers in ({}, {ACTIONS_SECRET_HEADER: "x" * 43}, {ACTIONS_SECRET_HEADER: ""}):
        webhook = httpx.post(f"{stack.actions_url}/webhook", json=body, headers=headers, timeout=30)
        assert webhook.status_code == 401, webhook.text
        listing = httpx.get(f"{stack.actions_url}/actions", headers=headers, timeout=30)
        assert listing.status_code == 401, listing.text
    allowed = httpx.post(f"{stack.actions_url}/webhook", json=body,
                         headers={ACTIONS_SECRET_HEADER: stack.actions_secret}, timeout=30)
    assert allowed.status_code == 200, allowed.text
    assert httpx.get(f"{stack.actions_url}/health", timeout=10).status_code == 200  # the probe stays open


def listening_addresses(port: int) -> set[str]:
    """The local addresses something listens on at `port` (TCP, IPv4 and IPv6), from /proc/net."""
    found: set[str] = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, state = fields[1], fields[3]
            address, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            if family == socket.AF_INET:
                found.add(socket.inet_ntop(family, struct.pack("<I", int(address, 16))))
            else:
                found.add(socket.inet_ntop(family, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))))
    return found


def test_action_server_and_rasa_listen_on_loopback_only(stack: Stack):
    for url in (stack.actions_url, stack.rasa_url, stack.backend_url):
        port = urlparse(url).port
        assert port is not None
        assert listening_addresses(port) == {"127.0.0.1"}, url


# ----------------------------------------------------------------- logs

class FailingActionServer:
    """An action server that fails every call the way rasa-sdk's own server does: 500, request echoed back."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        self.secrets: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                outer.bodies.append(body)
                outer.secrets.append(self.headers.get(ACTIONS_SECRET_HEADER, ""))
                answer = json.dumps({"error": "decimal.InvalidOperation",
                                     "request_body": json.loads(body or "{}")}).encode()
                self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def failing_actions_stack() -> Iterator[tuple[Stack, FailingActionServer]]:
    """Backend and the real Rasa (started as make run starts it), with an action server that always fails."""
    fake = FailingActionServer()
    try:
        with running_stack(assistant=False, gateway=False) as stack:
            stack.actions_url = fake.url
            port = free_port()
            stack.rasa_url = f"http://127.0.0.1:{port}"
            rasa = _spawn(stack, "rasa", rasa_command(port, _rasa_endpoints(stack)), cwd=ROOT / "assistant")
            _wait_http(rasa, f"{stack.rasa_url}/status", 240, params={"token": stack.rasa_token})
            yield stack, fake
    finally:
        fake.close()


def test_a_failing_action_request_puts_no_token_in_rasas_log(failing_actions_stack):
    stack, fake = failing_actions_stack
    token = login(stack, *CHEN)
    reply = httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", timeout=60, json={
        "sender": "web-security-500", "message": "查余额", "metadata": {"token": token, "channel": "web"}})
    assert reply.status_code == 200
    # The attack as the review saw it: the action server got the live token and echoed it in its 500 ...
    assert fake.bodies and any(token in body for body in fake.bodies)
    assert set(fake.secrets) == {stack.actions_secret}  # (Rasa sends the shared secret with every call)
    log = stack.services["rasa"].log.read_text(errors="replace")
    # ... Rasa logged that failure at ERROR ...
    assert "ERROR" in log and "action" in log, log[-3000:]
    # ... and its log holds neither the token nor anything of its shape.
    assert token not in log and not JWT_SHAPE.search(log)
    assert stack.rasa_token not in log and stack.actions_secret not in log


def leaks(sources: dict[str, str]) -> list[str]:
    pins = {c.pin for c in DEMO_CUSTOMERS}
    numbers = {a.number for c in DEMO_CUSTOMERS for a in c.accounts} | {
        p.account_number for c in DEMO_CUSTOMERS for p in c.payees}
    return find_leaks(sources, pins, numbers)


def test_no_token_pin_or_account_number_in_any_log_of_the_test_stacks(stack: Stack, failing_actions_stack):
    """Last of this suite: the session stack has served the gateway, phone and browser suites by now."""
    own, _ = failing_actions_stack
    sources = {f"stack/{k}": v for k, v in stack.logs().items()}
    sources |= {f"security-stack/{k}": v for k, v in own.logs().items()}
    assert any(k.endswith("rasa.log") for k in sources) and any(k.endswith("backend.log") for k in sources)
    assert not leaks(sources)
    secrets = [stack.env[k] for k in ("ANXIN_TOKEN_SECRET", "ANXIN_TWILIO_AUTH_TOKEN", "ANXIN_RASA_TOKEN",
                                      "ANXIN_ACTIONS_SECRET")]
    assert not [name for name, text in sources.items() if any(s in text for s in secrets)]
