"""pending early withdrawals (issue 10): the read-back's exact figures, confirmed by id

- early_withdrawals: pending / completed / cancelled / expired early withdrawals of a time deposit, with the
  principal, the interest at the demand rate, the term interest lost, the maturity date, the account the money
  goes to, the day the figures were quoted and when the record expires.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 19:10:00
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "early_withdrawals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("deposit_id", sa.Integer(), sa.ForeignKey("time_deposits.id"), nullable=False),
        sa.Column("to_account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("lost_interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("days_held", sa.Integer(), nullable=False),
        sa.Column("maturity_date", sa.Date(), nullable=False),
        sa.Column("quote_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        _time("created_at"),
        _time("expires_at"),
        _time("executed_at", nullable=True),
        _time("ended_at", nullable=True),
    )
    op.create_index("ix_early_withdrawals_customer_created", "early_withdrawals", ["customer_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_early_withdrawals_customer_created", table_name="early_withdrawals")
    op.drop_table("early_withdrawals")
