"""Property test (hypothesis) of the money rules over random sequences of steps by one customer: create (at once
or pending), confirm, cancel, staff approve, fraud stop, expiry, and a day boundary. After every sequence: the
books balance (balance == opening - completed == sum of entries), no more than the daily limit executed on any
business day, nothing completed while the customer was in a cooling-off unless staff approved it, and no
pending or held record left that could still move money after it expired."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from backend.core.config import Settings
from backend.main import create_app
from backend.models import Approval, Transfer
from backend.services import clock
from tests.backend.factories import create_customer, create_staff
from tests.backend.helpers import balance_fen, entries_sum_fen

OPENING_FEN = 3_000_00
DAILY_LIMIT_FEN = 1_000_00
AMOUNTS = st.sampled_from(["100.00", "300.00", "450.00", "600.00", "999.99", "1000.00"])
STEP = st.one_of(
    st.tuples(st.just("send"), AMOUNTS, st.sampled_from(["old", "new"])),
    st.tuples(st.just("pending"), AMOUNTS, st.sampled_from(["old", "new"])),
    st.tuples(st.just("confirm"), st.integers(0, 5)),
    st.tuples(st.just("cancel"), st.integers(0, 5)),
    st.tuples(st.just("approve"), st.integers(0, 5)),
    st.tuples(st.just("expire"), st.integers(0, 5)),
    st.tuples(st.just("stop")),
    st.tuples(st.just("new_day")),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=12))
def test_money_rules_hold_over_any_sequence(engine: Engine, settings: Settings, steps: list[tuple]) -> None:
    strict = settings.model_copy(update={"daily_limit_fen": DAILY_LIMIT_FEN})
    app = create_app(strict, migrate=False)
    who = create_customer(engine, settings, accounts={"demand": OPENING_FEN}, payees={"王小明": 365, "新朋友": 0})
    staff = create_staff(engine, settings)
    created: list[int] = []
    with TestClient(app, base_url="http://testserver/api/v1") as client:
        for step in steps:
            kind = step[0]
            if kind in ("send", "pending"):
                payee = who.payees["王小明" if step[2] == "old" else "新朋友"]
                body = {"from_account_id": who.accounts["demand"], "payee_id": payee, "amount": step[1],
                        "require_confirmation": kind == "pending"}
                response = client.post("/transfers", json=body, headers=who.idem())
                assert response.status_code in (201, 422), response.text
                if response.status_code == 201:
                    created.append(response.json()["id"])
            elif kind == "stop":
                assert client.post("/fraud/stops", json={"family": "authority", "channel": "web", "text": ""},
                                   headers=who.headers).status_code == 201
            elif kind == "new_day":
                _shift_a_day(engine, who.id)
            elif created:
                transfer_id = created[step[1] % len(created)]
                if kind == "confirm":
                    code = client.post(f"/transfers/{transfer_id}/confirm", headers=who.headers).status_code
                    assert code in (200, 409, 422)
                elif kind == "cancel":
                    assert client.post(f"/transfers/{transfer_id}/cancel", headers=who.headers).status_code in (200, 409)
                elif kind == "expire":
                    with Session(engine) as session:
                        session.execute(update(Transfer).where(Transfer.id == transfer_id)  # type: ignore[arg-type]
                                        .values(expires_at=clock.now() - timedelta(seconds=1)))
                        session.commit()
                else:
                    with Session(engine) as session:
                        approval_id = session.exec(select(Approval.id).where(Approval.transfer_id == transfer_id)).first()
                    if approval_id is not None:
                        code = client.post(f"/staff/approvals/{approval_id}/approve", headers=staff.headers).status_code
                        assert code in (200, 409, 422)
    app.state.engine.dispose()

    with Session(engine) as session:
        rows = session.exec(select(Transfer).where(Transfer.customer_id == who.id)).all()
        approvals = {a.transfer_id: a for a in session.exec(select(Approval).where(Approval.customer_id == who.id))}
    # scheduled (delayed arrival to the new payee, issue 12): the money has left her account too.
    completed = [t for t in rows if t.status in ("completed", "scheduled")]
    account = who.accounts["demand"]
    assert balance_fen(engine, account) == OPENING_FEN - sum(t.amount_fen for t in completed)
    assert entries_sum_fen(engine, account) == balance_fen(engine, account) >= 0
    per_day: dict[object, int] = defaultdict(int)
    for t in completed:
        assert t.executed_at is not None and t.journal_id is not None
        per_day[t.executed_at.astimezone(clock.CHINA_TZ).date()] += t.amount_fen
    assert all(total <= DAILY_LIMIT_FEN for total in per_day.values()), dict(per_day)
    for t in rows:
        approval = approvals.get(t.id)
        if t.status in ("completed", "scheduled") and approval is not None:
            assert approval.status == "approved"
        if t.status in ("rejected", "cancelled", "expired", "pending", "held"):
            assert t.journal_id is None
        if t.status == "held":
            assert approval is not None and approval.status == "pending"


def _shift_a_day(engine: Engine, customer_id: int) -> None:
    """Everything of this customer happened a day earlier: the next steps run on a new business day (the
    cooling-off moves with it, as it would for a customer coming back the next day)."""
    day = timedelta(days=1)
    with Session(engine) as session:
        for row in session.exec(select(Transfer).where(Transfer.customer_id == customer_id)).all():
            row.created_at -= day
            if row.executed_at is not None:
                row.executed_at -= day
            session.add(row)
        session.commit()
