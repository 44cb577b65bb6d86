"""GET /health: the gateway process is up and serving (load balancers, the cluster launcher, make run).

No sign-in, no session, no call to Rasa or the backend: a liveness answer only, so a slow dependency never
takes healthy gateways out of the balancer (the dependencies have their own /health and /status).
"""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
