"""The transfer skill: start, form (payee, amount, source account, confirm-last), submit.

The money only moves in ActionTransferSubmit, only after the customer said yes to a full read-back, and
with an Idempotency-Key made from the conversation and this form's id, so a repeated "是" pays once.
"""
from __future__ import annotations

import uuid
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.accounts import (
    account_label,
    extract_amount,
    extract_from_account,
    find_account,
    source_accounts,
)
from actions.backend_client import (
    BackendError,
    BackendNoAnswer,
    BackendRefused,
    NotSignedIn,
)
from actions.common import (
    button,
    capitals,
    client_for,
    digits,
    first_entity,
    idempotency_key,
    latest_intent,
    latest_text,
    say,
    speech_rate,
    yuan,
)
from actions.payees import match_payees, payee_label, spoken_name
from actions.scam import find_scam_phrase

FORM_SLOTS = ("payee_id", "payee_hint", "transfer_amount", "from_account_id", "transfer_confirmed",
              "transfer_stop")
# Intents that end the form through a rule (cancel, hand over) instead of answering its question.
LEAVING_INTENTS = ("cancel", "human_handoff")
# Intents under which words that match no payee were meant as a name ("给老张").
NAMING_INTENTS = ("inform", "transfer_money")
# Backend error codes that mean "not enough money" (the rest are refusals in the backend's words).
INSUFFICIENT = ("INSUFFICIENT_FUNDS",)
STOP_OUTCOMES = {"scam": "scam", "backend_down": "backend_down", "not_signed_in": "not_signed_in",
                 "no_payees": "refused"}


def reset_events() -> list[EventType]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


class ActionTransferStart(Action):
    """Clears the last transfer, checks sign-in, the backend and scam words, then lets the form run."""

    def name(self) -> str:
        return "action_transfer_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events = reset_events() + [SlotSet("transfer_form_id", uuid.uuid4().hex)]
        if find_scam_phrase(latest_text(tracker)):
            return events + [SlotSet("outcome", "scam")]
        try:
            client = client_for(tracker)
            payees = await client.payees()
            accounts = source_accounts(await client.accounts())
        except NotSignedIn:
            return events + [SlotSet("outcome", "not_signed_in")]
        except BackendError:
            return events + [SlotSet("outcome", "backend_down")]
        if not payees or not accounts:
            say(dispatcher, tracker, "msg_no_payees" if not payees else "msg_no_accounts")
            return events + [SlotSet("outcome", "refused")]
        if len(accounts) == 1:
            # One account to pay from: nothing to ask.
            events.append(SlotSet("from_account_id", str(accounts[0]["id"])))
        return events + [SlotSet("outcome", "ready")]


class ValidateTransferForm(FormValidationAction):
    def name(self) -> str:
        return "validate_transfer_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # Every message in the form passes the scam check first, whatever else it says.
        if find_scam_phrase(latest_text(tracker)):
            return [SlotSet("transfer_stop", "scam"), SlotSet("requested_slot", None)]
        intent = latest_intent(tracker)
        requested = tracker.get_slot("requested_slot")
        if intent in LEAVING_INTENTS or (intent == "deny" and requested not in (None, "transfer_confirmed")):
            return []
        hint_before = tracker.get_slot("payee_hint")
        try:
            events = await super().run(dispatcher, tracker, domain)
        except NotSignedIn:
            return [SlotSet("transfer_stop", "not_signed_in"), SlotSet("requested_slot", None)]
        except BackendError:
            return [SlotSet("transfer_stop", "backend_down"), SlotSet("requested_slot", None)]
        # rasa-sdk returns only the form's own slots; the hint extract_payee_id set is passed on here.
        if tracker.slots.get("payee_hint") != hint_before:
            events.insert(0, SlotSet("payee_hint", tracker.slots.get("payee_hint")))
        return events

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        return [] if tracker.get_slot("transfer_stop") else domain_slots

    async def extract_payee_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        chosen = first_entity(tracker, "payee_id")
        relationship = first_entity(tracker, "relationship")
        requested = tracker.get_slot("requested_slot")
        if chosen is None and relationship is None and requested not in (None, "payee_id"):
            return {}
        payees = await client_for(tracker).payees()
        if chosen is not None:
            known = any(str(p.get("id")) == chosen for p in payees)
            return {"payee_id": chosen if known else None, "payee_hint": None}
        text = latest_text(tracker)
        matches = match_payees(payees, relationship=relationship, text=text)
        if len(matches) == 1:
            return {"payee_id": str(matches[0]["id"]), "payee_hint": None}
        if len(matches) > 1:
            # Several fit (two sons): the question lists only those, as buttons.
            return {"payee_id": None, "payee_hint": relationship or text}
        if relationship is not None or (requested == "payee_id" and latest_intent(tracker) in NAMING_INTENTS):
            say(dispatcher, tracker, "msg_payee_not_found", hint=relationship or spoken_name(text))
            return {"payee_id": None, "payee_hint": None}
        # Not a name ("好的", noise): left to the rules, which count it as a misunderstanding.
        return {}

    async def extract_transfer_amount(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        return extract_amount(dispatcher, tracker, "transfer_amount", confirm_slot="transfer_confirmed")

    async def extract_from_account_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        return await extract_from_account(tracker, client_for(tracker))


class ActionAskPayeeId(Action):
    """"转给谁？" with the saved payees as buttons (only the ones that fit, when a word fitted several)."""

    def name(self) -> str:
        return "action_ask_payee_id"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            payees = await client_for(tracker).payees()
        except BackendError:
            payees = []
        hint = tracker.get_slot("payee_hint")
        candidates = match_payees(payees, relationship=hint, text=hint) if hint else []
        shown = candidates if len(candidates) > 1 else payees
        buttons = [button(payee_label(p), "inform", payee_id=str(p["id"])) for p in shown]
        dispatcher.utter_message(
            text="您要转给哪一位？" if len(candidates) > 1 else "转给谁？\n请说名字，或点下面的人。",
            buttons=buttons, json_message={"speech_rate": speech_rate(tracker)},
        )
        return []


class ActionAskFromAccountId(Action):
    def name(self) -> str:
        return "action_ask_from_account_id"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            accounts = source_accounts(await client_for(tracker).accounts())
        except BackendError:
            accounts = []
        buttons = [button(account_label(a), "inform", from_account_id=str(a["id"])) for a in accounts]
        dispatcher.utter_message(text="从哪个账户出钱？", buttons=buttons,
                                 json_message={"speech_rate": speech_rate(tracker)})
        return []


class ActionAskTransferConfirmed(Action):
    """The confirm-last read-back: who, how much in digits and capitals, from which account."""

    def name(self) -> str:
        return "action_ask_transfer_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        amount = yuan(tracker.get_slot("transfer_amount"))
        try:
            client = client_for(tracker)
            payees = await client.payees()
            accounts = await client.accounts()
        except NotSignedIn:
            return [SlotSet("transfer_stop", "not_signed_in"), SlotSet("requested_slot", None)]
        except BackendError:
            return [SlotSet("transfer_stop", "backend_down"), SlotSet("requested_slot", None)]
        payee = next((p for p in payees if str(p.get("id")) == str(tracker.get_slot("payee_id"))), None)
        account = find_account(accounts, tracker.get_slot("from_account_id"))
        if amount is None or payee is None or account is None:
            return [SlotSet("transfer_stop", "backend_down"), SlotSet("requested_slot", None)]
        text = (f"给{payee_label(payee)}转账{digits(amount)}元，\n{capitals(amount)}。\n"
                f"从{account_label(account)}出钱。\n对吗？")
        dispatcher.utter_message(
            text=text, buttons=[button("是", "affirm"), button("否", "deny")],
            json_message={"speech_rate": speech_rate(tracker), "key_figure": f"{digits(amount)}元"},
        )
        return []


class ActionTransferSubmit(Action):
    """Sends the confirmed transfer, and turns the answer into the `outcome` slot the rules read."""

    def name(self) -> str:
        return "action_transfer_submit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        outcome = await self._outcome(dispatcher, tracker)
        return reset_events() + [SlotSet("outcome", outcome)]

    async def _outcome(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> str:
        stop = tracker.get_slot("transfer_stop")
        if stop:
            return STOP_OUTCOMES.get(stop, "refused")
        if tracker.get_slot("transfer_confirmed") is not True:
            return "cancelled"
        amount = yuan(tracker.get_slot("transfer_amount"))
        form_id = tracker.get_slot("transfer_form_id")
        if amount is None or not form_id:
            return "cancelled"
        key = idempotency_key("transfer", tracker.sender_id, form_id)
        try:
            client = client_for(tracker)
            transfer = await client.create_transfer(key, tracker.get_slot("from_account_id"),
                                                    tracker.get_slot("payee_id"), digits(amount))
            if transfer.get("status") == "pending":
                # The customer already confirmed the read-back; the backend's own confirm step follows.
                transfer = await client.confirm_transfer(transfer["id"])
        except NotSignedIn:
            return "not_signed_in"
        except BackendRefused as refused:
            say(dispatcher, tracker, "msg_transfer_refused", message=refused.message)
            if refused.code in INSUFFICIENT:
                return "insufficient_funds"
            return "scam" if refused.code == "SCAM_SUSPECTED" else "refused"
        except BackendNoAnswer:
            return "unknown"
        except BackendError:
            return "backend_down"
        return _report(dispatcher, tracker, transfer)


def _report(dispatcher: CollectingDispatcher, tracker: Tracker, transfer: dict[str, Any]) -> str:
    status = transfer.get("status")
    amount = yuan(transfer.get("amount")) or yuan(tracker.get_slot("transfer_amount")) or 0
    if status == "completed":
        say(dispatcher, tracker, "msg_transfer_done", payee_label=payee_label(transfer.get("payee") or {}),
            amount=digits(amount), capitals=capitals(amount), custom={"key_figure": f"{digits(amount)}元"})
        return "completed"
    if status == "held":
        reason = {"NEW_PAYEE": "msg_hold_reason_new_payee", "LARGE_AMOUNT": "msg_hold_reason_large_amount"}
        if transfer.get("hold_reason") in reason:
            say(dispatcher, tracker, reason[transfer["hold_reason"]])
        return "held"
    if status == "pending":
        return "unknown"
    # rejected / cancelled: nothing moved.
    say(dispatcher, tracker, "msg_transfer_refused", message="钱没有转出。")
    return "refused"
