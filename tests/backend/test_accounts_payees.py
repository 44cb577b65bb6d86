"""Accounts, their history, and payees."""
from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from backend.core.config import Settings
from tests.backend.factories import CustomerFixture, create_customer


def test_accounts_show_masked_numbers_only(client: TestClient, bob: CustomerFixture):
    response = client.get("/accounts", headers=bob.headers)
    assert response.status_code == 200
    accounts = {a["kind"]: a for a in response.json()}
    assert set(accounts) == {"demand", "pension"}
    pension = accounts["pension"]
    number = bob.account_numbers["pension"]
    assert pension["balance"] == "3000.00"
    assert pension["currency"] == "CNY"
    assert pension["tail"] == number[-4:]
    assert pension["number_masked"] == f"{number[:4]} **** **** {number[-4:]}"
    assert all(full not in response.text for full in bob.account_numbers.values())


def test_transaction_history_pages_newest_first(client: TestClient, alice: CustomerFixture):
    account_id = alice.accounts["demand"]
    for amount in ("1.00", "2.00", "3.00"):
        body = {"from_account_id": account_id, "payee_id": alice.payees["王小明"], "amount": amount}
        assert client.post("/transfers", json=body, headers=alice.idem()).status_code == 201
    page = client.get(f"/accounts/{account_id}/transactions?limit=2&offset=0", headers=alice.headers).json()
    assert page["total"] == 4
    assert [item["amount"] for item in page["items"]] == ["-3.00", "-2.00"]
    assert [item["balance_after"] for item in page["items"]] == ["9994.00", "9997.00"]
    rest = client.get(f"/accounts/{account_id}/transactions?limit=2&offset=2", headers=alice.headers).json()
    assert [item["amount"] for item in rest["items"]] == ["-1.00", "10000.00"]
    bad = client.get(f"/accounts/{account_id}/transactions?limit=1000", headers=alice.headers)
    assert (bad.status_code, bad.json()["code"]) == (422, "VALIDATION_ERROR")


def test_payees_list_marks_new_ones(client: TestClient, alice: CustomerFixture):
    payees = {p["name"]: p for p in client.get("/payees", headers=alice.headers).json()}
    assert payees["王小明"]["is_new"] is False
    assert payees["新朋友"]["is_new"] is True
    assert payees["王小明"]["relationship"] == "儿子"
    assert "****" in payees["王小明"]["account_masked"]


def test_add_payee(client: TestClient, alice: CustomerFixture):
    body = {"name": "王小红", "relationship": "女儿", "bank": "中国邮政储蓄银行", "account_number": "6221880020000023456"}
    response = client.post("/payees", json=body, headers=alice.headers)
    assert response.status_code == 201
    created = response.json()
    assert created["is_new"] is True
    assert created["account_masked"] == "6221 **** **** 3456"
    assert "6221880020000023456" not in response.text
    again = client.post("/payees", json=body, headers=alice.headers)
    assert (again.status_code, again.json()["code"]) == (409, "PAYEE_EXISTS")
    # A transfer to the new payee waits for staff.
    transfer = {"from_account_id": alice.accounts["demand"], "payee_id": created["id"], "amount": "10.00"}
    assert client.post("/transfers", json=transfer, headers=alice.idem()).json()["hold_reason"] == "NEW_PAYEE"


def test_payee_with_scam_name_is_refused(client: TestClient, alice: CustomerFixture):
    body = {"name": "公检法安全账户", "relationship": "警官", "bank": "某银行", "account_number": "6221880020000099999"}
    response = client.post("/payees", json=body, headers=alice.headers)
    assert (response.status_code, response.json()["code"]) == (422, "SCAM_SUSPECTED")
    assert len(client.get("/payees", headers=alice.headers).json()) == 2


def test_payee_validation(client: TestClient, alice: CustomerFixture):
    for body in (
        {"name": "", "relationship": "女儿", "bank": "银行", "account_number": "6221880020000023456"},
        {"name": "王小红", "relationship": "女儿", "bank": "银行", "account_number": "12ab"},
        {"name": "王\u0000红", "relationship": "女儿", "bank": "银行", "account_number": "6221880020000023456"},
        {"name": "王" * 51, "relationship": "女儿", "bank": "银行", "account_number": "6221880020000023456"},
    ):
        response = client.post("/payees", content=json.dumps(body), headers=alice.headers | {
            "content-type": "application/json"})
        assert response.status_code == 422, body
        assert response.json()["code"] == "VALIDATION_ERROR"


def test_closed_accounts_are_not_listed(client: TestClient, engine: Engine, settings: Settings):
    who = create_customer(engine, settings, accounts={"demand": 1000_00})
    products = {p["code"]: p for p in client.get("/savings/products").json()}
    deposit = client.post("/deposits", json={"product_id": products["TD3"]["id"], "from_account_id":
                                             who.accounts["demand"], "amount": "100.00"}, headers=who.idem()).json()
    assert len(client.get("/accounts", headers=who.headers).json()) == 2
    client.post(f"/deposits/{deposit['id']}/early-withdrawal", headers=who.idem())
    assert [a["kind"] for a in client.get("/accounts", headers=who.headers).json()] == ["demand"]
    # Its history stays readable.
    history = client.get(f"/accounts/{deposit['account_id']}/transactions", headers=who.headers).json()
    assert history["total"] == 2
