"""partial early withdrawal (部分提前支取, issue 11): once per deposit, the rest keeps its terms

- time_deposits: the part taken out early (partial_withdrawn_fen), the demand interest it earned
  (partial_interest_fen) and the day (partial_withdrawn_on); all null until a partial withdrawal. The deposit's
  principal_fen and expected_interest_fen become the remainder's; its opening day, rate and maturity date stay.
- early_withdrawals: whether the record is partial, and the remainder's principal and expected interest as quoted
  (null for a whole withdrawal); principal_fen is what is taken out.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 20:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("time_deposits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partial_withdrawn_fen", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("partial_interest_fen", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("partial_withdrawn_on", sa.Date(), nullable=True))
    with op.batch_alter_table("early_withdrawals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partial", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("remaining_principal_fen", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("remaining_expected_interest_fen", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("early_withdrawals", schema=None) as batch_op:
        batch_op.drop_column("remaining_expected_interest_fen")
        batch_op.drop_column("remaining_principal_fen")
        batch_op.drop_column("partial")
    with op.batch_alter_table("time_deposits", schema=None) as batch_op:
        batch_op.drop_column("partial_withdrawn_on")
        batch_op.drop_column("partial_interest_fen")
        batch_op.drop_column("partial_withdrawn_fen")
