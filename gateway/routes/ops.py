"""The operations page: GET /kiosk/staff/ops (web/ops.html) and GET /api/staff/ops, its figures, for a signed-in
staff panel session.

The backend computes them from the conversation event stream (GET /staff/ops); this route only adds the staff
session's token, as the approvals route does, so the browser never holds a bank token.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from gateway import backend_client
from gateway.routes.staff import _staff_required, _staff_session
from gateway.routes.web import _page, error

router = APIRouter()


@router.get("/kiosk/staff/ops", include_in_schema=False)
def ops_page() -> Response:
    return _page("ops.html", "'none'")


@router.get("/api/staff/ops")
async def ops(request: Request) -> Response:
    session = _staff_session(request)
    if session is None:
        return _staff_required()
    try:
        figures = await backend_client.call("GET", "/staff/ops", token=session.staff_token, params={"hours": 24})
    except backend_client.BackendError as err:
        return error(err.status, err.code, err.message)
    return JSONResponse(figures, headers={"Cache-Control": "no-store"})
