"""Staff side of the kiosk: staff sign-in (the kiosk station and the staff panel), approvals, live transcripts.

The staff token stays in the gateway session like the customer's. Approve/reject go to the backend with the
staff token, so the backend records which staff member decided.
"""
from __future__ import annotations

import logging
import re
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from gateway import backend_client
from gateway.conversation import as_dict
from gateway.routes.web import client_headers, error, kiosk_of, local_time, read_body, session_json
from gateway.sessions import GatewaySession, clear_cookie, current, get_store, get_web_settings, set_cookie
from gateway.staff_queue import get_queue
from gateway.transcripts import get_book
from money import to_capitals

router = APIRouter(prefix="/api/staff")
log = logging.getLogger("anxin.gateway.staff")


def _staff_session(request: Request, role: str = "panel") -> GatewaySession | None:
    session = current(request)
    if session is None or not session.staff_token or session.staff_expires_at <= time.time():
        return None
    return session if session.staff_role == role else None


def _staff_required() -> JSONResponse:
    return error(401, "STAFF_REQUIRED", "请工作人员先登录。")


@router.post("/login")
async def staff_login(request: Request) -> Response:
    body = await read_body(request)
    if isinstance(body, JSONResponse):
        return body
    username = str(body.get("username") or "").strip()
    password = str(body.get("password") or "")
    role = "panel" if body.get("role") == "panel" else "station"
    if not username or not password or len(username) > 64 or len(password) > 128:
        return error(422, "BAD_CREDENTIALS", "请输入工作人员的用户名和密码。")
    try:
        answer = await backend_client.call("POST", "/staff/login",
                                           json={"username": username, "password": password},
                                           headers=client_headers(request))
    except backend_client.BackendError as err:
        log.info("staff sign-in refused: code=%s", err.code)
        if err.status in (401, 403, 404, 422):
            return error(401, "BAD_CREDENTIALS", "用户名或密码不对，请再试一次。")
        return error(err.status, err.code, err.message)
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not token:
        return error(503, "BACKEND_UNAVAILABLE", backend_client.UNAVAILABLE_MESSAGE)
    settings = get_web_settings()
    store = get_store()
    old = current(request)
    if old is not None:  # fresh id at every sign-in; the previous customer, if any, is forgotten
        if old.conversation_id:
            get_book().close(old.conversation_id)
        store.delete(old.sid)
    lifetime = min(settings.staff_session_s, int(answer.get("expires_in") or settings.staff_session_s))
    session = store.create("kiosk", settings.kiosk_idle_timeout_s)
    session.staff_token = token
    session.staff_name = str((answer.get("staff") or {}).get("name") or "")
    session.staff_expires_at = time.time() + lifetime
    session.staff_role = role
    session.expires_at = session.staff_expires_at
    store.save(session)
    log.info("staff sign-in: role=%s", role)
    resp = JSONResponse(session_json(session))
    set_cookie(resp, session)
    return resp


@router.post("/logout")
def staff_logout(request: Request) -> JSONResponse:
    session = current(request)
    resp = JSONResponse({"signed_in": False, "message": "工作人员已退出。"})
    if session is not None:
        if session.conversation_id:
            get_book().close(session.conversation_id)
        get_store().delete(session.sid)
    clear_cookie(resp)
    return resp


@router.get("/approvals")
async def approvals(request: Request) -> Response:
    session = _staff_session(request)
    if session is None:
        return _staff_required()
    try:
        items = await backend_client.call("GET", "/staff/approvals", token=session.staff_token,
                                          params={"status": "pending"})
    except backend_client.BackendError as err:
        return error(err.status, err.code, err.message)
    items = items or []
    for item in items:
        if isinstance(item, dict):
            _card_fields(item)
        # Staff read the amount back to the customer in capitals too, as the assistant does.
        transfer = item.get("transfer") if isinstance(item, dict) else None
        if isinstance(transfer, dict):
            try:
                transfer["amount_capitals"] = to_capitals(str(transfer.get("amount")))
            except Exception:  # an odd amount still shows in digits
                transfer["amount_capitals"] = ""
    return JSONResponse({"items": items})


# Why a transfer waits for staff, in the words staff use (the backend's hold reasons).
REASONS = {"SCAM_RISK": "疑似诈骗冷静期", "CUMULATIVE_AMOUNT": "当天累计金额大", "NEW_PAYEE": "新收款人",
           "LARGE_AMOUNT": "大额转账"}


def _card_fields(item: dict[str, Any]) -> None:
    """What tells two cards apart: the time asked, where, the transfer number, the reason in words."""
    transfer = as_dict(item.get("transfer"))
    reason = str(item.get("reason") or transfer.get("hold_reason") or "")
    item["reason_text"] = "、".join(REASONS.get(r.strip(), "需要核对") for r in reason.split(",") if r.strip()) or "需要核对"
    item["time_local"] = local_time(item.get("created_at") or transfer.get("created_at"))
    item["where"] = kiosk_of(transfer.get("id"))


@router.post("/approvals/{approval_id}/{decision}")
async def decide(approval_id: str, decision: str, request: Request) -> Response:
    session = _staff_session(request)
    if session is None:
        return _staff_required()
    if decision not in ("approve", "reject") or not approval_id.isdigit() or not 0 < int(approval_id) < 2**31:
        return error(404, "NOT_FOUND", "没有找到这条待审批的记录。")
    body = await read_body(request)
    if isinstance(body, JSONResponse):
        return body
    note = str(body.get("note") or "")[:200]
    try:
        answer = await backend_client.call("POST", f"/staff/approvals/{int(approval_id)}/{decision}",
                                           token=session.staff_token, json={"note": note})
    except backend_client.BackendError as err:
        return error(err.status, err.code, err.message)
    log.info("staff decision: approval=%s decision=%s", approval_id, decision)
    return JSONResponse({"approval": answer})


@router.get("/transcripts")
def live_transcripts(request: Request) -> Response:
    """Live kiosk conversations. Only those whose customer is still signed in: ended ones are dropped here."""
    if _staff_session(request) is None:
        return _staff_required()
    live_ids = {s.conversation_id for s in get_store().all() if s.channel == "kiosk" and s.has_customer}
    items = []
    for transcript in get_book().live():
        if transcript["conversation_id"] in live_ids:
            items.append(transcript)
        else:
            get_book().close(transcript["conversation_id"])
    return JSONResponse({"items": items})


@router.get("/queue")
def waiting_customers(request: Request) -> Response:
    """Web and phone customers waiting for a person (fraud stops first), beside the kiosk transcripts."""
    if _staff_session(request) is None:
        return _staff_required()
    return JSONResponse({"items": get_queue().waiting()})


@router.post("/queue/{entry_id}/done")
def queue_done(entry_id: str, request: Request) -> Response:
    session = _staff_session(request)
    if session is None:
        return _staff_required()
    if not entry_id.isalnum() or len(entry_id) > 32 or not get_queue().done(entry_id):
        return error(404, "NOT_FOUND", "没有找到这位客户，可能别的同事已经联系了。")
    log.info("staff contacted a waiting customer: entry=%s", entry_id)
    return JSONResponse({"done": True})


# ---------------------------------------------------------------- family contact (亲情联系人, issue 12)
# Set at the counter by a staff member with the customer beside them, never by voice: the staff panel finds the
# customer by the phone number they give, then enters the contact. The contact has no power to move money.
_PHONE = re.compile(r"^1\d{10}$")
_CONTACT_PHONE = re.compile(r"^1[3-9]\d{9}$")


def _at_counter(request: Request, customer_id: str) -> tuple[GatewaySession, int] | JSONResponse:
    """The staff panel's session and the customer's id, or the refusal to answer with."""
    session = _staff_session(request)
    if session is None:
        return _staff_required()
    if not customer_id.isdigit() or not 0 < int(customer_id) < 2**31:
        return error(404, "NOT_FOUND", "没有找到这位客户。")
    return session, int(customer_id)


def _digits(value: Any) -> str:
    return re.sub(r"[\s-]", "", str(value or ""))


@router.get("/customers")
async def find_customer(request: Request) -> Response:
    session = _staff_session(request)
    if session is None:
        return _staff_required()
    phone = _digits(request.query_params.get("phone"))
    if not _PHONE.match(phone):
        return error(422, "BAD_PHONE", "客户的手机号应该是 11 位数字，以 1 开头。请再输一次。")
    try:
        items = await backend_client.call("GET", "/staff/customers", token=session.staff_token, params={"phone": phone})
    except backend_client.BackendError as err:
        return error(err.status, err.code, err.message)
    return JSONResponse({"items": items or []})


def contact_refusal(body: dict[str, Any]) -> tuple[dict[str, str], JSONResponse | None]:
    """The contact as typed, checked in plain words before it goes to the backend (whose 422 is for machines)."""
    contact = {"name": str(body.get("name") or "").strip(), "relationship": str(body.get("relationship") or "").strip(),
               "phone": _digits(body.get("phone"))}
    if not contact["name"] or len(contact["name"]) > 50:
        return contact, error(422, "BAD_NAME", "请写家人的名字（不超过 50 个字）。")
    if not contact["relationship"] or len(contact["relationship"]) > 20:
        return contact, error(422, "BAD_RELATIONSHIP", "请写家人和客户的关系，比如“儿子”“女儿”。")
    if not _CONTACT_PHONE.match(contact["phone"]):
        return contact, error(422, "BAD_PHONE", "家人的手机号应该是 11 位数字，以 13 到 19 开头。请再输一次。")
    return contact, None


@router.get("/customers/{customer_id}/family-contact")
async def get_family_contact(customer_id: str, request: Request) -> Response:
    found = _at_counter(request, customer_id)
    if isinstance(found, JSONResponse):
        return found
    session, cid = found
    try:
        contact = await backend_client.call("GET", f"/staff/customers/{cid}/family-contact", token=session.staff_token)
    except backend_client.BackendError as err:
        if err.status == 404 and err.code == "NOT_FOUND":
            return JSONResponse({"contact": None})  # none set yet: the form is empty
        return error(err.status, err.code, err.message)
    return JSONResponse({"contact": contact})


@router.put("/customers/{customer_id}/family-contact")
async def put_family_contact(customer_id: str, request: Request) -> Response:
    found = _at_counter(request, customer_id)
    if isinstance(found, JSONResponse):
        return found
    session, cid = found
    body = await read_body(request)
    if isinstance(body, JSONResponse):
        return body
    contact, refusal = contact_refusal(body)
    if refusal is not None:
        return refusal
    try:
        saved = await backend_client.call("PUT", f"/staff/customers/{cid}/family-contact",
                                          token=session.staff_token, json=contact)
    except backend_client.BackendError as err:
        return error(err.status, err.code, err.message)
    log.info("staff set a family contact: customer=%s", cid)  # no name or number in the log
    return JSONResponse({"contact": saved})


@router.delete("/customers/{customer_id}/family-contact")
async def delete_family_contact(customer_id: str, request: Request) -> Response:
    found = _at_counter(request, customer_id)
    if isinstance(found, JSONResponse):
        return found
    session, cid = found
    try:
        await backend_client.call("DELETE", f"/staff/customers/{cid}/family-contact", token=session.staff_token)
    except backend_client.BackendError as err:
        return error(err.status, err.code, err.message)
    log.info("staff removed a family contact: customer=%s", cid)
    return JSONResponse({"contact": None})
