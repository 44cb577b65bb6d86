"""GET /staff/ops: the operations page's figures (staff only), from the conversation event stream."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from backend.api.deps import EngineDep, StaffId
from backend.events import stats
from backend.schemas import ErrorOut

router = APIRouter(prefix="/staff", tags=["staff"])


class ChannelOpsOut(BaseModel):
    channel: str
    turns_per_hour: list[int]
    turns: int
    misunderstood: int
    misunderstood_share: float  # 0..1, of this channel's turns
    handoffs: int
    scam_stops: int
    held_transfers: int


class OpsOut(BaseModel):
    since: datetime
    hours: list[datetime]  # the start of each hour (UTC) the turns_per_hour entries count
    channels: list[ChannelOpsOut]


@router.get("/ops", response_model=OpsOut, responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}})
def ops_figures(staff_id: StaffId, engine: EngineDep,
                hours: Annotated[int, Query(ge=1, le=168)] = 24) -> OpsOut:
    figs = stats.figures(engine, hours)
    channels = [
        ChannelOpsOut(channel=name, turns_per_hour=f.turns_per_hour, turns=f.turns, misunderstood=f.misunderstood,
                      misunderstood_share=f.misunderstood_share, handoffs=f.handoffs, scam_stops=f.scam_stops,
                      held_transfers=f.held_transfers)
        for name, f in sorted(figs.channels.items())
    ]
    return OpsOut(since=figs.since, hours=figs.hours, channels=channels)
