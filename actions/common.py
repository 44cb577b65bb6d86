"""Helpers every skill uses: the token, the speech rate, replies with their custom payload, amounts."""
from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import money
from actions.backend_client import BackendClient, BackendError, BackendRefused, NotSignedIn, turn_key
from actions.texts import TEXTS
from rules import speech
from rules.redact import redact_digits

MSG_PREFIX = "msg_"
logger = logging.getLogger(__name__)


def token_of(tracker: Tracker) -> str | None:
    """The customer's token for this turn. It is read here and nowhere else, and never stored in a slot."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    token = metadata.get("token")
    return token if isinstance(token, str) and token else None


def client_for(tracker: Tracker) -> BackendClient:
    """Raises NotSignedIn when the message carries no token."""
    return BackendClient(token_of(tracker), turn=turn_key(tracker))  # reads memoised within the turn (issue 14)


async def listed(tracker: Tracker, read: Callable[[BackendClient], Awaitable[list[dict[str, Any]]]]
                 ) -> list[dict[str, Any]]:
    """What a question offers as buttons (payees, accounts ...); a read that fails asks without them."""
    try:
        return await read(client_for(tracker))
    except BackendError:
        return []


async def answer(dispatcher: CollectingDispatcher, tracker: Tracker,
                 reply: Callable[[BackendClient], Awaitable[None]], refused_response: str | None = None) -> list[Any]:
    """Runs an answer that reads from the bank and moves nothing (balance, products, pension ...).

    A failure is said instead: not signed in; a refusal in the bank's own sentence when the answer has words
    for it (`refused_response`, "{message}"), else as the bank being down; the bank down.
    """
    try:
        await reply(client_for(tracker))
    except NotSignedIn:
        say(dispatcher, tracker, "utter_not_signed_in")
    except BackendRefused as refused:
        if refused_response is None:
            say(dispatcher, tracker, "utter_backend_down")
        else:
            say(dispatcher, tracker, refused_response, message=refused.message)
    except BackendError:
        say(dispatcher, tracker, "utter_backend_down")
    return []


def speech_rate(tracker: Tracker) -> float:
    return speech.parse(tracker.get_slot("speech_rate"))


def say(dispatcher: CollectingDispatcher, tracker: Tracker, response: str,
        buttons: list[dict[str, str]] | None = None, custom: dict[str, Any] | None = None,
        rate: float | None = None, **values: Any) -> None:
    """Utters a reply (msg_* from actions/texts.py, utter_* from the domain) with its values, buttons, and the custom payload the voice layer reads.

    The payload is set here (not only by assistant.nlg) because a message sent by an action replaces the
    generated custom payload, and because an action that changes the rate must speak at the new rate.
    """
    payload = {"speech_rate": rate if rate is not None else speech_rate(tracker), **(custom or {})}
    if response.startswith(MSG_PREFIX):
        text = TEXTS[response[len(MSG_PREFIX):]].format(**values)
        dispatcher.utter_message(text=text, buttons=buttons or [], json_message=payload)
    else:
        dispatcher.utter_message(response=response, buttons=buttons or [], json_message=payload, **values)


def button(title: str, intent: str, **entities: Any) -> dict[str, str]:
    """A button whose payload goes straight to an intent (and entities), bypassing NLU."""
    if not entities:
        return {"title": title, "payload": f"/{intent}"}
    return {"title": title, "payload": f"/{intent}{json.dumps(entities, ensure_ascii=False)}"}


# The largest amount any reply says (money.to_capitals reads up to 亿 groups; no account holds more). Anything
# bigger is not a usable amount: a typed "/transfer_money{\"amount\":\"1e30\"}" must not make an action raise.
MAX_YUAN = Decimal("999999999999.99")


def yuan(value: Any) -> Decimal | None:
    """A decimal amount from a slot or an API field, exactly to the fen; never via float. None when it is not
    one, and None for anything finer than a fen: money.fen refuses to round, so the dialogue does too."""
    try:
        amount = Decimal(str(value))
        if not amount.is_finite() or abs(amount) > MAX_YUAN:
            return None
        return money.fen.quantize_yuan(amount)
    except (InvalidOperation, TypeError, ValueError, ArithmeticError):
        return None


def digits(amount: Decimal | str) -> str:
    """500 -> "500.00": two places, no thousands separators (they get misread aloud). Finer than a fen raises:
    every figure said comes from the bank in whole fen."""
    return f"{money.fen.quantize_yuan(Decimal(str(amount)))}"


def capitals(amount: Decimal | str) -> str:
    """500 -> "伍佰元整"; negative amounts are spoken as their size (the sign is said in words)."""
    return money.to_capitals(abs(Decimal(str(amount))))


def idempotency_key(kind: str, sender_id: str, form_id: str, *values: Any) -> str:
    """The same conversation, form and values always give the same key, so a repeated read-back makes one
    pending record; a changed value (another amount) gives another key and so a new record."""
    conversation = hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:24]
    if not values:
        return f"anxin-{kind}-{conversation}-{form_id}"
    what = hashlib.sha256("|".join(str(v) for v in values).encode("utf-8")).hexdigest()[:16]
    return f"anxin-{kind}-{conversation}-{form_id}-{what}"


# What the backend accepts as a transfer's context (docs/contracts.md, Round 8).
MAX_CONTEXT_CHARS = 2000


def flow_texts(tracker: Tracker, start_action: str) -> list[str]:
    """What the customer said in this money flow: the message that started it and every one since.

    Button payloads ("/inform{...}") are not words the customer said and are left out.
    """
    events = list(tracker.events)
    start = next((i for i in range(len(events) - 1, -1, -1)
                  if events[i].get("event") == "action" and events[i].get("name") == start_action), None)
    if start is None:
        users = [e for e in events if e.get("event") == "user"][-1:]
    else:
        before = [e for e in events[:start] if e.get("event") == "user"][-1:]
        users = before + [e for e in events[start:] if e.get("event") == "user"]
    return [str(e.get("text") or "") for e in users
            if e.get("text") and not str(e.get("text")).startswith("/")]


def flow_context(tracker: Tracker, start_action: str) -> str:
    """The flow's texts with every run of 4+ digits redacted, joined, the latest MAX_CONTEXT_CHARS kept."""
    text = "\n".join(redact_digits(t) for t in flow_texts(tracker, start_action))
    return text[-MAX_CONTEXT_CHARS:]


def entity_values(tracker: Tracker, name: str) -> list[str]:
    return [str(e.get("value")) for e in (tracker.latest_message or {}).get("entities", []) or []
            if e.get("entity") == name and e.get("value") is not None]


def first_entity(tracker: Tracker, name: str) -> str | None:
    values = entity_values(tracker, name)
    return values[0] if values else None


def latest_text(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "")


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def active_loop_name(tracker: Tracker) -> str | None:
    return (tracker.active_loop or {}).get("name")


def never_raises(action_class: type) -> type:
    """Makes an action's run() answer a plain apology instead of raising (issue 10 item 3).

    An exception in an action used to reach Rasa as a 500 carrying the whole request (the customer's token in
    its metadata) and left the customer in silence. The log line names the action and the exception type and
    carries the traceback, never the tracker. The apology says nothing about the money: a submit that failed
    after the bank answered may have moved it, and only the bank's answer is ever reported.
    """
    run = action_class.run
    if getattr(run, "_never_raises", False):
        return action_class

    @functools.wraps(run)
    async def guarded(self: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> list[Any]:
        try:
            return await run(self, dispatcher, tracker, domain)
        except Exception as exc:  # the whole point: no exception leaves an action
            logger.error("action %s failed: %s", self.name(), type(exc).__name__, exc_info=True)
            say(dispatcher, tracker, "msg_action_failed")
            return []

    guarded._never_raises = True  # type: ignore[attr-defined]
    action_class.run = guarded  # type: ignore[attr-defined]
    return action_class


def date_cn(iso: Any, year: bool = True) -> str:
    """"2027-11-27" -> "2027年11月27日" ("11月27日" without the year); a timestamp's date part the same."""
    text = str(iso or "")[:10]
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        day = f"{int(parts[1])}月{int(parts[2])}日"
        return f"{int(parts[0])}年{day}" if year else day
    return text
