"""money rules: cooling-off holds, expiring pending/held records, pending deposits, failed approvals

- customers.cooling_off_until: a fraud stop puts the customer under a hold stored here, so every backend
  instance (and a restart) sees it.
- transfers.expires_at: a pending transfer expires after minutes, a held one after hours; failure_reason says
  why an approval could not execute (the customer is told). hold_reason widens for CUMULATIVE_AMOUNT.
- transfers (customer_id, executed_at): the daily limit counts what executed on the business day.
- time_deposits: pending deposits (no time account until confirmed, so account_id becomes nullable),
  maturity_choice (renew | demand, read by the maturity job), expires_at and ended_at.
- approvals.reason widens like transfers.hold_reason.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 17:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cooling_off_until", sa.DateTime(), nullable=True))

    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("failure_reason", sa.String(length=32), nullable=True))
        batch_op.alter_column("hold_reason", existing_type=sa.String(length=16), type_=sa.String(length=32),
                              existing_nullable=True)
        batch_op.create_index("ix_transfers_customer_executed", ["customer_id", "executed_at"], unique=False)

    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.alter_column("reason", existing_type=sa.String(length=16), type_=sa.String(length=32),
                              existing_nullable=False)

    with op.batch_alter_table("time_deposits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("maturity_choice", sa.String(length=8), nullable=False,
                                      server_default="renew"))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(), nullable=True))
        batch_op.alter_column("account_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("time_deposits", schema=None) as batch_op:
        batch_op.alter_column("account_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("ended_at")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("maturity_choice")

    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.alter_column("reason", existing_type=sa.String(length=32), type_=sa.String(length=16),
                              existing_nullable=False)

    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index("ix_transfers_customer_executed")
        batch_op.alter_column("hold_reason", existing_type=sa.String(length=32), type_=sa.String(length=16),
                              existing_nullable=True)
        batch_op.drop_column("failure_reason")
        batch_op.drop_column("expires_at")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("cooling_off_until")
