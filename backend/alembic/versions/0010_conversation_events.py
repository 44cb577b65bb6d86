"""conversation events (issue 13): Rasa's event stream, for the operations page

- conversation_events: one row per Rasa event consumed from RabbitMQ (backend.events), unique by a derived
  event id so a redelivered message is stored once; no metadata, masked text, the conversation as a hash.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 20:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("conversation", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=True),
        sa.Column("value", sa.String(length=80), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_conversation_events_event_id"),
    )
    op.create_index("ix_conversation_events_occurred", "conversation_events", ["occurred_at"])
    op.create_index("ix_conversation_events_conversation", "conversation_events", ["conversation", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_conversation_events_conversation", table_name="conversation_events")
    op.drop_index("ix_conversation_events_occurred", table_name="conversation_events")
    op.drop_table("conversation_events")
