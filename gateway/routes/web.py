"""The web chat widget and the kiosk: pages, customer sign-in, chat turns, session time, receipts.

The browser talks only to this gateway (one origin). It holds an opaque session id; the customer's bank token
stays in the gateway session and travels on to Rasa in the message metadata. Every refusal is a JSON
`{"code", "message"}` with a Chinese sentence, never a stack trace. Nothing typed (PIN, phone) is logged.
"""
from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import logging
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from gateway import backend_client
from gateway.config import get_settings
from gateway.conversation import Reply, as_dict, plain_text, turn
from gateway.receipts import bill_receipt, local_time
from gateway.routes.audio import audio_url_async
from gateway.sessions import (
    COOKIE,
    GatewaySession,
    clear_cookie,
    current,
    get_store,
    get_web_settings,
    new_conversation_id,
    rotate,
    set_cookie,
)
from gateway.staff_queue import get_queue, make_entry
from gateway.transcripts import get_book
from money import to_capitals
from rules.arrival import when_words

router = APIRouter()
log = logging.getLogger("anxin.gateway.web")

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
_PHONE = re.compile(r"^1\d{10}$")
_PIN = re.compile(r"^\d{6}$")
MAX_TEXT = 500
MAX_BODY = 4096

# The pages load only their own files. Only the chat page may sit in an iframe (the embed), and only on the
# sites of ANXIN_FRAME_ANCESTORS; the kiosk and the staff panel never (a framed PIN keypad is a trap).
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}")
# One origin of the allowlist: scheme, host, optional port (or ":*"). Anything else (a ";", a space, a path,
# "*") could widen the policy and is dropped.
_ORIGIN = re.compile(r"^https?://(\*\.)?[A-Za-z0-9.-]+(:(\d{1,5}|\*))?$")
# Bodies the browser may send cross-site without asking first (forms): a JSON API refuses them all.
_JSON = "application/json"


def _origins(raw: str) -> list[str]:
    out = []
    for item in re.split(r"[\s,]+", raw.strip()):
        if item and _ORIGIN.match(item.rstrip("/")):
            out.append(item.rstrip("/"))
        elif item:
            log.warning("ignored a malformed origin in the settings: %r", item[:80])
    return out


def frame_ancestors() -> str:
    allowed = _origins(get_settings().frame_ancestors)
    return " ".join(allowed) if allowed else "'none'"


def cross_site_refusal(request: Request) -> JSONResponse | None:
    """CSRF: a state-changing call must be JSON and, when a browser sends it, come from our own page.

    Browsers send Origin with every POST; a form or an image on another site cannot set Content-Type
    application/json without a CORS preflight, which the gateway never answers. Clients that are no browser
    (the cluster tests, the load benchmark) send no Origin and hold no victim's cookie.
    """
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != _JSON:
        return error(415, "JSON_REQUIRED", "请求的格式不对，请刷新页面再试。")
    origin = request.headers.get("origin")
    site = request.headers.get("sec-fetch-site", "")
    if origin is None and site != "cross-site":
        return None
    if origin is not None and origin != "null":
        host = request.headers.get("host", "")
        if origin.split("://", 1)[-1] == host or origin.rstrip("/") in _origins(get_settings().web_origins):
            return None
    log.warning("refused a cross-site request: path=%s", request.url.path)
    return error(403, "CROSS_SITE", "这个请求不是从安心的页面发出的，已经拒绝。请直接打开安心的页面。")


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


def not_signed_in() -> JSONResponse:
    return error(401, "NOT_SIGNED_IN", "您还没有登录，或者登录已经过期。请重新登录。")


async def read_body(request: Request) -> dict[str, Any] | JSONResponse:
    """The JSON object of a request, or a Chinese refusal (FastAPI's own 422 would be English)."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return error(413, "TOO_LARGE", "内容太长了，请说短一点。")
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return error(400, "BAD_REQUEST", "请求的格式不对，请刷新页面再试。")
    if not isinstance(data, dict):
        return error(400, "BAD_REQUEST", "请求的格式不对，请刷新页面再试。")
    return data


def _networks(spec: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    out = []
    for item in (part.strip() for part in spec.split(",")):
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            if item:
                log.warning("ignored a malformed proxy address in the settings: %r", item[:80])
    return out


def _is_proxy(host: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_address(request: Request) -> str | None:
    """The customer's address: the connecting peer, or, when the peer is a configured proxy
    (ANXIN_GATEWAY_TRUSTED_PROXIES), the nearest X-Forwarded-For hop that is not itself one (hops further
    left were written by the client and prove nothing)."""
    if request.client is None:
        return None
    peer = request.client.host
    networks = _networks(get_settings().gateway_trusted_proxies)
    if not networks or not _is_proxy(peer, networks):
        return peer
    hops = [hop.strip() for line in request.headers.getlist("x-forwarded-for") for hop in line.split(",")]
    for hop in reversed([h for h in hops if h]):
        if _is_proxy(hop, networks):
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return peer  # a broken chain: trust nothing in it
    return peer


def client_headers(request: Request) -> dict[str, str]:
    """The customer's address for the backend's sign-in rate limit (per address). Without it every web
    customer would share the gateway's own address and one busy village could lock out everyone. A client
    cannot pick its own bucket: its own X-Forwarded-For counts only through a configured proxy."""
    address = client_address(request)
    return {"X-Forwarded-For": address} if address else {}


def wants_header_session(request: Request) -> bool:
    """The embedded widget asks for its id in the body (its cookie would be blocked cross-site). A request
    that carries the cookie is a cookie client: its id stays HttpOnly, whatever header a script adds."""
    return request.headers.get("x-anxin-session-mode") == "header" and COOKIE not in request.cookies


def session_json(session: GatewaySession | None) -> dict[str, Any]:
    settings = get_web_settings()
    out: dict[str, Any] = {
        "signed_in": bool(session and session.has_customer),
        "name": session.customer_name if session else "",
        "channel": session.channel if session else "web",
        "staff": {"name": session.staff_name, "role": session.staff_role} if session and session.staff_token else None,
        "seconds_left": session.seconds_left() if session and session.has_customer else None,
        "idle_timeout_s": session.idle_timeout_s if session else settings.web_idle_timeout_s,
        "warn_s": settings.session_warn_s,
        "kiosk_idle_timeout_s": settings.kiosk_idle_timeout_s,
    }
    return out


# ---------------------------------------------------------------- versioned assets
# The pages name their CSS/JS as /static/<file>?v=<hash of its content>: a browser keeps such a file for a year
# and never asks again, and a new version has a new URL. The pages themselves are revalidated every time
# (no-cache, with an ETag-less body this small: one request), so a deploy reaches everyone at once.
_STATIC_REF = re.compile(r"/static/([\w.-]+\.(?:css|js))")
IMMUTABLE = "public, max-age=31536000, immutable"


@functools.lru_cache(maxsize=128)
def _content_hash(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_version(name: str) -> str:
    """The version of web/<name> (a content hash, recomputed only when the file changes)."""
    path = WEB_DIR / name
    st = path.stat()
    return _content_hash(str(path), st.st_mtime_ns, st.st_size)


def versioned_html(name: str) -> str:
    text = (WEB_DIR / name).read_text(encoding="utf-8")
    return _STATIC_REF.sub(lambda m: f"/static/{m[1]}?v={asset_version(m[1])}", text)


class Assets(StaticFiles):
    """web/ under /static: a year's cache for the URL of the current version, revalidation for any other."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        resp = await super().get_response(path, scope)
        query = scope.get("query_string", b"").decode("latin-1")
        wanted = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("v")
        current = None
        if resp.status_code == 200 and wanted:
            try:
                current = asset_version(path)
            except OSError:
                current = None
        resp.headers["Cache-Control"] = IMMUTABLE if current and wanted == current else "no-cache"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp


def _page(name: str, frame_ancestors: str) -> Response:
    resp = Response(versioned_html(name), media_type="text/html; charset=utf-8")
    resp.headers["Content-Security-Policy"] = _CSP.format(ancestors=frame_ancestors)
    if frame_ancestors == "'none'":  # the same for browsers that predate frame-ancestors
        resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


# ---------------------------------------------------------------- pages

@router.get("/", include_in_schema=False)
def index() -> Response:
    return _page("chat.html", frame_ancestors())


@router.get("/chat", include_in_schema=False)
def chat_page() -> Response:
    return _page("chat.html", frame_ancestors())


@router.get("/kiosk", include_in_schema=False)
def kiosk_page() -> Response:
    return _page("kiosk.html", "'none'")


@router.get("/kiosk/", include_in_schema=False)
def kiosk_slash() -> Response:
    return RedirectResponse("/kiosk")


@router.get("/kiosk/staff", include_in_schema=False)
def staff_page() -> Response:
    return _page("staff.html", "'none'")


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """No icon file to fetch (and no 404 in the log for every page view)."""
    return Response(status_code=204)


@router.get("/anxin-widget.js", include_in_schema=False)
def widget_script() -> Response:
    """The one-line embed: <script src="https://gateway/anxin-widget.js" defer></script>."""
    resp = FileResponse(WEB_DIR / "anxin-widget.js", media_type="text/javascript; charset=utf-8")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


# ---------------------------------------------------------------- session

STARTERS = ["查余额", "转账", "存定期"]
# transfer id -> the kiosk it was asked at (named by the staff member who signed the kiosk in), for the staff
# panel's approval cards. This gateway's memory only, bounded: with several instances a card may say less.
_HELD_AT: dict[int, str] = {}
_HELD_AT_MAX = 2000


def note_held_at_kiosk(transfer_id: int, station: str) -> None:
    if len(_HELD_AT) >= _HELD_AT_MAX:
        _HELD_AT.pop(next(iter(_HELD_AT)))
    _HELD_AT[transfer_id] = station


def kiosk_of(transfer_id: Any) -> str:
    """"自助机（王柜员登录）" for a transfer held at a kiosk, else ""."""
    if not isinstance(transfer_id, int) or transfer_id not in _HELD_AT:
        return ""
    return f"自助机（{_HELD_AT[transfer_id] or '工作人员'}登录）"
GREETING = "您好，{name}！\n想办什么？\n请点下面的按钮，也可以说话。"


def _offer(session: GatewaySession, buttons: list[dict[str, str]]) -> None:
    """Remembers the buttons just shown: the next button press must be one of them."""
    session.offered = [{"payload": b["payload"] or b["title"], "title": b["title"]} for b in buttons
                       if b.get("payload") or b.get("title")][:20]


async def greeting(session: GatewaySession) -> dict[str, Any]:
    """The first reply after sign-in, with its audio like every other reply (read aloud on request)."""
    text = GREETING.format(name=session.customer_name or "")
    reply = Reply(text=text, buttons=[{"title": t, "payload": t} for t in STARTERS],
                  audio_url=await audio_url_async(text, STARTERS))
    return reply.to_json()


@router.get("/api/session")
async def get_session(request: Request) -> JSONResponse:
    session = current(request)
    out = session_json(session)
    if session is not None and session.has_customer:
        out["greeting"] = await greeting(session)
        if not session.offered:
            _offer(session, out["greeting"]["buttons"])
            get_store().save(session)
    return JSONResponse(out)


@router.post("/api/login")
async def login(request: Request) -> Response:
    body = await read_body(request)
    if isinstance(body, JSONResponse):
        return body
    phone = re.sub(r"[\s-]", "", str(body.get("phone") or ""))
    pin = str(body.get("pin") or "")
    if not _PHONE.match(phone):
        return error(422, "BAD_PHONE", "手机号应该是 11 位数字，请再输一次。")
    if not _PIN.match(pin):
        return error(422, "BAD_PIN", "密码应该是 6 位数字，请再输一次。")
    settings = get_web_settings()
    session = current(request)
    # The kiosk page says it is one: if its staff sign-in has ended meanwhile, the customer must not get an
    # ordinary web session (longer idle time, no staff beside them) on a shared screen.
    kiosk = bool(session and session.channel == "kiosk") or body.get("kiosk") is True
    if kiosk and not (session and session.staff_token and session.staff_role == "station"):
        return error(403, "STAFF_REQUIRED", "请工作人员先登录这台设备。")
    try:
        answer = await backend_client.call("POST", "/auth/login", json={"phone": phone, "pin": pin},
                                           headers=client_headers(request))
    except backend_client.BackendError as err:
        log.info("web sign-in refused: code=%s", err.code)
        return error(err.status, err.code, err.message)
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not token:
        return error(503, "BACKEND_UNAVAILABLE", backend_client.UNAVAILABLE_MESSAGE)
    store = get_store()
    if session is None or not kiosk:
        if session is not None:  # a new sign-in never reuses an old id (session fixation)
            _end_conversation(session)
            store.delete(session.sid)
        session = store.create("web", settings.web_idle_timeout_s)
    else:
        # The kiosk's next customer gets a fresh id too: the previous customer (or anyone who saw the id)
        # must not be able to act in this one's session.
        _end_conversation(session)
        session = rotate(session)
        session.idle_timeout_s = settings.kiosk_idle_timeout_s
    session.customer_token = token
    session.customer_name = str((answer.get("customer") or {}).get("name") or "")
    ttl = answer.get("expires_in")
    if isinstance(ttl, int | float) and ttl > 0:
        session.token_expires_at = time.time() + float(ttl) - 5  # a few seconds' margin for the last turn
    session.conversation_id = new_conversation_id(session.channel)
    session.touch()
    hello = await greeting(session)
    _offer(session, hello["buttons"])
    store.save(session)
    if session.channel == "kiosk":
        get_book().open(session.conversation_id, session.customer_name, session.staff_name)
        get_book().add(session.conversation_id, "system", f"{session.customer_name} 已登录")
    log.info("web sign-in: channel=%s conversation=%s", session.channel, session.conversation_id)
    out = {**session_json(session), "greeting": hello}
    if session.channel == "web" and wants_header_session(request):
        out["session"] = session.sid  # the embed keeps it in memory; no cookie for it
        return JSONResponse(out)
    resp = JSONResponse(out)
    set_cookie(resp, session)
    return resp


@router.post("/api/extend")
def extend(request: Request) -> JSONResponse:
    """"需要更多时间": the full idle time again, as often as the customer asks."""
    session = current(request)
    if session is None or not session.has_customer:
        return not_signed_in()
    session.touch()
    session.extensions += 1
    get_store().save(session)
    return JSONResponse(session_json(session))


@router.post("/api/logout")
def logout(request: Request) -> JSONResponse:
    """Sign-out (or the kiosk's reset after inactivity): the customer is forgotten; a kiosk keeps its staff."""
    session = current(request)
    resp = JSONResponse({"signed_in": False, "message": "您已安全退出。"})
    if session is None:
        clear_cookie(resp)
        return resp
    _end_conversation(session)
    if session.staff_token:
        session.clear_customer()
        session.expires_at = session.staff_expires_at
        get_store().save(session)
    else:
        get_store().delete(session.sid)
        clear_cookie(resp)
    return resp


def _end_conversation(session: GatewaySession) -> None:
    if session.conversation_id:
        get_book().close(session.conversation_id)
    session.clear_customer()


# ---------------------------------------------------------------- chat

def _button(session: GatewaySession, payload: str) -> dict[str, str] | None:
    return next((b for b in session.offered if b["payload"] == payload), None)


def call_person_route() -> dict[str, str]:
    """The web's call-a-person route beside a fraud warning: the bank's number and 96110, both tap-to-call."""
    phone = get_settings().bank_phone.strip()
    digits = re.sub(r"[^\d+]", "", phone)
    return {"bank_phone": phone, "bank_tel": f"tel:{digits}", "hotline": "96110", "hotline_tel": "tel:96110"}


def _act_on(session: GatewaySession, replies: list[Reply], out: list[dict[str, Any]]) -> None:
    """What the channel does with the reply fields: alert staff, offer a person, queue a handoff."""
    risk = next((r.risk for r in replies if r.risk is not None), None)
    handoff = next((r.handoff for r in replies if r.handoff is not None), None)
    kiosk = session.channel == "kiosk"
    if risk is not None:
        for item in out:
            if item["risk"] is not None:
                if kiosk:
                    item["staff_alerted"] = True
                else:
                    item["call_person"] = call_person_route()
                    item["queued"] = True
    elif handoff is not None and not kiosk:
        # "转人工" on the web: the bank's number to tap and a waiting status, beside the queue entry below.
        for item in out:
            if item["handoff"] is not None:
                route = call_person_route()
                item["call_person"] = {"bank_phone": route["bank_phone"], "bank_tel": route["bank_tel"]}
                item["queued"] = True
    if kiosk:
        if risk is not None:
            get_book().alert(session.conversation_id, risk.kind, risk.family)
            get_book().add(session.conversation_id, "system", "疑似诈骗：已经拦下，请工作人员马上到客户身边")
        elif handoff is not None:
            get_book().add(session.conversation_id, "handoff", "客户要求转人工，请到客户身边")
        return
    if risk is not None or handoff is not None:
        get_queue().add(make_entry(
            "web", session.conversation_id, session.customer_name,
            "fraud" if risk is not None else (handoff.reason if handoff else "asked"),
            family=risk.family if risk else "", summary=handoff.summary if handoff else ""))


@router.post("/api/chat")
async def chat(request: Request) -> Response:
    """One turn: `{"text": "..."}` for what the customer typed or said, `{"payload": "..."}` for a button
    press, honoured only when the assistant offered that button in this conversation's last reply."""
    body = await read_body(request)
    if isinstance(body, JSONResponse):
        return body
    session = current(request)
    if session is None or not session.has_customer:
        return not_signed_in()
    payload = body.get("payload")
    shown: str
    if isinstance(payload, str) and payload:
        button = _button(session, payload)
        if button is None and plain_text(payload) == payload:
            # Words like "查余额" (a starter shown again after a reload): no more than typing them.
            button = {"payload": payload, "title": payload}
        if button is None:
            log.info("refused a button that was not offered: conversation=%s", session.conversation_id)
            return error(409, "CHOICE_EXPIRED", "这个按钮已经过期了。请看最新的问题，或者直接说您要办什么。")
        text, shown = button["payload"], f"（按了“{button['title']}”）"
    else:
        text = plain_text(str(body.get("text") or "").strip())
        shown = text
    if not text.strip():
        return error(422, "EMPTY", "请说一句话，或者点一个按钮。")
    if len(text) > MAX_TEXT:
        return error(422, "TOO_LONG", "这句话太长了，请说短一点。")
    session.touch()
    conversation_id = session.conversation_id
    get_store().save(session)
    kiosk = session.channel == "kiosk"
    if kiosk:
        # What went to the assistant, as the gateway knows it: the typed text, or the title of the offered
        # button whose payload it sent. Nothing the browser claims it showed.
        get_book().add(conversation_id, "customer", shown)
    replies = await turn(conversation_id, text, session.customer_token, session.channel)
    out = [reply.to_json() for reply in replies]
    if kiosk:
        for reply in replies:
            get_book().add(conversation_id, "assistant", reply.text)
            if reply.transfer_id and not reply.pending_id and not reply.receipt_transfer_id:
                note_held_at_kiosk(reply.transfer_id, session.staff_name)
    _act_on(session, replies, out)
    # The buttons now on screen; re-read the session (the turn was slow: it may have been signed out).
    latest = get_store().get(session.sid)
    if latest is not None and latest.conversation_id == conversation_id:
        with_buttons = [r for r in replies if r.buttons]
        _offer(latest, with_buttons[-1].buttons if with_buttons else [])
        get_store().save(latest)
        session = latest
    return JSONResponse({"replies": out, **session_json(session)})


@router.get("/api/transfers/{transfer_id}")
async def get_transfer(transfer_id: str, request: Request) -> Response:
    """A transfer for the printable receipt (the backend checks it is this customer's)."""
    session = current(request)
    if session is None or not session.has_customer:
        return not_signed_in()
    if not transfer_id.isdigit() or not 0 < int(transfer_id) < 2**31:
        return error(404, "NOT_FOUND", "没有找到这笔转账。")
    try:
        transfer = await backend_client.call("GET", f"/transfers/{int(transfer_id)}", token=session.customer_token)
    except backend_client.BackendError as err:
        return error(err.status, err.code, err.message)
    capitals = ""
    try:
        capitals = to_capitals(str(transfer.get("amount")))
    except Exception:  # a receipt without capitals is still a receipt
        capitals = ""
    when = transfer.get("executed_at") or transfer.get("created_at") if isinstance(transfer, dict) else None
    out = {"transfer": transfer, "amount_capitals": capitals, "customer_name": session.customer_name,
           "time_local": local_time(when), "printed_at": local_time(None)}
    if isinstance(transfer, dict) and transfer.get("arrives_at"):  # a delayed arrival (issue 12)
        out["arrives_local"] = local_time(transfer["arrives_at"])
    if request.query_params.get("decision") == "1" and isinstance(transfer, dict):
        decision = decision_text(transfer, capitals)
        if decision:
            out["decision"] = {"text": decision, "key_figure": f"{transfer.get('amount')}元",
                               "audio_url": await audio_url_async(decision, None, 1.0, "mp3",
                                                                  f"{transfer.get('amount')}元")}
    return JSONResponse(out)


@router.get("/api/bill-payments/{bill_payment_id}")
async def get_bill_payment(bill_payment_id: str, request: Request) -> Response:
    """A bill payment's receipt (web receipt, kiosk print): the backend's record, the 户号 masked."""
    session = current(request)
    if session is None or not session.has_customer:
        return not_signed_in()
    if not bill_payment_id.isdigit() or not 0 < int(bill_payment_id) < 2**31:
        return error(404, "NOT_FOUND", "没有找到这笔缴费。")
    try:
        record = await backend_client.bill_payment(int(bill_payment_id), session.customer_token)
    except backend_client.BackendError as err:
        return error(err.status, err.code, err.message)
    return JSONResponse({"bill_payment": bill_receipt(record), "customer_name": session.customer_name,
                         "time_local": local_time(record.get("executed_at") or record.get("created_at")),
                         "printed_at": local_time(None)})


def _arrival_words(iso: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return ""
    return when_words(moment if moment.tzinfo else moment.replace(tzinfo=UTC), datetime.now(UTC))


def decision_text(transfer: dict[str, Any], capitals: str) -> str:
    """Staff's decision on a held transfer, worded like every amount message: who (with the relationship),
    the amount in digits and in capitals."""
    payee = as_dict(transfer.get("payee"))
    who = f"{payee.get('relationship') or ''}{payee.get('name') or ''}"
    amount = f"{transfer.get('amount')} 元" + (f"（{capitals}）" if capitals else "")
    if transfer.get("status") == "completed":
        return f"工作人员已经核对好了。\n已经给{who}转了 {amount}。"
    if transfer.get("status") == "scheduled":  # approved into a delayed arrival (issue 12): revocable until then
        arrives = _arrival_words(transfer.get("arrives_at"))
        return (f"工作人员已经核对好了。\n给{who}的 {amount}已经转出，" + (f"{arrives}到账。" if arrives else "还没到账。")
                + "\n到账以前还可以撤回。")
    if transfer.get("status") in ("rejected", "cancelled", "expired"):
        return f"工作人员没有通过这笔转账。\n给{who}的 {amount}没有转出。\n有疑问请问工作人员。"
    return ""


@router.get("/api/transfers")
async def recent_transfers(request: Request) -> Response:
    """This customer's recent transfers, for the receipt when a reply did not name its transfer."""
    session = current(request)
    if session is None or not session.has_customer:
        return not_signed_in()
    try:
        items = await backend_client.call("GET", "/transfers", token=session.customer_token)
    except backend_client.BackendError as err:
        return error(err.status, err.code, err.message)
    return JSONResponse({"items": (items or [])[:5]})
