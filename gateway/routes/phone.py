"""Twilio voice webhooks: the phone line of Anxin.

A call: /voice/incoming -> PIN on the keypad (checked by the backend against the calling number) -> turns
through the common `gateway.conversation.turn` on /voice/gather -> <Dial> to staff or <Hangup>.
Keys work everywhere: 1 是, 2 否 (or the reply's buttons in order), 0 转人工, * 重听.

Every request must carry a valid X-Twilio-Signature; anything else gets 403 before it touches a call.
Nothing the caller types or says is logged: the PIN is typed here, and speech may hold account details.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Gather, VoiceResponse

from gateway import backend_client
from gateway import phone_texts as P
from gateway.calls import (
    CallState,
    Spoken,
    Stage,
    call_store,
    caller_key,
    caller_phone,
    handoffs,
    holds_pin,
    mask_phone,
    remember_pin,
)
from gateway.config import PhoneSettings, get_phone_settings
from gateway.conversation import Reply, plain_text, turn
from gateway.receipts import spoken_receipts
from gateway.routes.audio import audio_url_async
from gateway.staff_queue import get_queue, make_entry
from voice.prosody import build_plan, find_key_figure

router = APIRouter(prefix="/voice")
log = logging.getLogger("anxin.gateway.phone")

LANG = "zh-CN"
_PIN = re.compile(r"^\d{6}$")
_FINAL_CALL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}
# After a fraud stop's warning: a person, at once, by key or by word (the line's own sentence).
FRAUD_OFFER = "如果您想和工作人员说一说，请按0，或者说“转人工”。\n要继续，请按1。"
# Phrases Twilio's zh-CN recogniser should expect (its `hints`): the assistant's words, not free Chinese.
SPEECH_HINTS = ("查余额", "转账", "存定期", "转人工", "是", "否", "对", "不对", "再说一遍", "说慢点", "算了", "再见")
GREET_INTENT = "/greet"  # Rasa's REST channel reads "/intent" as that intent, no NLU guess
HANDOFF_INTENT = "/human_handoff"


# ---------------------------------------------------------------- signature and URLs

def _public_base(request: Request, settings: PhoneSettings) -> str:
    """scheme://host[/prefix] as Twilio reaches this gateway."""
    if settings.phone_public_url:
        return settings.phone_public_url.rstrip("/")
    scheme, host = request.url.scheme, request.headers.get("host", request.url.netloc)
    if settings.twilio_trust_forwarded:
        scheme = request.headers.get("x-forwarded-proto", scheme).split(",")[0].strip() or scheme
        host = request.headers.get("x-forwarded-host", host).split(",")[0].strip() or host
    return f"{scheme}://{host}"


def _signed_url(request: Request, settings: PhoneSettings) -> str:
    url = _public_base(request, settings) + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


async def _twilio_params(request: Request) -> dict[str, str]:
    """The form Twilio posted, only if its signature is right (else 403, and nothing else happens)."""
    settings = get_phone_settings()
    signature = request.headers.get("x-twilio-signature", "")
    if not signature:
        log.warning("rejected an unsigned phone webhook (%s)", request.url.path)
        raise HTTPException(status_code=403, detail="forbidden")
    try:
        form = await request.form()
    except Exception as exc:  # malformed body: treat like an unsigned request
        raise HTTPException(status_code=403, detail="forbidden") from exc
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    if not RequestValidator(settings.twilio_auth_token).validate(_signed_url(request, settings), params, signature):
        log.warning("rejected a phone webhook with a wrong signature (%s)", request.url.path)
        raise HTTPException(status_code=403, detail="forbidden")
    return params


def _twiml(resp: VoiceResponse) -> Response:
    return Response(content=str(resp), media_type="application/xml")


# ---------------------------------------------------------------- speaking

def _own(state: CallState, text: str) -> Spoken:
    """One of the line's own sentences, at the pace the caller chose with the assistant ("说慢点")."""
    return Spoken(text, rate=state.speech_rate)


def _say_text(item: Spoken) -> str:
    """What Twilio's own voice reads when ours failed: the same words, key figure repeated, choices spoken."""
    try:
        return build_plan(item.text, item.buttons or None, item.key_figure).text
    except Exception:  # the normaliser must not cost the caller the reply
        return item.text


async def _speak(into: VoiceResponse | Gather, base: str, items: list[Spoken]) -> None:
    """<Play> of our own 8 kHz audio; <Say language="zh-CN"> when synthesis failed."""
    for item in items:
        url = await audio_url_async(item.text, item.buttons, item.rate, "wav", item.key_figure)
        if url:
            into.play(base + url)
        else:
            into.say(_say_text(item), language=LANG)


def _gather_for(state: CallState, base: str, settings: PhoneSettings) -> Gather:
    common: dict[str, Any] = {"action": f"{base}/voice/gather", "method": "POST", "language": LANG,
                              "action_on_empty_result": True}
    if state.stage == Stage.PIN:
        # The PIN: keypad only, never speech.
        return Gather(input="dtmf", num_digits=6, finish_on_key="#", timeout=settings.pin_timeout_s, **common)
    if state.stage == Stage.OFFER:
        return Gather(input="dtmf speech", num_digits=1, timeout=settings.gather_timeout_s,
                      speech_timeout=settings.speech_end_s, hints="转人工,人工,继续", **common)
    extra: dict[str, Any] = {"num_digits": 1} if state.choices else {}  # no choice: amounts end with #
    hints = ",".join(dict.fromkeys([*state.choice_titles, *SPEECH_HINTS]))
    return Gather(input="speech dtmf", finish_on_key="#", timeout=settings.gather_timeout_s,
                  speech_timeout=settings.speech_end_s, hints=hints, **common, **extra)


async def _prompt(state: CallState, base: str, items: list[Spoken], lead: list[Spoken] | None = None) -> Response:
    """Says `lead` then `items` inside a Gather; `items` becomes what * repeats."""
    settings = get_phone_settings()
    state.last_prompt = list(items)
    resp = VoiceResponse()
    gather = _gather_for(state, base, settings)
    await _speak(gather, base, (lead or []) + items)
    resp.append(gather)
    # Only reached if Twilio ignores actionOnEmptyResult: comes back as silence.
    resp.redirect(f"{base}/voice/gather", method="POST")
    return _twiml(resp)


async def _hang_up(state: CallState | None, base: str, items: list[Spoken]) -> Response:
    resp = VoiceResponse()
    await _speak(resp, base, items)
    resp.hangup()
    if state is not None:
        state.stage, state.ended = Stage.DONE, True
        call_store().end(state.call_sid)
    return _twiml(resp)


async def _handoff(state: CallState, base: str, reason: str, summary: str = "",
                   before: list[Spoken] | None = None) -> Response:
    settings = get_phone_settings()
    handoffs.add(state, reason, summary)
    get_queue().add(make_entry("phone", state.sender, state.customer_name, "fraud" if state.risk_family else "asked",
                               family=state.risk_family, summary=summary or reason, contact=mask_phone(state.phone)))
    state.stage = Stage.DONE
    state.token = None  # staff take over; the assistant does not act for this call any more
    if not settings.staff_phone:
        return await _hang_up(state, base, (before or []) + [_own(state, P.NO_STAFF + P.GOODBYE)])
    resp = VoiceResponse()
    await _speak(resp, base, (before or []) + [_own(state, P.TRANSFERRING)])
    resp.dial(settings.staff_phone, action=f"{base}/voice/dial-done", method="POST",
              timeout=settings.dial_timeout_s)
    return _twiml(resp)


# ---------------------------------------------------------------- the call

async def _start(sid: str, from_: str | None, base: str) -> tuple[CallState, Response]:
    phone = caller_phone(from_)
    state = call_store().start(sid, phone)
    log.info("call started: call=%s phone=%s", state.sender, mask_phone(phone))
    if phone is None:
        state.stage = Stage.OFFER
        return state, await _prompt(state, base, [_own(state, P.WELCOME + P.UNKNOWN_CALLER + P.OFFER_PERSON_ONLY)])
    return state, await _prompt(state, base, [_own(state, P.WELCOME + P.ASK_PIN)])


async def _on_silence(state: CallState, base: str) -> Response:
    state.silences += 1
    if state.stage == Stage.OFFER:
        if state.silences >= 2:
            log.info("call ended after silence: call=%s", state.sender)
            return await _hang_up(state, base, [_own(state, P.SILENT_GOODBYE)])
        return await _prompt(state, base, state.last_prompt, lead=[_own(state, P.STILL_THERE)])
    if state.silences <= 2:
        return await _prompt(state, base, state.last_prompt, lead=[_own(state, P.STILL_THERE)])
    state.resume_stage, state.stage, state.silences = state.stage, Stage.OFFER, 0
    return await _prompt(state, base, [_own(state, P.OFFER_PERSON)])


async def _on_pin(state: CallState, base: str, digits: str, spoke: bool) -> Response:
    settings = get_phone_settings()
    if spoke and not digits:
        return await _prompt(state, base, [_own(state, P.SPOKEN_PIN + P.ASK_PIN)])
    if not _PIN.match(digits):
        return await _prompt(state, base, [_own(state, P.PIN_FORMAT + P.PIN_RETRY)])
    try:
        # The caller's own bucket for the sign-in limits (the backend trusts the header from the gateway only).
        session = await backend_client.call("POST", "/auth/login", json={"phone": state.phone, "pin": digits},
                                            headers={"X-Anxin-Caller": caller_key(state.phone or "")})
    except backend_client.BackendError as err:
        log.info("phone sign-in refused: call=%s code=%s", state.sender, err.code)
        if err.status == 401:
            state.pin_failures += 1
            if state.pin_failures < settings.max_pin_failures:
                return await _prompt(state, base, [_own(state, err.message + P.PIN_RETRY)])
            state.stage, state.resume_stage = Stage.OFFER, None
            too_many = P.pin_too_many(settings.max_pin_failures)
            return await _prompt(state, base, [_own(state, too_many + P.OFFER_PERSON_ONLY)])
        # Locked, rate-limited or backend down: the backend's own sentence, then a person.
        state.stage, state.resume_stage = Stage.OFFER, None
        return await _prompt(state, base, [_own(state, err.message + P.OFFER_PERSON_ONLY)])
    token = session.get("access_token") if isinstance(session, dict) else None
    if not token:
        state.stage, state.resume_stage = Stage.OFFER, None
        return await _prompt(state, base, [_own(state, backend_client.UNAVAILABLE_MESSAGE + P.OFFER_PERSON_ONLY)])
    state.token = token
    remember_pin(state, digits)
    state.customer_name = str((session.get("customer") or {}).get("name") or "")
    state.stage, state.pin_failures = Stage.TALK, 0
    log.info("phone sign-in: call=%s", state.sender)
    # The assistant's own greeting follows, with its choices as keys (1 查余额, 2 转账 ...).
    hello = _own(state, P.SIGNED_IN.format(name=state.customer_name or "您"))
    return await _converse(state, base, GREET_INTENT, lead=[hello])


def _text_for_keys(state: CallState, digits: str) -> str:
    """Keys in a conversation: the reply's buttons in order, else 1 是 / 2 否, else the digits (an amount)."""
    if len(digits) == 1 and digits.isdigit() and 1 <= int(digits) <= len(state.choices):
        return state.choices[int(digits) - 1]
    if digits == "1":
        return "是"
    if digits == "2":
        return "否"
    return re.sub(r"\D", "", digits)


async def _on_talk(state: CallState, base: str, digits: str, speech: str) -> Response:
    if holds_pin(state, digits) or holds_pin(state, speech):
        # Typed or said again out of habit: the assistant (and its tracker) must never receive it.
        return await _prompt(state, base, state.last_prompt or [_own(state, P.CONTINUE)],
                             lead=[_own(state, P.PIN_NOT_AGAIN)])
    # Speech is words only: never an "/intent{...}" of the caller's (the keys map to offered choices).
    text = _text_for_keys(state, digits) if digits else plain_text(speech)
    if not text:
        return await _prompt(state, base, state.last_prompt or [_own(state, P.CONTINUE)])
    if text == HANDOFF_INTENT:  # the "转人工" choice on the keypad: no need to ask the assistant
        return await _handoff(state, base, "来电客户选择转人工")
    return await _converse(state, base, text)


async def _converse(state: CallState, base: str, text: str, lead: list[Spoken] | None = None) -> Response:
    """One turn with the assistant, then: handoff -> <Dial>, goodbye -> <Hangup>, else the next <Gather>."""
    replies = await turn(state.sender, text, state.token, channel="phone", audio_format="wav")
    items: list[Spoken] = []
    for r in replies:
        if r.text:
            items.append(Spoken(r.text, [b["title"] for b in r.buttons], r.speech_rate, _key_figure(r)))
        # A bill paid (reply field `receipt`): its receipt is said right after it (before any next question),
        # from the backend's record.
        if r.receipt_bill_payment_id:
            said = await spoken_receipts([r.receipt_bill_payment_id], state.token)
            items += [Spoken(text, rate=r.speech_rate) for text in said]
    if items and not items[-1].buttons and any(i.key_figure or find_key_figure(i.text) for i in items):
        # Guide: after a key figure, always offer to hear it again (a choice would follow it otherwise).
        items.append(Spoken(P.HEAR_AGAIN, rate=items[-1].rate))
    if replies:
        state.speech_rate = replies[-1].speech_rate
    with_buttons = [r for r in replies if r.buttons]
    last_buttons = with_buttons[-1].buttons if with_buttons else []
    state.choices = [b["payload"] or b["title"] for b in last_buttons]
    state.choice_titles = [b["title"] for b in last_buttons if b["title"]]
    # The reply's fields decide (docs/contracts.md, reply contract), never its wording.
    risk = next((r.risk for r in replies if r.risk is not None), None)
    handoff = next((r.handoff for r in replies if r.handoff is not None), None)
    if risk is not None:
        # A fraud stop: the warning, then a person offered at once (0 or "转人工" -> <Dial>), and staff told.
        state.risk_family = risk.family
        get_queue().add(make_entry("phone", state.sender, state.customer_name, "fraud", family=risk.family,
                                   summary=handoff.summary if handoff else "", contact=mask_phone(state.phone)))
        log.info("fraud stop on the phone: call=%s family=%s", state.sender, risk.family)
        state.resume_stage, state.stage = Stage.TALK, Stage.OFFER
        return await _prompt(state, base, [*items, _own(state, FRAUD_OFFER)], lead=lead)
    if handoff is not None:
        return await _handoff(state, base, "助手转人工", handoff.summary, before=(lead or []) + items)
    if any(r.end_call for r in replies):
        log.info("call ended by the assistant's goodbye: call=%s", state.sender)
        return await _hang_up(state, base, (lead or []) + items)
    return await _prompt(state, base, items or [_own(state, P.CONTINUE)], lead=lead)


def _key_figure(reply: Reply) -> str | None:
    return reply.key_figure


async def _on_offer(state: CallState, base: str, digits: str, speech: str) -> Response:
    if "人工" in speech:
        return await _handoff(state, base, _asked(state))
    if digits == "1" and state.resume_stage is not None:
        state.stage, state.resume_stage = state.resume_stage, None
        if state.stage == Stage.PIN:
            return await _prompt(state, base, [_own(state, P.ASK_PIN)])
        return await _prompt(state, base, [_own(state, P.CONTINUE)])
    return await _prompt(state, base, state.last_prompt)


# ---------------------------------------------------------------- webhooks

def _sid(params: dict[str, str]) -> str:
    sid = params.get("CallSid", "")
    if not sid:
        raise HTTPException(status_code=400, detail="CallSid is required")
    return sid


def _persist(state: CallState) -> None:
    if not state.ended:
        call_store().save(state)


async def _broken_line(base: str) -> Response:
    return await _hang_up(None, base, [Spoken(P.STAFF_MISSED + P.GOODBYE)])


@router.post("/incoming")
async def incoming(request: Request) -> Response:
    params = await _twilio_params(request)
    base = _public_base(request, get_phone_settings())
    sid = _sid(params)
    try:
        state, resp = await _start(sid, params.get("From"), base)
        _persist(state)
        return resp
    except Exception:
        # Never a 500 to Twilio (the caller would hear its English error message).
        log.exception("phone line failed at the start of a call")
        return await _broken_line(base)


@router.post("/gather")
async def gather(request: Request) -> Response:
    params = await _twilio_params(request)
    base = _public_base(request, get_phone_settings())
    sid = _sid(params)
    state: CallState | None = None
    try:
        state = call_store().get(sid)
        if state is None:  # a call we do not know (state expired or lost): start again, sign in anew
            state, resp = await _start(sid, params.get("From"), base)
        else:
            resp = await _turn(state, base, params)
        _persist(state)
        return resp
    except Exception:
        log.exception("phone line failed during a turn: call=%s", state.sender if state else "?")
        if state is None or state.ended:
            return await _broken_line(base)
        try:  # a person can still help: hand over
            resp = await _handoff(state, base, "电话线路出错")
            _persist(state)
            return resp
        except Exception:
            log.exception("phone line could not hand over: call=%s", state.sender)
            return await _broken_line(base)


async def _turn(state: CallState, base: str, params: dict[str, str]) -> Response:
    if state.stage == Stage.DONE:
        return await _hang_up(state, base, [_own(state, P.GOODBYE)])
    digits = (params.get("Digits") or "").strip()
    speech = (params.get("SpeechResult") or "").strip()
    if not digits and not speech:
        return await _on_silence(state, base)
    state.silences = 0
    if "*" in digits:
        return await _prompt(state, base, state.last_prompt or [_own(state, P.CONTINUE)])
    if digits == "0" or (state.stage == Stage.OFFER and "人工" in speech):
        return await _handoff(state, base, _asked(state))
    if state.stage == Stage.PIN:
        return await _on_pin(state, base, digits, spoke=bool(speech))
    if state.stage == Stage.OFFER:
        return await _on_offer(state, base, digits, speech)
    return await _on_talk(state, base, digits, speech)


def _asked(state: CallState) -> str:
    return "疑似诈骗，来电客户要转人工" if state.risk_family else "来电客户要求转人工"


def _forget(sid: str) -> None:
    try:
        call_store().end(sid)
    except Exception:  # the state expires by itself; the caller must still hear the end of the call
        log.exception("could not forget a finished call")


@router.post("/dial-done")
async def dial_done(request: Request) -> Response:
    """After <Dial>: staff talked (hang up) or did not answer (apologise, hang up)."""
    params = await _twilio_params(request)
    base = _public_base(request, get_phone_settings())
    _forget(_sid(params))
    if params.get("DialCallStatus") == "completed":
        return await _hang_up(None, base, [])
    return await _hang_up(None, base, [Spoken(P.STAFF_MISSED + P.GOODBYE)])


@router.post("/status")
async def status(request: Request) -> Response:
    """Twilio's status callback: a finished call forgets its state (and the customer's token)."""
    params = await _twilio_params(request)
    if params.get("CallStatus") in _FINAL_CALL_STATUSES:
        _forget(_sid(params))
    return _twiml(VoiceResponse())
