""""刚才那笔撤回" / "那笔钱不转了": taking back a delayed-arrival transfer before it arrives (issue 12).

`action_revoke_start` finds the customer's latest `scheduled` transfer (GET /transfers?status=scheduled: it has
left her account and waits in transit until `arrives_at`). Found: `revoke_form` asks one thing, the confirm-last
read-back rendered from the bank's record (payee, amount in figures and capitals, when it would arrive) and
"要撤回这笔吗？"; "是" posts /transfers/{id}/revoke and says the money is back in her account, "不" says when it
arrives. Nothing to revoke: said plainly from her latest transfer (already arrived: it cannot be taken back, a
person is offered; still with staff: not sent yet). Only the bank's answer is ever reported: a revoke that got no
answer is "not known yet", never "done".
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import (
    BackendClient,
    BackendError,
    BackendNoAnswer,
    BackendRefused,
    NotSignedIn,
    _path_id,
    turn_key,
)
from actions.common import button, capitals, digits, say, speech_rate, token_of, yuan
from actions.revoke_texts import BUTTON_NO, BUTTON_PERSON, BUTTON_YES, REVOKE_TEXTS
from rules.arrival import when_words

SCHEDULED = "scheduled"
SLOTS = ("revoke_transfer_id", "revoke_confirmed")


class RevokeClient(BackendClient):
    """The backend client with the three calls of a revoke (docs/contracts.md, 延时到账)."""

    async def scheduled_transfers(self) -> list[dict[str, Any]]:
        return await self._request("GET", "/transfers?status=scheduled")

    async def recent_transfers(self) -> list[dict[str, Any]]:
        return await self._request("GET", "/transfers")

    async def revoke_transfer(self, transfer_id: Any) -> dict[str, Any]:
        return await self._request("POST", f"/transfers/{_path_id(transfer_id)}/revoke")


def client(tracker: Tracker) -> RevokeClient:
    return RevokeClient(token_of(tracker), turn=turn_key(tracker))


def reply(dispatcher: CollectingDispatcher, tracker: Tracker, key: str, buttons: list[dict[str, str]] | None = None,
          custom: dict[str, Any] | None = None, **values: Any) -> None:
    dispatcher.utter_message(text=REVOKE_TEXTS[key].format(**values), buttons=buttons or [],
                             json_message={"speech_rate": speech_rate(tracker), **(custom or {})})


def person_button() -> list[dict[str, str]]:
    return [button(BUTTON_PERSON, "human_handoff")]


def payee_words(record: dict[str, Any]) -> str:
    payee = record.get("payee") or {}
    return f"{payee.get('relationship') or ''}{payee.get('name') or ''}" or "对方"


def arrival_words(record: dict[str, Any]) -> str:
    try:
        moment = datetime.fromisoformat(str(record.get("arrives_at")).replace("Z", "+00:00"))
    except ValueError:
        return "按时"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return when_words(moment, datetime.now(timezone.utc))


def figures(record: dict[str, Any]) -> dict[str, Any]:
    amount = yuan(record.get("amount"))
    if amount is None:
        return {"amount": "", "capitals": "", "payee": payee_words(record)}
    return {"amount": digits(amount), "capitals": capitals(amount), "payee": payee_words(record)}


def about(record: dict[str, Any]) -> dict[str, Any]:
    """The reply fields of a reply about this transfer (docs/contracts.md, reply contract)."""
    amount = yuan(record.get("amount"))
    custom: dict[str, Any] = {"transfer_id": record.get("id")}
    if amount is not None:
        custom["key_figure"] = f"{digits(amount)}元"
    return custom


def outcome(value: str) -> list[EventType]:
    return [SlotSet("outcome", value)]


def trouble(dispatcher: CollectingDispatcher, tracker: Tracker, exc: BackendError, write: bool = False) -> str:
    """Says what went wrong with the bank and returns the outcome. Only a revoke sent without an answer is
    `unknown` (it may have been done); a read that failed is the bank being down."""
    if isinstance(exc, NotSignedIn):
        say(dispatcher, tracker, "utter_not_signed_in")
        return "not_signed_in"
    if isinstance(exc, BackendRefused):
        if exc.code == "NOT_REVOCABLE":
            reply(dispatcher, tracker, "arrived_meanwhile", buttons=person_button())
        else:
            reply(dispatcher, tracker, "refused", message=exc.message)
        return "refused"
    if write and isinstance(exc, BackendNoAnswer):
        reply(dispatcher, tracker, "unknown")
        return "unknown"
    say(dispatcher, tracker, "utter_backend_down")
    return "backend_down"


class ActionRevokeStart(Action):
    def name(self) -> str:
        return "action_revoke_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        cleared = [SlotSet(slot, None) for slot in SLOTS]
        try:
            bank = client(tracker)
            scheduled = await bank.scheduled_transfers()
            if scheduled:
                return [*cleared, SlotSet("revoke_transfer_id", str(scheduled[0]["id"])), *outcome("ready")]
            recent = await bank.recent_transfers()
        except BackendError as exc:
            return [*cleared, *outcome(trouble(dispatcher, tracker, exc))]
        latest = recent[0] if recent else {}
        status = latest.get("status")
        if status == "completed":
            reply(dispatcher, tracker, "arrived", buttons=person_button(), custom=about(latest), **figures(latest))
        elif status == "revoked":
            reply(dispatcher, tracker, "already_revoked", custom=about(latest), **figures(latest))
        elif status in ("held", "pending"):
            reply(dispatcher, tracker, "held", buttons=person_button(), custom=about(latest), **figures(latest))
        else:
            reply(dispatcher, tracker, "nothing", buttons=person_button())
        return [*cleared, *outcome("refused")]


class ActionAskRevokeConfirmed(Action):
    """The confirm-last read-back, from the bank's record of the transfer."""

    def name(self) -> str:
        return "action_ask_revoke_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        transfer_id = tracker.get_slot("revoke_transfer_id")
        try:
            record = await client(tracker).transfer(transfer_id)
        except BackendError as exc:
            trouble(dispatcher, tracker, exc)
            return []
        # Arrived in the moment since the start: the read-back still says what the bank says; "是" then hears
        # that it arrived (the bank refuses the revoke).
        reply(dispatcher, tracker, "readback", custom=about(record),
              buttons=[button(BUTTON_YES, "affirm"), button(BUTTON_NO, "deny")],
              arrives=arrival_words(record), **figures(record))
        return []


class ActionRevokeSubmit(Action):
    def name(self) -> str:
        return "action_revoke_submit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        cleared = [SlotSet(slot, None) for slot in SLOTS]
        transfer_id = tracker.get_slot("revoke_transfer_id")
        if transfer_id is None:
            return [*cleared, *outcome("cancelled")]
        if tracker.get_slot("revoke_confirmed") is not True:
            try:
                record = await client(tracker).transfer(transfer_id)
            except BackendError:  # the no stands; only the arrival time is not known
                record = {}
            reply(dispatcher, tracker, "kept", custom=about(record) if record else {}, arrives=arrival_words(record),
                  payee=payee_words(record))
            return [*cleared, *outcome("cancelled")]
        try:
            record = await client(tracker).revoke_transfer(transfer_id)
        except BackendError as exc:
            return [*cleared, *outcome(trouble(dispatcher, tracker, exc, write=True))]
        if record.get("status") != "revoked":  # only the bank's answer is reported
            reply(dispatcher, tracker, "unknown")
            return [*cleared, *outcome("unknown")]
        # A receipt of the revoked transfer (kiosk print, web receipt): the customer's proof the money is back.
        receipt = {"receipt": {"kind": "transfer", "transfer_id": record["id"]}} if record.get("id") else {}
        reply(dispatcher, tracker, "done", custom={**about(record), **receipt}, **figures(record))
        return [*cleared, *outcome("completed")]
