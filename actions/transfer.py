"""The transfer skill: start, form (payee, amount, source account, confirm-last), submit.

When every slot is filled, the read-back action creates a `pending` transfer at the bank (Idempotency-Key
from the conversation, the form id and the slot values) and reads back the record's own payee, amount and
account. "是" confirms exactly that record's id (ActionTransferSubmit): a slot changed afterwards cannot
change what moves, and a changed amount at the read-back makes a new pending record (the old one cancelled).
A scam story in any state is left to the stop rule (actions/fraud.py); the bank screens the flow's words too.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.accounts import account_label, extract_amount, find_account, source_accounts
from actions.backend_client import BackendClient
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
    listed,
    say,
    yuan,
)
from actions.money_form import (
    MoneyForm,
    MoneyFormReadBack,
    MoneyFormStart,
    MoneyFormSubmit,
    MoneyFormValidation,
    NothingToDo,
    Said,
    preset_source_account,
    read_back,
)
from actions.payees import match_payees, payee_label, spoken_name
from actions.recipient import payee_relationship
from actions.texts import text
from rules.fraud import pressure_markers

FORM_SLOTS = ("payee_id", "payee_hint", "transfer_amount", "from_account_id", "transfer_confirmed",
              "transfer_stop", "pending_transfer_id", "pending_transfer_key")
START_ACTION = "action_transfer_start"
# Intents under which words that match no payee were meant as a name ("给老张").
NAMING_INTENTS = ("inform", "transfer_money")

# The bank's arrival modes (issue 12, TransferOut.arrival_mode); each has its sentence in actions/texts.py.
ARRIVAL_MODES = ("realtime", "normal", "next_day")
# The sentence the bank ends a held transfer's message with when the customer has a family contact.
FAMILY_CALL = re.compile(r"银行工作人员会给[^。]{1,40}打电话确认。")

FORM = MoneyForm(
    kind="transfer", name="transfer", slots=FORM_SLOTS, form_id_slot="transfer_form_id", stop_slot="transfer_stop",
    confirm_slot="transfer_confirmed", pending_slot="pending_transfer_id", key_slot="pending_transfer_key",
    read=BackendClient.transfer, confirm=BackendClient.confirm_transfer, cancel=BackendClient.cancel_transfer,
    refused_response="msg_transfer_refused", nothing_moved=text("transfer_not_sent"),
    done_statuses=("completed", "scheduled", "held"), quiet_refusals={"SCAM_SUSPECTED": "scam"},
)


class ActionTransferStart(MoneyFormStart):
    """Clears the last transfer, checks sign-in and the backend, then lets the form run.

    After a fraud stop nothing more is sent to the bank in this conversation (issue 9): the customer is told
    why and offered a person.
    """

    form = FORM

    @staticmethod
    async def prepare(client: BackendClient) -> list[EventType]:
        payees = await client.payees()
        accounts = source_accounts(await client.accounts())
        if not payees or not accounts:
            raise NothingToDo("msg_no_payees" if not payees else "msg_no_accounts")
        return preset_source_account(accounts)


class ValidateTransferForm(MoneyFormValidation):
    form = FORM
    carried_slots = ("payee_hint",)  # set by extract_payee_id

    def name(self) -> str:
        return "validate_transfer_form"

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
        words = latest_text(tracker)
        matches = match_payees(payees, relationship=relationship, text=words)
        if len(matches) == 1:
            return {"payee_id": str(matches[0]["id"]), "payee_hint": None}
        if len(matches) > 1:
            # Several fit (two sons): the question lists only those, as buttons.
            return {"payee_id": None, "payee_hint": relationship or words}
        if relationship is not None or (requested == "payee_id" and latest_intent(tracker) in NAMING_INTENTS):
            say(dispatcher, tracker, "msg_payee_not_found", hint=relationship or spoken_name(words))
            return {"payee_id": None, "payee_hint": None}
        # Not a name ("好的", noise): left to the rules, which count it as a misunderstanding.
        return {}

    async def extract_transfer_amount(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        return extract_amount(dispatcher, tracker, "transfer_amount", confirm_slot="transfer_confirmed")


class ActionAskPayeeId(Action):
    """"转给谁？" with the saved payees as buttons (only the ones that fit, when a word fitted several)."""

    def name(self) -> str:
        return "action_ask_payee_id"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        payees = await listed(tracker, BackendClient.payees)
        hint = tracker.get_slot("payee_hint")
        candidates = match_payees(payees, relationship=hint, text=hint) if hint else []
        shown = candidates if len(candidates) > 1 else payees
        say(dispatcher, tracker, "msg_ask_payee_some" if len(candidates) > 1 else "msg_ask_payee",
            buttons=[button(payee_label(p), "inform", payee_id=str(p["id"])) for p in shown])
        return []


class ActionAskFromAccountId(Action):
    def name(self) -> str:
        return "action_ask_from_account_id"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        accounts = source_accounts(await listed(tracker, BackendClient.accounts))
        say(dispatcher, tracker, "msg_ask_from_account",
            buttons=[button(account_label(a), "inform", from_account_id=str(a["id"])) for a in accounts])
        return []


class ActionAskTransferConfirmed(MoneyFormReadBack):
    """The confirm-last read-back, rendered from the bank's pending record: who, how much in digits and
    capitals, from which account. The record's id goes into `pending_transfer_id` and the reply's custom."""

    form = FORM

    async def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker, form_id: str) -> list[EventType]:
        amount = yuan(tracker.get_slot("transfer_amount"))
        payee_id = tracker.get_slot("payee_id")
        account_id = tracker.get_slot("from_account_id")
        if amount is None or amount <= 0 or not payee_id or not account_id:
            return FORM.stop("refused")
        key = idempotency_key("transfer", tracker.sender_id, form_id, payee_id, digits(amount), account_id)
        context = flow_context(tracker, START_ACTION)

        async def create(client: BackendClient) -> dict[str, Any]:
            return await client.create_transfer(key, account_id, payee_id, digits(amount), context=context,
                                                require_confirmation=True)

        async def render(client: BackendClient, record: dict[str, Any]) -> Said | None:
            record_amount = yuan(record.get("amount"))
            payee = record.get("payee") or {}
            account = find_account(await client.accounts(), record.get("from_account_id"))
            if record_amount is None or not payee or account is None:
                return None
            # A soft signal (someone urging haste or secrecy, rules.fraud.pressure_markers) is no stop on its
            # own: one plain sentence more in the read-back, no extra question (issue 9, false alarms).
            careful = text("transfer_careful") if pressure_markers(context) else ""
            arrives = arrival(record)
            words = text("transfer_readback", payee=payee_label(payee), amount=digits(record_amount),
                         capitals=capitals(record_amount), account=account_label(account),
                         arrival=f"{arrives}\n" if arrives else "", careful=careful)
            return Said(words, f"{digits(record_amount)}元", {"transfer_id": int(record["id"])})

        return await read_back(dispatcher, tracker, FORM, key, create, render, report)


def arrival(record: dict[str, Any]) -> str:
    """When the money arrives, from the record's `arrival_mode` only ("" when the bank does not say). Not for a
    transfer staff will check first (`hold_reason`): it arrives after their approval, not at its mode's time."""
    mode = record.get("arrival_mode")
    return text(f"arrival_{mode}") if mode in ARRIVAL_MODES and not record.get("hold_reason") else ""


async def report(dispatcher: CollectingDispatcher, tracker: Tracker, client: BackendClient,
                 transfer: dict[str, Any]) -> str:
    """What the bank did with the record: done (or sent, arriving later), held for staff, or nothing moved."""
    status = transfer.get("status")
    amount = yuan(transfer.get("amount")) or yuan(tracker.get_slot("transfer_amount")) or 0
    ids = {"transfer_id": int(transfer["id"])} if str(transfer.get("id") or "").isdigit() else {}
    if status in ("completed", "scheduled"):
        # scheduled: the money has left the account and arrives later (revocable until then): done for the
        # customer, and said so with when it arrives.
        receipt = {"receipt": {"transfer_id": ids["transfer_id"]}} if ids else {}
        arrives = arrival(transfer)
        say(dispatcher, tracker, "msg_transfer_done" if status == "completed" else "msg_transfer_scheduled",
            payee_label=payee_label(transfer.get("payee") or {}), amount=digits(amount), capitals=capitals(amount),
            arrival=f"\n{arrives}" if arrives else "",
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
    say(dispatcher, tracker, "msg_transfer_refused", message=text("transfer_not_sent"))
    return "refused"


class ActionTransferSubmit(MoneyFormSubmit):
    """Confirms the pending record the customer said yes to, and turns the answer into the `outcome` slot."""

    form = FORM
    report = report
