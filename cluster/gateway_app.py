"""The gateway as the cluster runs it: `uvicorn cluster.gateway_app:app`.

The same app as gateway.main, with its per-customer state in Redis when ANXIN_REDIS_URL is set: web and kiosk
sessions, kiosk transcripts and phone calls, through one client (cluster.redis_ha.client_from_url: a
`redis+sentinel://` URL follows the master through a failover). A browser signed in (or a phone call answered) through one gateway
instance is then served by any other. A Redis outage becomes a plain 503 for the browser
(never a stack trace), and the next request after Redis is back simply works again.
"""
from __future__ import annotations

import logging
import os

import redis
from fastapi import Request
from fastapi.responses import JSONResponse

from gateway import calls, sessions, transcripts
from gateway.config import require_service_secrets
from gateway.main import create_app

require_service_secrets()  # before anything reads the phone settings: no gateway without its secrets

log = logging.getLogger("anxin.cluster.gateway")
UNAVAILABLE = {"code": "SERVICE_UNAVAILABLE", "message": "系统暂时连不上，请稍后再试。"}

if os.environ.get("ANXIN_REDIS_URL"):
    from cluster.redis_ha import client_from_url
    from gateway.session_store_redis import RedisSessionStore

    _client = client_from_url(os.environ["ANXIN_REDIS_URL"], socket_timeout=1.0)
    sessions.set_store(RedisSessionStore(_client))
    transcripts.set_book(transcripts.RedisTranscriptBook(_client))
    calls.set_call_store(calls.RedisCallStore(_client, calls.get_phone_settings().call_ttl_s))

app = create_app()


@app.exception_handler(redis.RedisError)
async def _redis_down(_: Request, exc: redis.RedisError) -> JSONResponse:
    log.warning("session store unavailable: %s", type(exc).__name__)
    return JSONResponse(UNAVAILABLE, status_code=503)
