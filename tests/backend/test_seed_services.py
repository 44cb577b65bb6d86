"""The demo's everyday services (backend/seed_services.py): what `make run` shows for issue 12."""
from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from backend.core.db import run_migrations
from backend.main import create_app
from backend.seed import seed
from backend.services import payroll
from tests.backend.conftest import make_settings


def test_demo_bill_accounts_pension_and_family_contacts(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    run_migrations(url)
    settings = make_settings(url)
    app = create_app(settings, migrate=False)
    engine = app.state.engine
    seed(engine, settings, "demo-staff-password-for-tests")
    seed(engine, settings, "demo-staff-password-for-tests")  # idempotent
    with TestClient(app, base_url="http://testserver/api/v1") as client:
        def login(phone: str, pin: str) -> dict[str, str]:
            token = client.post("/auth/login", json={"phone": phone, "pin": pin}).json()["access_token"]
            return {"Authorization": f"Bearer {token}"}

        zhang = login("13800000001", "135790")
        saved = {a["label"]: a for a in client.get("/bill-accounts", headers=zhang).json()}
        assert list(saved) == ["家里的电费", "家里的水费", "老伴的手机"]
        power = client.get(f"/bill-accounts/{saved['家里的电费']['id']}/bill", headers=zhang).json()
        assert (power["status"], power["amount_due"], power["unusual"]) == ("due", "128.60", False)
        water = client.get(f"/bill-accounts/{saved['家里的水费']['id']}/bill", headers=zhang).json()
        assert water["status"] == "none"
        assert saved["老伴的手机"]["biller"]["code"] == "MOBILE"
        assert client.get("/family-contact", headers=zhang).json()["relationship"] == "儿子"

        li = login("13800000002", "246802")
        assert [a["label"] for a in client.get("/bill-accounts", headers=li).json()] == ["家里的电费"]
        assert client.get("/pension/credits", headers=li).json()["this_month"] is False
        assert client.get("/notices", headers=li).json() == []
        result = payroll.run_monthly(engine)
        assert (result.status, result.credits, result.total_fen) == ("posted", 1, 3_500_00)
        assert client.get("/pension/credits", headers=li).json()["this_month"] is True
        notices = client.get("/notices", headers=li).json()
        assert len(notices) == 1 and notices[0]["text"].startswith("您的养老金3,500.00元已经到账了")
        pension = next(a for a in client.get("/accounts", headers=li).json() if a["kind"] == "pension")
        assert pension["balance"] == "7000.00"
    engine.dispose()
