"""A fraud stop stops every money flow in progress, a pending bill payment included (issue 9 with issue 12)."""
from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.backend.factories import CustomerFixture
from tests.backend.helpers import balance_fen
from tests.backend.test_bills import new_household, pay, save


def test_a_fraud_stop_cancels_a_pending_bill_payment(client: TestClient, engine: Engine, alice: CustomerFixture):
    account = save(client, alice, "GAS", new_household(), "燃气")
    before = balance_fen(engine, alice.accounts["demand"])
    pending = pay(client, alice, account["id"], require_confirmation=True).json()
    assert pending["status"] == "pending"

    stop = client.post("/fraud/stops", json={"family": "authority", "channel": "web", "text": "民警让我转安全账户"},
                       headers=alice.headers)
    assert stop.status_code == 201, stop.text
    assert stop.json()["cancelled_bill_payment_ids"] == [pending["id"]]

    confirm = client.post(f"/bill-payments/{pending['id']}/confirm", headers=alice.headers)
    assert confirm.status_code == 409
    assert client.get(f"/bill-payments/{pending['id']}", headers=alice.headers).json()["status"] == "cancelled"
    assert balance_fen(engine, alice.accounts["demand"]) == before
