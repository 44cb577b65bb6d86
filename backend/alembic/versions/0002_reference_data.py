"""reference data: savings products and the bank's internal accounts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 18:10:00
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Rates in basis points, in line with large Chinese banks' 2024-2025 listed rates.
PRODUCTS = [
    ("DEMAND", "活期", 0, 10),
    ("TD3", "三个月定期", 3, 85),
    ("TD6", "六个月定期", 6, 105),
    ("TD12", "一年定期", 12, 110),
    ("TD24", "两年定期", 24, 120),
    ("TD36", "三年定期", 36, 150),
    ("TD60", "五年定期", 60, 155),
]
INTERNAL_ACCOUNTS = [
    ("INTERNAL-CLEARING", "往来清算"),
    ("INTERNAL-INTEREST", "利息支出"),
    ("INTERNAL-OPENING", "开户存入"),
]


def upgrade() -> None:
    products = sa.table(
        "savings_products",
        sa.column("code", sa.String), sa.column("name", sa.String),
        sa.column("term_months", sa.Integer), sa.column("rate_bp", sa.Integer),
    )
    op.bulk_insert(products, [
        {"code": code, "name": name, "term_months": term, "rate_bp": rate} for code, name, term, rate in PRODUCTS
    ])
    accounts = sa.table(
        "accounts",
        sa.column("customer_id", sa.Integer), sa.column("kind", sa.String), sa.column("name", sa.String),
        sa.column("number", sa.String), sa.column("balance_fen", sa.BigInteger), sa.column("currency", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(accounts, [
        {"customer_id": None, "kind": "internal", "name": name, "number": number, "balance_fen": 0,
         "currency": "CNY", "created_at": now}
        for number, name in INTERNAL_ACCOUNTS
    ])


def downgrade() -> None:
    op.execute("DELETE FROM savings_products")
    op.execute("DELETE FROM accounts WHERE kind = 'internal'")
