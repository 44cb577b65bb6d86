"""The new-payee hold window is one setting (new_payee_hold_hours, default rules.limits.NEW_PAYEE_HOLD_HOURS):
the hold, the payee's `is_new` and the sentence the customer hears all follow it."""
from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from backend.core.config import Settings
from backend.models import Payee
from backend.services import clock
from rules import limits
from tests.backend.factories import create_customer
from tests.backend.test_transfers import transfer


def test_the_held_sentence_names_the_default_window(client: TestClient, engine: Engine, settings: Settings):
    who = create_customer(engine, settings, "测试客户", {"demand": 10_000_00}, {"新朋友": 0})
    held = transfer(client, who, "300.00", payee="新朋友").json()
    assert (held["status"], held["hold_reason"], held["payee"]["is_new"]) == ("held", "NEW_PAYEE", True)
    assert f"{limits.NEW_PAYEE_HOLD_HOURS}小时内新添加的" in held["message"]


def test_a_longer_window_holds_longer_and_is_said(engine: Engine, settings: Settings):
    from backend.main import create_app

    app = create_app(settings.model_copy(update={"new_payee_hold_hours": 72}), migrate=False)
    with TestClient(app, base_url="http://testserver/api/v1") as wide:
        who = create_customer(engine, settings, "测试客户", {"demand": 10_000_00}, {"新朋友": 0})
        with Session(engine) as session:  # saved two days ago: past the default window, inside this one
            session.execute(update(Payee).where(Payee.id == who.payees["新朋友"])
                            .values(created_at=clock.now() - timedelta(hours=48)))
            session.commit()
        held = transfer(wide, who, "300.00", payee="新朋友").json()
        assert (held["status"], held["hold_reason"], held["payee"]["is_new"]) == ("held", "NEW_PAYEE", True)
        assert "3天内新添加的" in held["message"]
    app.state.engine.dispose()
