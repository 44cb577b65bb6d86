"""Customer A against customer B's ids on every endpoint that takes an id: always 404 NOT_FOUND, exactly as
for an id that does not exist, and nothing of B's changes."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.backend.factories import CustomerFixture
from tests.backend.helpers import balance_fen


@pytest.fixture
def bobs_things(client: TestClient, bob: CustomerFixture) -> dict[str, int]:
    td12 = next(p for p in client.get("/savings/products").json() if p["code"] == "TD12")
    deposit = client.post("/deposits", json={"product_id": td12["id"], "from_account_id": bob.accounts["demand"],
                                             "amount": "100.00"}, headers=bob.idem()).json()
    pending = client.post("/transfers", json={"from_account_id": bob.accounts["demand"], "payee_id":
                                              bob.payees["李春花"], "amount": "10.00", "require_confirmation": True},
                          headers=bob.idem()).json()
    return {"account": bob.accounts["demand"], "pension": bob.accounts["pension"], "payee": bob.payees["李春花"],
            "transfer": pending["id"], "deposit": deposit["id"], "time_account": deposit["account_id"]}


def requests_against(things: dict[str, int], mine: CustomerFixture) -> list[tuple[str, str, dict | None, bool]]:
    """(method, path, json body, needs Idempotency-Key) for every endpoint given someone else's ids."""
    own_account, own_payee = mine.accounts["demand"], mine.payees["王小明"]
    return [
        ("GET", f"/accounts/{things['account']}/transactions", None, False),
        ("GET", f"/accounts/{things['time_account']}/transactions", None, False),
        ("GET", f"/transfers/{things['transfer']}", None, False),
        ("POST", f"/transfers/{things['transfer']}/confirm", None, False),
        ("POST", f"/transfers/{things['transfer']}/cancel", None, False),
        ("POST", "/transfers", {"from_account_id": things["account"], "payee_id": own_payee, "amount": "1.00"}, True),
        ("POST", "/transfers", {"from_account_id": things["pension"], "payee_id": own_payee, "amount": "1.00"}, True),
        ("POST", "/transfers", {"from_account_id": own_account, "payee_id": things["payee"], "amount": "1.00"}, True),
        ("POST", "/deposits", {"product_id": 4, "from_account_id": things["account"], "amount": "100.00"}, True),
        ("GET", f"/deposits/{things['deposit']}", None, False),
        ("GET", f"/deposits/{things['deposit']}/early-withdrawal", None, False),
        ("POST", f"/deposits/{things['deposit']}/early-withdrawal", None, True),
    ]


def test_other_customers_ids_look_like_missing_ones(
    client: TestClient, engine: Engine, alice: CustomerFixture, bob: CustomerFixture, bobs_things: dict[str, int]
):
    before = {kind: balance_fen(engine, account) for kind, account in bob.accounts.items()}
    missing = {key: 2_000_000_000 for key in bobs_things}
    for (method, path, body, idem), (_, missing_path, missing_body, _) in zip(
        requests_against(bobs_things, alice), requests_against(missing, alice), strict=True
    ):
        response = client.request(method, path, json=body, headers=alice.idem() if idem else alice.headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["code"] == "NOT_FOUND", (method, path)
        nonexistent = client.request(method, missing_path, json=missing_body,
                                     headers=alice.idem() if idem else alice.headers)
        assert nonexistent.json() == response.json(), (method, path)
    assert {kind: balance_fen(engine, account) for kind, account in bob.accounts.items()} == before
    # B's pending transfer is still pending; B still sees all of it.
    assert client.get(f"/transfers/{bobs_things['transfer']}", headers=bob.headers).json()["status"] == "pending"


def test_lists_only_show_the_callers_own(client: TestClient, alice: CustomerFixture, bob: CustomerFixture,
                                          bobs_things: dict[str, int]):
    assert {a["id"] for a in client.get("/accounts", headers=alice.headers).json()} == set(alice.accounts.values())
    assert {p["id"] for p in client.get("/payees", headers=alice.headers).json()} == set(alice.payees.values())
    assert client.get("/deposits", headers=alice.headers).json() == []
    assert client.get("/transfers", headers=alice.headers).json() == []
    assert [t["id"] for t in client.get("/transfers", headers=bob.headers).json()] == [bobs_things["transfer"]]
