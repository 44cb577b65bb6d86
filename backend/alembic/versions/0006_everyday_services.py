"""everyday services (issue 12): billers and bill payments, pension payroll, notices, family contact, outbox

- billers: 水费, 电费, 燃气费, 话费, each with its own internal settlement account (INTERNAL-BILLER-<code>) that
  bill payments credit; the social-security payer's internal account (INTERNAL-SOCIAL-SECURITY) pays pensions.
- bill_accounts: a customer's saved biller account numbers with labels.
- bills: a biller's bill as the bank saw it, unique per (biller, account number, period): paid once only.
- bill_payments: pending / completed / cancelled / expired payments of a bill or a top-up.
- pension_enrollments, payroll_batches (batch id unique: the idempotency key), payroll_credits.
- notices_seen: one-time notices (pension arrived, deposit matured) the customer has heard.
- family_contacts: one per customer, set by staff.
- outbox_messages: SMS texts for a real SMS gateway, unique per (kind, reference, phone).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 18:00:00
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# (code, name, kind, settlement account name)
BILLERS = [
    ("WATER", "水费", "bill", "水费代收"),
    ("POWER", "电费", "bill", "电费代收"),
    ("GAS", "燃气费", "bill", "燃气费代收"),
    ("MOBILE", "话费", "topup", "话费代收"),
]
SOCIAL_SECURITY = ("INTERNAL-SOCIAL-SECURITY", "社保养老金代发")


def _time(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def upgrade() -> None:
    accounts = sa.table(
        "accounts",
        sa.column("customer_id", sa.Integer), sa.column("kind", sa.String), sa.column("name", sa.String),
        sa.column("number", sa.String), sa.column("balance_fen", sa.BigInteger), sa.column("currency", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    internal = [(f"INTERNAL-BILLER-{code}", account_name) for code, _, _, account_name in BILLERS] + [SOCIAL_SECURITY]
    op.bulk_insert(accounts, [
        {"customer_id": None, "kind": "internal", "name": name, "number": number, "balance_fen": 0,
         "currency": "CNY", "created_at": now}
        for number, name in internal
    ])
    billers = op.create_table(
        "billers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(length=16), nullable=False, unique=True),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("settlement_account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
    )
    bind = op.get_bind()
    ids: dict[str, int] = {number: account_id for number, account_id in bind.execute(sa.text(
        "SELECT number, id FROM accounts WHERE number LIKE 'INTERNAL-BILLER-%'"))}
    op.bulk_insert(billers, [
        {"code": code, "name": name, "kind": kind, "settlement_account_id": ids[f"INTERNAL-BILLER-{code}"]}
        for code, name, kind, _ in BILLERS
    ])
    op.create_table(
        "bill_accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False, index=True),
        sa.Column("biller_id", sa.Integer(), sa.ForeignKey("billers.id"), nullable=False),
        sa.Column("account_no", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=20), nullable=False),
        _time("created_at"),
        sa.UniqueConstraint("customer_id", "biller_id", "account_no", name="uq_bill_accounts_customer"),
    )
    op.create_table(
        "bills",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("biller_id", sa.Integer(), sa.ForeignKey("billers.id"), nullable=False),
        sa.Column("account_no", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        _time("paid_at", nullable=True),
        _time("created_at"),
        sa.UniqueConstraint("biller_id", "account_no", "period", name="uq_bills_biller_account_period"),
    )
    op.create_table(
        "bill_payments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("bill_account_id", sa.Integer(), sa.ForeignKey("bill_accounts.id"), nullable=False),
        sa.Column("biller_id", sa.Integer(), sa.ForeignKey("billers.id"), nullable=False),
        sa.Column("bill_id", sa.Integer(), sa.ForeignKey("bills.id"), nullable=True),
        sa.Column("from_account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("unusual", sa.Boolean(), nullable=False),
        sa.Column("usual_amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("journal_id", sa.Integer(), sa.ForeignKey("journals.id"), nullable=True),
        _time("created_at"),
        _time("expires_at", nullable=True),
        _time("executed_at", nullable=True),
        _time("ended_at", nullable=True),
    )
    op.create_index("ix_bill_payments_customer_created", "bill_payments", ["customer_id", "created_at"])
    op.create_table(
        "pension_enrollments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False, unique=True),
        sa.Column("monthly_amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _time("created_at"),
    )
    op.create_table(
        "payroll_batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.String(length=64), nullable=False, unique=True),
        sa.Column("payer", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        _time("created_at"),
    )
    op.create_table(
        "payroll_credits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("payroll_batches.id"), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("journal_id", sa.Integer(), sa.ForeignKey("journals.id"), nullable=False),
        _time("credited_at"),
        sa.UniqueConstraint("batch_id", "account_id", name="uq_payroll_credits_batch_account"),
    )
    op.create_index("ix_payroll_credits_customer_credited", "payroll_credits", ["customer_id", "credited_at"])
    op.create_table(
        "notices_seen",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("notice_key", sa.String(length=40), nullable=False),
        _time("seen_at"),
        sa.UniqueConstraint("customer_id", "notice_key", name="uq_notices_seen_customer_key"),
    )
    op.create_table(
        "family_contacts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False, unique=True),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("relationship", sa.String(length=20), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("set_by", sa.Integer(), sa.ForeignKey("staff_users.id"), nullable=False),
        _time("updated_at"),
    )
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("to_phone", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _time("created_at"),
        _time("sent_at", nullable=True),
        sa.UniqueConstraint("kind", "reference", "to_phone", name="uq_outbox_kind_reference_phone"),
    )


def downgrade() -> None:
    for table in ("outbox_messages", "family_contacts", "notices_seen", "payroll_credits", "payroll_batches",
                  "pension_enrollments", "bill_payments", "bills", "bill_accounts", "billers"):
        op.drop_table(table)
    op.execute("DELETE FROM accounts WHERE number LIKE 'INTERNAL-BILLER-%' OR number = 'INTERNAL-SOCIAL-SECURITY'")
