"""The operations page's figures from `conversation_events`: per channel, over the last `hours` hours, turns
per hour, the share of misunderstood turns, handoffs, scam stops and held transfers.

A turn is one user message. It was misunderstood when its intent is nlu_fallback (the FallbackClassifier's low
confidence) or when Rasa's action_default_fallback ran before the next message (no rule or story fitted), counted
once per turn either way. Handoffs are action_handoff runs, scam stops action_fraud_stop runs, held transfers
the money flows whose `outcome` slot became `held` (the backend held the transfer for staff). A conversation's
channel is the one its user messages carried (the gateway's metadata: web, kiosk, phone).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlmodel import col

from backend.core.db import read_session
from backend.models import ConversationEvent

MISUNDERSTOOD_INTENTS = frozenset({"nlu_fallback"})
MISUNDERSTOOD_ACTIONS = frozenset({"action_default_fallback"})
HANDOFF_ACTION = "action_handoff"
SCAM_STOP_ACTION = "action_fraud_stop"
HELD_SLOT, HELD_VALUE = "outcome", "held"
UNKNOWN_CHANNEL = "unknown"


@dataclass
class ChannelFigures:
    turns_per_hour: list[int]
    turns: int = 0
    misunderstood: int = 0
    handoffs: int = 0
    scam_stops: int = 0
    held_transfers: int = 0

    @property
    def misunderstood_share(self) -> float:
        return round(self.misunderstood / self.turns, 4) if self.turns else 0.0


@dataclass
class OpsFigures:
    since: datetime
    hours: list[datetime]  # the start of each hour bucket, oldest first
    channels: dict[str, ChannelFigures] = field(default_factory=dict)


def figures(engine: Engine, hours: int = 24, now: datetime | None = None) -> OpsFigures:
    now = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    since = now - timedelta(hours=hours)
    t = ConversationEvent
    with read_session(engine) as session:
        rows = session.execute(
            select(col(t.conversation), col(t.type), col(t.name), col(t.value), col(t.channel), col(t.occurred_at))
            .where(col(t.occurred_at) >= since, col(t.type).in_(("user", "action", "slot")))
            .order_by(col(t.conversation), col(t.occurred_at), col(t.id))
        ).all()
        conversations = {r.conversation for r in rows}
        channel_of: dict[str, str] = {}
        if conversations:
            # A conversation's channel, also when its first message is older than the window.
            for conv, channel in session.execute(
                select(col(t.conversation), col(t.channel)).where(
                    col(t.type) == "user", col(t.channel).is_not(None), col(t.conversation).in_(conversations))
            ):
                channel_of[conv] = channel
    out = OpsFigures(since=since, hours=[since + timedelta(hours=i) for i in range(hours)])

    def of(conv: str) -> ChannelFigures:
        name = channel_of.get(conv, UNKNOWN_CHANNEL)
        if name not in out.channels:
            out.channels[name] = ChannelFigures(turns_per_hour=[0] * hours)
        return out.channels[name]

    turn_missed: dict[str, bool] = defaultdict(bool)  # the open turn of each conversation: misunderstood yet?
    for row in rows:
        figs = of(row.conversation)
        if row.type == "user":
            figs.turns += 1
            index = int((row.occurred_at - since).total_seconds() // 3600)
            figs.turns_per_hour[min(max(index, 0), hours - 1)] += 1
            turn_missed[row.conversation] = row.name in MISUNDERSTOOD_INTENTS
            figs.misunderstood += turn_missed[row.conversation]
        elif row.type == "action":
            if row.name in MISUNDERSTOOD_ACTIONS and not turn_missed[row.conversation]:
                turn_missed[row.conversation] = True
                figs.misunderstood += 1
            figs.handoffs += row.name == HANDOFF_ACTION
            figs.scam_stops += row.name == SCAM_STOP_ACTION
        elif row.type == "slot" and row.name == HELD_SLOT and row.value == HELD_VALUE:
            figs.held_transfers += 1
    return out
