"""The transfer skill: start, form (payee, amount, source account, confirm-last), submit.

When every slot is filled, the read-back action creates a `pending` transfer at the bank (Idempotency-Key
from the conversation, the form id and the slot values) and reads back the record's own payee, amount and
account. "是" confirms exactly that record's id (ActionTransferSubmit): a slot changed afterwards cannot
change what moves, and a changed amount at the read-back makes a new pending record (the old one cancelled).
A scam story in any state is left to the stop rule (actions/fraud.py); the bank screens the flow's words too.
"""
from __future__ import annotations

import logging
import re
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
    BackendClient,
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
    flow_context,
    idempotency_key,
    latest_intent,
    latest_text,
    say,
    speech_rate,
    yuan,
)
from actions.fraud import is_scam_turn
from actions.payees import match_payees, payee_label, spoken_name
from actions.recipient import payee_relationship
from rules.fraud import pressure_markers

FORM_SLOTS = ("payee_id", "payee_hint", "transfer_amount", "from_account_id", "transfer_confirmed",
              "transfer_stop", "pending_transfer_id", "pending_transfer_key")
START_ACTION = "action_transfer_start"
# Intents that end the form through a rule (cancel, hand over) instead of answering its question.
LEAVING_INTENTS = ("cancel", "human_handoff")
# Intents under which words that match no payee were meant as a name ("给老张").
NAMING_INTENTS = ("inform", "transfer_money")
# Backend error codes that mean "not enough money" (the rest are refusals in the backend's words).
INSUFFICIENT = ("INSUFFICIENT_FUNDS",)
# Why the form ended before a yes (transfer_stop) -> the outcome the rules answer. "completed"/"held" only
# when the bank did not keep the record pending (an older bank); it has been reported already then.
STOP_OUTCOMES = {"scam": "scam", "backend_down": "backend_down", "not_signed_in": "not_signed_in",
                 "no_payees": "refused", "refused": "refused", "insufficient_funds": "insufficient_funds",
                 "unknown": "unknown", "completed": "completed", "held": "held"}


# The sentence the bank ends a held transfer's message with when the customer has a family contact.
FAMILY_CALL = re.compile(r"银行工作人员会给[^。]{1,40}打电话确认。")

logger = logging.getLogger(__name__)


def reset_events() -> list[EventType]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


class ActionTransferStart(Action):
    """Clears the last transfer, checks sign-in and the backend, then lets the form run.

    After a fraud stop nothing more is sent to the bank in this conversation (issue 9): the customer is told
    why and offered a person.
    """

    def name(self) -> str:
        return START_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events = reset_events() + [SlotSet("transfer_form_id", uuid.uuid4().hex)]
        if tracker.get_slot("fraud_stopped"):
            say(dispatcher, tracker, "msg_after_fraud_stop", buttons=[button("转人工", "human_handoff")])
            return events + [SlotSet("outcome", "refused")]
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
        # A scam story changes nothing, not even an amount it mentions ("叫我先转两千给他侄子" at a read-back):
        # the form rejects the turn and the stop rule runs.
        if is_scam_turn(tracker):
            return []
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
        relationship = payee_relationship(tracker)
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
    """The confirm-last read-back, rendered from the bank's pending record: who, how much in digits and
    capitals, from which account. The record's id goes into `pending_transfer_id` and the reply's custom."""

    def name(self) -> str:
        return "action_ask_transfer_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("fraud_stopped"):
            return [SlotSet("transfer_stop", "refused"), SlotSet("requested_slot", None)]
        amount = yuan(tracker.get_slot("transfer_amount"))
        payee_id = tracker.get_slot("payee_id")
        account_id = tracker.get_slot("from_account_id")
        form_id = tracker.get_slot("transfer_form_id")
        if amount is None or amount <= 0 or not payee_id or not account_id or not form_id:
            return _stop("refused")
        key = idempotency_key("transfer", tracker.sender_id, form_id, payee_id, digits(amount), account_id)
        context = flow_context(tracker, START_ACTION)
        events: list[EventType] = []
        try:
            client = client_for(tracker)
            previous = tracker.get_slot("pending_transfer_id")
            if previous and tracker.get_slot("pending_transfer_key") == key:
                # Asked again (after "再说一遍", a misunderstanding): the same record, read from the bank. Not
                # POSTed again: the context has grown since, and the same key with another body is refused.
                record = await client.transfer(previous)
            else:
                if previous:
                    # The customer changed something at the read-back: the old record must never be confirmed.
                    await _cancel_quietly(client, previous)
                    events.append(SlotSet("pending_transfer_id", None))
                record = await client.create_transfer(key, account_id, payee_id, digits(amount), context=context,
                                                      require_confirmation=True)
            accounts = await client.accounts()
        except NotSignedIn:
            return events + _stop("not_signed_in")
        except BackendRefused as refused:
            if refused.code == "SCAM_SUSPECTED":
                return events + _stop("scam")
            say(dispatcher, tracker, "msg_transfer_refused", message=refused.message)
            return events + _stop("insufficient_funds" if refused.code in INSUFFICIENT else "refused")
        except BackendError:
            # Nothing was confirmed: at worst a pending record waits at the bank until it expires.
            return events + _stop("backend_down")
        if record.get("status") != "pending":
            # Expired or cancelled meanwhile, or a bank that did not keep it pending: report it, ask nothing.
            return events + [SlotSet("pending_transfer_id", None)] + _stop(_report(dispatcher, tracker, record))
        record_amount = yuan(record.get("amount"))
        payee = record.get("payee") or {}
        account = find_account(accounts, record.get("from_account_id"))
        record_id = record.get("id")
        if record_amount is None or not payee or account is None or not str(record_id or "").isdigit():
            await _cancel_quietly(client, record_id)
            return events + _stop("backend_down")
        # A soft signal (someone urging haste or secrecy, rules.fraud.pressure_markers) is no stop on its
        # own: one plain sentence more in the read-back, no extra question (issue 9, false alarms).
        careful = "有人催您或叫您保密，\n就先别转，打96110问问。\n" if pressure_markers(context) else ""
        text = (f"给{payee_label(payee)}转账{digits(record_amount)}元，\n{capitals(record_amount)}。\n"
                f"从{account_label(account)}出钱。\n{careful}对吗？")
        dispatcher.utter_message(
            text=text, buttons=[button("是", "affirm"), button("否", "deny")],
            json_message={"speech_rate": speech_rate(tracker), "key_figure": f"{digits(record_amount)}元",
                          "transfer_id": int(record_id), "pending_id": int(record_id)},
        )
        return [*events, SlotSet("pending_transfer_id", str(record_id)), SlotSet("pending_transfer_key", key)]


def _stop(why: str) -> list[EventType]:
    return [SlotSet("transfer_stop", why), SlotSet("requested_slot", None)]


async def _cancel_quietly(client: BackendClient, transfer_id: Any) -> None:
    """Cancels a pending transfer; a failure is only logged (the record expires at the bank anyway)."""
    if not transfer_id:
        return
    try:
        await client.cancel_transfer(transfer_id)
    except BackendError as exc:
        logger.warning("pending transfer not cancelled: %s", type(exc).__name__)


class ActionTransferSubmit(Action):
    """Confirms the pending record the customer said yes to, and turns the answer into the `outcome` slot."""

    def name(self) -> str:
        return "action_transfer_submit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        outcome = await self._outcome(dispatcher, tracker)
        events = reset_events()
        if outcome == "scam":
            # The bank saw a scam the dialogue did not: the rule runs action_fraud_stop next, which needs the
            # pending record's id to make sure it is cancelled.
            events = [e for e in events if e.get("name") != "pending_transfer_id"]
        return events + [SlotSet("outcome", outcome)]

    async def _outcome(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> str:
        stop = tracker.get_slot("transfer_stop")
        pending = tracker.get_slot("pending_transfer_id")
        if stop:
            return STOP_OUTCOMES.get(stop, "refused")
        if tracker.get_slot("transfer_confirmed") is not True or tracker.get_slot("fraud_stopped"):
            await _cancel_pending(tracker, pending)
            return "cancelled"
        if not pending:
            # No record was read back: there is nothing the customer's yes could be about.
            say(dispatcher, tracker, "msg_transfer_refused", message="钱没有转出。")
            return "refused"
        try:
            client = client_for(tracker)
            transfer = await client.confirm_transfer(pending)
        except NotSignedIn:
            return "not_signed_in"
        except BackendRefused as refused:
            if refused.code == "SCAM_SUSPECTED":
                return "scam"
            already = await _already_confirmed(client, pending) if refused.code == "INVALID_STATE" else None
            if already is not None:
                # The same yes, delivered again after the bank executed the record (the first answer was lost):
                # the customer hears what happened to that one record; nothing is sent twice.
                return _report(dispatcher, tracker, already)
            say(dispatcher, tracker, "msg_transfer_refused", message=refused.message)
            return "insufficient_funds" if refused.code in INSUFFICIENT else "refused"
        except BackendNoAnswer:
            return "unknown"
        except BackendError:
            return "backend_down"
        return _report(dispatcher, tracker, transfer)


async def _already_confirmed(client: Any, pending: Any) -> dict[str, Any] | None:
    """The read-back record when a confirmation of it already went through (completed or held), else None."""
    try:
        record = await client.transfer(pending)
    except BackendError:
        return None
    return record if record.get("status") in ("completed", "held") else None


async def _cancel_pending(tracker: Tracker, pending: Any) -> None:
    if not pending:
        return
    try:
        await _cancel_quietly(client_for(tracker), pending)
    except NotSignedIn:
        pass


def _report(dispatcher: CollectingDispatcher, tracker: Tracker, transfer: dict[str, Any]) -> str:
    status = transfer.get("status")
    amount = yuan(transfer.get("amount")) or yuan(tracker.get_slot("transfer_amount")) or 0
    ids = {"transfer_id": int(transfer["id"])} if str(transfer.get("id") or "").isdigit() else {}
    if status == "completed":
        receipt = {"receipt": {"transfer_id": ids["transfer_id"]}} if ids else {}
        say(dispatcher, tracker, "msg_transfer_done", payee_label=payee_label(transfer.get("payee") or {}),
            amount=digits(amount), capitals=capitals(amount),
            custom={"key_figure": f"{digits(amount)}元", **ids, **receipt})
        return "completed"
    if status == "held":
        reason = {"NEW_PAYEE": "msg_hold_reason_new_payee", "LARGE_AMOUNT": "msg_hold_reason_large_amount",
                  "SCAM_RISK": "msg_hold_reason_scam_risk"}
        if transfer.get("hold_reason") in reason:
            say(dispatcher, tracker, reason[transfer["hold_reason"]], custom=ids)
            # The bank's message names whom staff will call when the customer has a family contact (issue 12).
            family = FAMILY_CALL.search(str(transfer.get("message") or ""))
            if family:
                say(dispatcher, tracker, "msg_transfer_held_because", message=family.group(0), custom=ids)
        elif transfer.get("message"):
            # A reason this dialogue has no words of its own for: the bank's plain sentence.
            say(dispatcher, tracker, "msg_transfer_held_because", message=str(transfer["message"]), custom=ids)
        return "held"
    if status == "pending":
        return "unknown"
    if status == "expired":
        say(dispatcher, tracker, "msg_transfer_expired")
        return "refused"
    # rejected / cancelled: nothing moved.
    say(dispatcher, tracker, "msg_transfer_refused", message="钱没有转出。")
    return "refused"
