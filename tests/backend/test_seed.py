"""`python -m backend.seed`: the demo data of docs/contracts.md, idempotently."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from backend.main import create_app
from backend.models import Account, Customer, LedgerEntry, Payee, StaffUser
from tests.backend.conftest import FAST_HASHING, make_settings
from tests.support.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'seed.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database("seed_test")


def run_seed(url: str) -> None:
    env = os.environ | {"ANXIN_DATABASE_URL": url} | {f"ANXIN_{k.upper()}": str(v) for k, v in FAST_HASHING.items()}
    subprocess.run([sys.executable, "-m", "backend.seed"], cwd=ROOT, env=env, check=True, capture_output=True)


def counts(url: str) -> dict[str, int]:
    app = create_app(make_settings(url), migrate=False)
    with Session(app.state.engine) as session:
        result = {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                  for model in (Customer, Account, Payee, LedgerEntry, StaffUser)}
    app.state.engine.dispose()
    return result


def test_seed_creates_the_demo_data_once(fresh_url: str):
    run_seed(fresh_url)
    first = counts(fresh_url)
    run_seed(fresh_url)
    assert counts(fresh_url) == first
    assert first["Customer"] == 3 and first["StaffUser"] == 1 and first["Payee"] == 4

    app = create_app(make_settings(fresh_url), migrate=False)
    with TestClient(app, base_url="http://testserver/api/v1") as client:
        def login(phone: str, pin: str) -> dict[str, str]:
            token = client.post("/auth/login", json={"phone": phone, "pin": pin}).json()["access_token"]
            return {"Authorization": f"Bearer {token}"}

        zhang = login("13800000001", "135790")
        assert [(a["kind"], a["balance"]) for a in client.get("/accounts", headers=zhang).json()] == [
            ("demand", "12000.00")]
        assert {(p["relationship"], p["name"], p["is_new"]) for p in client.get("/payees", headers=zhang).json()} == {
            ("儿子", "王小明", False), ("女儿", "王小红", False)}
        li = login("13800000002", "246802")
        assert sorted((a["kind"], a["balance"]) for a in client.get("/accounts", headers=li).json()) == [
            ("demand", "800.00"), ("pension", "3500.00")]
        chen = login("13800000003", "112233")
        account = client.get("/accounts", headers=chen).json()[0]
        payee = client.get("/payees", headers=chen).json()[0]
        assert (account["balance"], payee["relationship"], payee["is_new"]) == ("50000.00", "孙子", True)
        held = client.post("/transfers", json={"from_account_id": account["id"], "payee_id": payee["id"],
                                               "amount": "200.00"}, headers=chen | {"Idempotency-Key": "x"}).json()
        assert held["status"] == "held"
        staff = client.post("/staff/login", json={"username": "staff", "password": "anxin-staff"}).json()
        assert staff["staff"]["name"] == "王柜员"
    app.state.engine.dispose()
