"""Property test (hypothesis): through any mix of bill payments (direct, confirmed, cancelled), top-ups, payroll
batches (new, repeated, conflicting) and transfers, on SQLite and PostgreSQL, the books balance: every journal
sums to zero, every account's balance is the sum of its entries, the bank's accounts together sum to zero,
each customer's balance is what the successful operations say, and no bill is paid twice."""
from __future__ import annotations

import secrets

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from backend.core.config import Settings
from backend.core.db import write_session
from backend.errors import AppError
from backend.models import Account, BillPayment, LedgerEntry
from backend.services import billers, bills, payroll, transfers
from tests.backend.factories import create_customer
from tests.backend.helpers import balance_fen

CUSTOMERS = 2
HOUSEHOLDS = 2
OPENING = {"demand": 1_500_00, "pension": 800_00}

bill_op = st.tuples(st.just("bill"), st.integers(0, CUSTOMERS - 1), st.integers(0, HOUSEHOLDS - 1),
                    st.sampled_from(["direct", "confirm", "cancel"]), st.sampled_from(["demand", "pension"]))
topup_op = st.tuples(st.just("topup"), st.integers(0, CUSTOMERS - 1), st.integers(5, 520))
payroll_op = st.tuples(st.just("payroll"), st.integers(1, 2 ** CUSTOMERS - 1), st.integers(0, 2),
                       st.sampled_from([1_000_00, 3_500_00]))
transfer_op = st.tuples(st.just("transfer"), st.integers(0, CUSTOMERS - 1), st.integers(1, 400_00))
OPS = st.lists(st.one_of(bill_op, topup_op, payroll_op, transfer_op), min_size=1, max_size=10)


def check_books(engine: Engine) -> None:
    with Session(engine) as session:
        unbalanced = session.exec(
            select(LedgerEntry.journal_id).group_by(LedgerEntry.journal_id)  # type: ignore[arg-type]
            .having(func.sum(LedgerEntry.amount_fen) != 0)
        ).all()
        assert unbalanced == []
        sums = dict(session.exec(select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_fen))
                                 .group_by(LedgerEntry.account_id)).all())  # type: ignore[arg-type]
        for account in session.exec(select(Account)).all():
            assert account.balance_fen == int(sums.get(account.id, 0)), account.number
            assert account.kind == "internal" or account.balance_fen >= 0
        assert int(session.exec(select(func.coalesce(func.sum(Account.balance_fen), 0))).one()) == 0
        paid_twice = session.exec(
            select(BillPayment.bill_id).where(BillPayment.status == "completed", BillPayment.bill_id.is_not(None))  # type: ignore[union-attr]
            .group_by(BillPayment.bill_id).having(func.count() > 1)  # type: ignore[arg-type]
        ).all()
        assert paid_twice == []


@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS)
def test_the_books_balance_through_any_mix_of_services(engine: Engine, settings: Settings, ops: list[tuple]):
    people = [create_customer(engine, settings, f"客户{i}", dict(OPENING), {"王小明": 365}) for i in range(CUSTOMERS)]
    households = [billers.with_check_digit(f"{secrets.randbelow(10**9):09d}") for _ in range(HOUSEHOLDS)]
    expected = {(i, kind): amount for i in range(CUSTOMERS) for kind, amount in OPENING.items()}
    with write_session(engine) as session:
        by_code = {b.code: b for b in bills.biller_rows(session)}
        power = [[bills.save_account(session, p.id, by_code["POWER"].id, h, f"电费{j}").id  # type: ignore[arg-type]
                  for j, h in enumerate(households)] for p in people]
        mobile = [bills.save_account(session, p.id, by_code["MOBILE"].id, "13900000011", "手机").id for p in people]
        session.commit()
    prefix = secrets.token_hex(4)
    batches: dict[int, frozenset[tuple[int, int]]] = {}

    for op in ops:
        with write_session(engine) as session:
            try:
                if op[0] == "bill":
                    _, c, h, mode, source = op
                    who = people[c]
                    payment = bills.create_payment(session, settings, who.id, power[c][h], who.accounts[source],
                                                   None, require_confirmation=mode != "direct")
                    session.commit()
                    if mode == "confirm":
                        payment = bills.confirm(session, who.id, payment.id)  # type: ignore[arg-type]
                        session.commit()
                    elif mode == "cancel":
                        bills.cancel(session, who.id, payment.id)  # type: ignore[arg-type]
                        session.commit()
                    if payment.status == "completed":
                        expected[(c, source)] -= payment.amount_fen
                elif op[0] == "topup":
                    _, c, yuan = op
                    who = people[c]
                    payment = bills.create_payment(session, settings, who.id, mobile[c], who.accounts["demand"],
                                                   yuan * 100)
                    session.commit()
                    expected[(c, "demand")] -= payment.amount_fen
                elif op[0] == "transfer":
                    _, c, fen = op
                    who = people[c]
                    transfer, _ = transfers.create(session, settings, who.id, who.accounts["demand"],
                                                   who.payees["王小明"], fen, "")
                    session.commit()
                    if transfer.status == "completed":
                        expected[(c, "demand")] -= fen
                else:
                    _, mask, slot, amount = op
                    content = frozenset((c, amount) for c in range(CUSTOMERS) if mask >> c & 1)
                    session.close()
                    lines = [payroll.Line(people[c].account_numbers["pension"], a) for c, a in sorted(content)]
                    result = payroll.post_batch(engine, f"P-{prefix}-{slot}", lines)
                    if slot in batches:
                        assert batches[slot] == content and result.status == "already_posted"
                    else:
                        assert result.status == "posted"
                        batches[slot] = content
                        for c, a in content:
                            expected[(c, "pension")] += a
            except AppError as exc:
                session.rollback()
                if op[0] == "payroll":
                    assert exc.code == "PAYROLL_BATCH_MISMATCH" and batches.get(op[2]) not in (None, content)
                else:
                    assert exc.code in {"BILL_ALREADY_PAID", "INSUFFICIENT_FUNDS", "TOPUP_AMOUNT", "NO_BILL_DUE",
                                        "DAILY_LIMIT"}, exc.code
    actual = {(i, kind): balance_fen(engine, people[i].accounts[kind]) for i in range(CUSTOMERS) for kind in OPENING}
    assert actual == expected
    check_books(engine)
