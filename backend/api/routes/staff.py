from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from backend.api import presenters
from backend.api.deps import (
    EngineDep,
    HasherDep,
    SessionDep,
    SettingsDep,
    StaffId,
    WriteSessionDep,
    sign_in_client_key,
)
from backend.api.responses import errors
from backend.core.ratelimit import check_login_rate
from backend.core.security import issue_token
from backend.core.tables import saved_id
from backend.errors import not_found
from backend.models import Approval
from backend.schemas import MAX_ID, ApprovalOut, DecisionIn, StaffBrief, StaffLoginIn, StaffLoginOut
from backend.services import approvals, auth

router = APIRouter(prefix="/staff", tags=["staff"])
ApprovalId = Annotated[int, Path(ge=1, le=MAX_ID)]
_ERRORS = errors(401, 403, 404, 409, 422)


@router.post("/login", response_model=StaffLoginOut,
             responses=errors(401, 423, 429))
def staff_login(
    body: StaffLoginIn, request: Request, engine: EngineDep, settings: SettingsDep, hasher: HasherDep
) -> StaffLoginOut:
    # The customers' rules (services/auth.py): a rate limit per name and per client, cool-down, lock-out, audit.
    check_login_rate(request, "staff:" + body.username, sign_in_client_key(request))
    staff = auth.login_staff(engine, settings, hasher, body.username, body.password)
    token, ttl = issue_token(settings, "staff", saved_id(staff))
    return StaffLoginOut(access_token=token, expires_in=ttl, staff=StaffBrief(id=saved_id(staff), name=staff.name))


@router.get("/approvals", response_model=list[ApprovalOut], responses=_ERRORS)
def list_approvals(
    staff_id: StaffId,
    session: SessionDep,
    settings: SettingsDep,
    status: Annotated[
        Literal["pending", "approved", "rejected", "cancelled", "expired", "failed"] | None, Query()
    ] = None,
) -> list[ApprovalOut]:
    # pending = waiting now: an approval whose transfer expired has left the queue (services/approvals.py).
    return [presenters.approval(session, row, settings) for row in approvals.listing(session, status)]


@router.get("/approvals/{approval_id}", response_model=ApprovalOut, responses=_ERRORS)
def get_approval(approval_id: ApprovalId, staff_id: StaffId, session: SessionDep, settings: SettingsDep) -> ApprovalOut:
    row = session.get(Approval, approval_id)
    if row is None:
        raise not_found("审批")
    return presenters.approval(session, row, settings)


@router.post("/approvals/{approval_id}/approve", response_model=ApprovalOut, responses=_ERRORS)
def approve(
    approval_id: ApprovalId, staff_id: StaffId, session: WriteSessionDep, settings: SettingsDep,
    body: DecisionIn | None = None,
) -> ApprovalOut:
    approval, refusal = approvals.approve(session, settings, approval_id, staff_id, body.note if body else "")
    out = presenters.approval(session, approval, settings)
    session.commit()
    if refusal is not None:  # the transfer ended (failed or expired) and that is kept; staff hear why
        raise refusal
    return out


@router.post("/approvals/{approval_id}/reject", response_model=ApprovalOut, responses=_ERRORS)
def reject(
    approval_id: ApprovalId, staff_id: StaffId, session: WriteSessionDep, settings: SettingsDep,
    body: DecisionIn | None = None,
) -> ApprovalOut:
    approval = approvals.reject(session, approval_id, staff_id, body.note if body else "")
    out = presenters.approval(session, approval, settings)
    session.commit()
    return out
