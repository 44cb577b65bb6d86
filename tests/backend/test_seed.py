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
from rules.secrets import read_env_file
from tests.backend.conftest import FAST_HASHING, make_settings
from tests.support.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'seed.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database("seed_test")


def run_seed(url: str, secrets_file: Path | None = None) -> str:
    """Runs the seed, in demo mode when `secrets_file` is given (demo secrets kept there, not in var/)."""
    env = {k: v for k, v in os.environ.items() if k not in ("ANXIN_DEMO", "ANXIN_DEMO_STAFF_PASSWORD")}
    env |= {"ANXIN_DATABASE_URL": url} | {f"ANXIN_{k.upper()}": str(v) for k, v in FAST_HASHING.items()}
    if secrets_file is not None:
        env |= {"ANXIN_DEMO": "1", "ANXIN_SECRETS_FILE": str(secrets_file)}
    done = subprocess.run([sys.executable, "-m", "backend.seed"], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    return done.stdout + done.stderr


def counts(url: str) -> dict[str, int]:
    app = create_app(make_settings(url), migrate=False)
    with Session(app.state.engine) as session:
        result = {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                  for model in (Customer, Account, Payee, LedgerEntry, StaffUser)}
    app.state.engine.dispose()
    return result


def test_seed_outside_demo_mode_migrates_and_creates_no_one(fresh_url: str):
    run_seed(fresh_url)
    after = counts(fresh_url)  # the migrations' own internal ledger accounts aside
    assert (after["Customer"], after["Payee"], after["LedgerEntry"], after["StaffUser"]) == (0, 0, 0, 0)


def test_seed_creates_the_demo_data_once(fresh_url: str, tmp_path: Path):
    secrets_file = tmp_path / "secrets.env"
    run_seed(fresh_url, secrets_file)
    first = counts(fresh_url)
    run_seed(fresh_url, secrets_file)
    assert counts(fresh_url) == first
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    password = read_env_file(secrets_file)["ANXIN_DEMO_STAFF_PASSWORD"]
    assert len(password) >= 12 and password != "anxin-staff"
    assert first["Customer"] == 3 and first["StaffUser"] == 1 and first["Payee"] == 5

    app = create_app(make_settings(fresh_url), migrate=False)
    with TestClient(app, base_url="http://testserver/api/v1") as client:
        def login(phone: str, pin: str) -> dict[str, str]:
            token = client.post("/auth/login", json={"phone": phone, "pin": pin}).json()["access_token"]
            return {"Authorization": f"Bearer {token}"}

        zhang = login("13800000001", "135790")
        assert [(a["kind"], a["balance"]) for a in client.get("/accounts", headers=zhang).json()] == [
            ("demand", "12000.00")]
        assert {(p["relationship"], p["name"], p["is_new"]) for p in client.get("/payees", headers=zhang).json()} == {
            ("儿子", "王小明", False), ("女儿", "王小红", False), ("外甥", "周强", False)}
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
        assert client.post("/staff/login", json={"username": "staff", "password": "anxin-staff"}).status_code == 401
        staff = client.post("/staff/login", json={"username": "staff", "password": password}).json()
        assert staff["staff"]["name"] == "王柜员"
    app.state.engine.dispose()


def test_demo_mode_resets_a_demo_staff_password_left_from_older_versions(tmp_path: Path):
    """A database seeded before demo passwords were random still has staff / anxin-staff: demo mode fixes it."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    run_seed(url, tmp_path / "first.env")
    out = run_seed(url, tmp_path / "second.env")  # as if var/secrets.env had been deleted
    password = read_env_file(tmp_path / "second.env")["ANXIN_DEMO_STAFF_PASSWORD"]
    assert password not in out
    app = create_app(make_settings(url), migrate=False)
    with TestClient(app, base_url="http://testserver/api/v1") as client:
        old = read_env_file(tmp_path / "first.env")["ANXIN_DEMO_STAFF_PASSWORD"]
        assert client.post("/staff/login", json={"username": "staff", "password": old}).status_code == 401
        assert client.post("/staff/login", json={"username": "staff", "password": password}).status_code == 200
    app.state.engine.dispose()
