"""Security across instances: sign-in limits and the PIN lock-out hold whichever instance answers; after a
load run, no PIN, token or full account number is in any log or in the conversation store."""
from __future__ import annotations

import tempfile
from pathlib import Path

import httpx
import pytest

from bench.load.run import RunFigures, run_once
from cluster.launch import Cluster
from tests.cluster.conftest import PER_ADDRESS, PER_PHONE
from tests.cluster.helpers import CREATED, new_customers
from tests.security.log_scan import account_numbers, find_leaks

pytestmark = pytest.mark.cluster

def _login(url: str, phone: str, pin: str, address: str) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/auth/login", json={"phone": phone, "pin": pin},
                      headers={"X-Forwarded-For": address}, timeout=10)


def _backends(cluster: Cluster) -> list[str]:
    return [m.url for m in cluster.tier_members("backend")]


def test_sign_in_limit_per_phone_is_shared_by_all_instances(cluster: Cluster) -> None:
    customer = new_customers(cluster, 1)[0]
    urls = _backends(cluster)
    for i in range(PER_PHONE):  # alternate instances: each sees only half the attempts
        assert _login(urls[i % 2], customer.phone, customer.pin, "10.77.0.1").status_code == 200
    for url in urls:
        refused = _login(url, customer.phone, customer.pin, "10.77.0.2")
        assert refused.status_code == 429
        assert refused.json()["code"] == "RATE_LIMITED" and "分钟" in refused.json()["message"]


def test_sign_in_limit_per_client_address_is_shared_by_all_instances(cluster: Cluster) -> None:
    urls = _backends(cluster)
    for i in range(PER_ADDRESS):  # unknown phones: a scan for customers from one address
        assert _login(urls[i % 2], f"1370000{i:04d}", "000000", "10.77.1.1").status_code == 401
    for url in urls:
        assert _login(url, "13700009999", "000000", "10.77.1.1").status_code == 429
    # Another address is not affected.
    assert _login(urls[0], "13700009999", "000000", "10.77.1.2").status_code == 401


def test_pin_lock_out_holds_on_every_instance(cluster: Cluster) -> None:
    customer = new_customers(cluster, 1)[0]
    urls = _backends(cluster)
    wrong = f"{(int(customer.pin) + 1) % 10**6:06d}"
    for i in range(4):
        assert _login(urls[i % 2], customer.phone, wrong, "10.77.2.1").status_code == 401
    assert _login(urls[0], customer.phone, wrong, "10.77.2.1").json()["code"] == "LOCKED"  # the 5th locks
    for url in urls:  # the right PIN no longer opens the account, wherever it is tried
        resp = _login(url, customer.phone, customer.pin, "10.77.2.1")
        assert resp.status_code == 423 and resp.json()["code"] == "LOCKED", resp.text


@pytest.fixture(scope="module")
def after_load(cluster: Cluster) -> tuple[RunFigures, set[str], set[str]]:
    """A short load run through the public entry point, then every PIN and full account number the bank has."""
    mode = "gateway" if cluster.assistant else "api"
    with tempfile.TemporaryDirectory() as tmp:
        figures = run_once(cluster, mode, cluster.instances, users=6, duration_s=15,
                           first_customer=50_000, workdir=Path(tmp))
    assert figures.conversations > 0 and not figures.books, figures
    pins = {"135790", "246802", "112233"} | {c.pin for c in CREATED + figures.customers}
    numbers = account_numbers(cluster.pg)
    assert numbers
    return figures, pins, numbers


def _leaks(sources: dict[str, str], pins: set[str], numbers: set[str]) -> list[str]:
    return find_leaks(sources, pins, numbers)


def test_no_secret_in_any_log_after_load(cluster: Cluster, after_load: tuple[RunFigures, set[str], set[str]]
                                         ) -> None:
    _, pins, numbers = after_load
    logs = cluster.logs()  # backend, gateway, rasa, actions (with killed incarnations), nginx, PostgreSQL, Redis
    assert any(name.startswith("gateway") for name in logs) and any(name.startswith("backend") for name in logs)
    assert not _leaks(logs, pins, numbers)


@pytest.mark.rasa
def test_no_secret_in_the_tracker_store_after_load(rasa_cluster: Cluster,
                                                   after_load: tuple[RunFigures, set[str], set[str]]) -> None:
    _, pins, numbers = after_load
    stored = rasa_cluster.pg.psql("rasa", "SELECT data FROM events")
    assert stored.strip(), "nothing stored: is the SQL tracker store in use?"
    assert not _leaks({"rasa tracker store": stored}, pins, numbers)
