"""clearing account shards: INTERNAL-CLEARING-01..15 beside INTERNAL-CLEARING (shard 0)

Every outgoing transfer credits the clearing account; with one row, all transfers of the bank would queue on
its row lock. Spread over 16 rows, concurrent transfers rarely meet. The bank's clearing balance is the sum.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 18:35:00
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SHARDS = 16


def upgrade() -> None:
    accounts = sa.table(
        "accounts",
        sa.column("customer_id", sa.Integer), sa.column("kind", sa.String), sa.column("name", sa.String),
        sa.column("number", sa.String), sa.column("balance_fen", sa.BigInteger), sa.column("currency", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(accounts, [
        {"customer_id": None, "kind": "internal", "name": f"往来清算{shard:02d}",
         "number": f"INTERNAL-CLEARING-{shard:02d}", "balance_fen": 0, "currency": "CNY", "created_at": now}
        for shard in range(1, SHARDS)
    ])


def downgrade() -> None:
    op.execute("DELETE FROM accounts WHERE number LIKE 'INTERNAL-CLEARING-%' AND balance_fen = 0")
