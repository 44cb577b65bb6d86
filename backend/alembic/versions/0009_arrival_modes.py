"""arrival modes (延时到账, issue 12): realtime, normal (2 hours) or next day (24 hours), revocable until then

- transfers: `arrival_mode` (realtime | normal | next_day, existing rows realtime) and `arrives_at` (when a
  scheduled transfer settles to the payee side), indexed with `status` for the settlement job. Two new states,
  `scheduled` and `revoked`, need no schema change (status is a string).
- accounts: the internal in-transit account INTERNAL-IN-TRANSIT (在途资金) that holds scheduled transfers.
- job_leases: the settlement job's lease row `transfer_settlement`.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 20:30:00
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

IN_TRANSIT = ("INTERNAL-IN-TRANSIT", "在途资金")
SETTLEMENT_JOB = "transfer_settlement"


def upgrade() -> None:
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("arrival_mode", sa.String(length=12), nullable=False,
                                      server_default="realtime"))
        batch_op.add_column(sa.Column("arrives_at", sa.DateTime(), nullable=True))
    op.create_index("ix_transfers_status_arrives", "transfers", ["status", "arrives_at"])
    accounts = sa.table(
        "accounts",
        sa.column("customer_id", sa.Integer), sa.column("kind", sa.String), sa.column("name", sa.String),
        sa.column("number", sa.String), sa.column("balance_fen", sa.BigInteger), sa.column("currency", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    number, name = IN_TRANSIT
    op.bulk_insert(accounts, [{"customer_id": None, "kind": "internal", "name": name, "number": number,
                               "balance_fen": 0, "currency": "CNY",
                               "created_at": datetime.now(UTC).replace(tzinfo=None)}])
    leases = sa.table("job_leases", sa.column("name", sa.String), sa.column("holder", sa.String),
                      sa.column("expires_at", sa.DateTime))
    op.bulk_insert(leases, [{"name": SETTLEMENT_JOB, "holder": "", "expires_at": datetime(2000, 1, 1)}])


def downgrade() -> None:
    op.execute(f"DELETE FROM job_leases WHERE name = '{SETTLEMENT_JOB}'")
    op.execute(f"DELETE FROM accounts WHERE number = '{IN_TRANSIT[0]}' AND balance_fen = 0")
    op.drop_index("ix_transfers_status_arrives", table_name="transfers")
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_column("arrives_at")
        batch_op.drop_column("arrival_mode")
