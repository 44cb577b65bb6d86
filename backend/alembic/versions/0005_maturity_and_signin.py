"""deposit maturity (claims, job lease) and sign-in hardening (cool-down, staff lock-out)

- deposit_maturities: one row per (deposit, maturity date), written in the same transaction as the maturity's
  journal: the unique constraint is the idempotency key, so two job runners can never pay a maturity twice.
- job_leases: a named lease (holder, expires_at) that one backend instance takes before running a periodic job;
  the row for the maturity job is created here so taking it is a single conditional UPDATE.
- time_deposits.renewed_from_id: the deposit a renewal (自动转存) continues.
- customers.failed_since_login, next_attempt_at: wrong PINs since the last successful sign-in (the customer is
  told), and the end of the cool-down after repeated wrong PINs.
- staff_users.failed_attempts, locked_until, next_attempt_at: the customers' lock-out rules for staff.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:50:00
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

MATURITY_JOB = "deposit_maturity"


def upgrade() -> None:
    op.create_table(
        "deposit_maturities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("deposit_id", sa.Integer(), sa.ForeignKey("time_deposits.id"), nullable=False),
        sa.Column("maturity_date", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("journal_id", sa.Integer(), sa.ForeignKey("journals.id"), nullable=False),
        sa.Column("new_deposit_id", sa.Integer(), sa.ForeignKey("time_deposits.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("deposit_id", "maturity_date", name="uq_deposit_maturities_deposit_date"),
    )
    leases = op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=40), primary_key=True),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.bulk_insert(leases, [{"name": MATURITY_JOB, "holder": "", "expires_at": datetime(2000, 1, 1)}])

    with op.batch_alter_table("time_deposits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renewed_from_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_time_deposits_status_maturity", ["status", "maturity_date"], unique=False)

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_since_login", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_attempts")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("failed_since_login")
    with op.batch_alter_table("time_deposits", schema=None) as batch_op:
        batch_op.drop_index("ix_time_deposits_status_maturity")
        batch_op.drop_column("renewed_from_id")
    op.drop_table("job_leases")
    op.drop_table("deposit_maturities")
