"""Early withdrawal (提前支取) of a time deposit: which one, once more when maturity is near, confirm-last.

Seniors lose real money here, so the read-back says it plainly, and every figure in it is the bank's: at the
read-back the bank makes a pending withdrawal record (`POST /deposits/{id}/early-withdrawal` with
`require_confirmation`, one Idempotency-Key per form and deposit: principal, interest at the demand rate, the term
interest lost, the maturity date, the account the money goes to) and the read-back is rendered from that record;
the dialogue computes no money. Its id goes into `pending_withdrawal_id`, and "是" confirms that id and nothing
else (`POST /withdrawals/{id}/confirm`): a slot changed after the read-back (another deposit id) cannot change
what moves (issue 10). No, cancel and a fraud stop cancel the record. Within `ANXIN_EARLY_WITHDRAWAL_NEAR_DAYS`
(30) of maturity the days left are said (from the preview) and the customer is asked once more before the
read-back. A scam story in any state is left to the stop rule.
"""
from __future__ import annotations

import logging
import os
import uuid
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.accounts import account_label, find_account
from actions.backend_client import BackendClient, BackendError, BackendNoAnswer, BackendRefused, NotSignedIn
from actions.common import (
    button,
    capitals,
    client_for,
    digits,
    first_entity,
    idempotency_key,
    latest_intent,
    say,
    speech_rate,
    yuan,
)
from actions.fraud import is_scam_turn
from actions.savings import date_cn

FORM = "withdrawal_form"
FORM_SLOTS = ("withdrawal_deposit_id", "withdrawal_near_confirmed", "withdrawal_confirmed", "withdrawal_days_left",
              "withdrawal_stop", "pending_withdrawal_id")
LEAVING_INTENTS = ("cancel", "human_handoff")
CONFIRM_SLOTS = ("withdrawal_near_confirmed", "withdrawal_confirmed")
STOP_OUTCOMES = ("backend_down", "not_signed_in", "refused", "unknown")
DEFAULT_NEAR_DAYS = 30
PENDING_SLOT = "pending_withdrawal_id"

logger = logging.getLogger(__name__)


def near_days() -> int:
    """How close to maturity the customer is told the days left and asked once more (a setting)."""
    try:
        return max(int(os.environ.get("ANXIN_EARLY_WITHDRAWAL_NEAR_DAYS", DEFAULT_NEAR_DAYS)), 0)
    except ValueError:
        return DEFAULT_NEAR_DAYS


def active_deposits(deposits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in deposits if d.get("status") == "active"]


def deposit_name(deposit: dict[str, Any]) -> str:
    product = deposit.get("product")
    return str(product.get("name")) if isinstance(product, dict) and product.get("name") else "定期"


def deposit_line(deposit: dict[str, Any]) -> str:
    """"一年定期，10000.00元，2027年11月27日到期": term, amount, maturity date."""
    principal = yuan(deposit.get("principal"))
    amount = f"{digits(principal)}元" if principal is not None else ""
    return f"{deposit_name(deposit)}，{amount}，{date_cn(deposit.get('maturity_date'))}到期"


def matching(deposits: list[dict[str, Any]], tracker: Tracker) -> list[dict[str, Any]]:
    """The deposits the words fit: the term said ("一年的") and/or the amount said ("那一万的")."""
    term = first_entity(tracker, "deposit_term")
    amount = yuan(first_entity(tracker, "amount"))
    if term is None and amount is None:
        return []
    found = deposits
    if term is not None:
        found = [d for d in found if str((d.get("product") or {}).get("term_months")) == str(term)]
    if amount is not None:
        found = [d for d in found if yuan(d.get("principal")) == amount]
    return found


class ActionWithdrawalStart(Action):
    def name(self) -> str:
        return "action_withdrawal_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events: list[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS]
        events.append(SlotSet("withdrawal_form_id", uuid.uuid4().hex))
        if tracker.get_slot("fraud_stopped"):
            say(dispatcher, tracker, "msg_after_fraud_stop", buttons=[button("转人工", "human_handoff")])
            return events + [SlotSet("outcome", "refused")]
        try:
            deposits = active_deposits(await client_for(tracker).deposits())
        except NotSignedIn:
            return events + [SlotSet("outcome", "not_signed_in")]
        except BackendError:
            return events + [SlotSet("outcome", "backend_down")]
        if not deposits:
            say(dispatcher, tracker, "msg_no_deposits")
            return events + [SlotSet("outcome", "refused")]
        return events + [SlotSet("outcome", "ready")]


class ValidateWithdrawalForm(FormValidationAction):
    def name(self) -> str:
        return "validate_withdrawal_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # A scam story changes nothing in the form; the stop rule runs (actions/fraud.py).
        if is_scam_turn(tracker):
            return []
        intent = latest_intent(tracker)
        requested = tracker.get_slot("requested_slot")
        if intent in LEAVING_INTENTS or (intent == "deny" and requested not in (None, *CONFIRM_SLOTS)):
            return []
        days_before = tracker.get_slot("withdrawal_days_left")
        try:
            events = await super().run(dispatcher, tracker, domain)
        except NotSignedIn:
            return _stop("not_signed_in")
        except BackendError:
            return _stop("backend_down")
        # rasa-sdk returns only the form's own slots; the days left set with the deposit are passed on here.
        if tracker.slots.get("withdrawal_days_left") != days_before:
            events.insert(0, SlotSet("withdrawal_days_left", tracker.slots.get("withdrawal_days_left")))
        return events

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("withdrawal_stop") or tracker.get_slot("withdrawal_near_confirmed") is False:
            return []
        days = tracker.get_slot("withdrawal_days_left")
        near = days is not None and str(days).isdigit() and int(days) <= near_days()
        return [s for s in domain_slots if near or s != "withdrawal_near_confirmed"]

    async def extract_withdrawal_deposit_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                            domain: DomainDict) -> dict[str, Any]:
        chosen = first_entity(tracker, "deposit_id")
        requested = tracker.get_slot("requested_slot")
        if tracker.get_slot("withdrawal_deposit_id") and chosen is None:
            return {}
        client = client_for(tracker)
        deposits = active_deposits(await client.deposits())
        if chosen is not None:
            found = [d for d in deposits if str(d.get("id")) == str(chosen)]
        elif len(deposits) == 1:
            found = deposits
        else:
            found = matching(deposits, tracker)
            if len(found) != 1:
                return {"withdrawal_deposit_id": None} if requested == "withdrawal_deposit_id" and found else {}
        if len(found) != 1:
            return {"withdrawal_deposit_id": None}
        preview = await client.early_withdrawal_preview(found[0]["id"])
        days = preview.get("days_to_maturity")
        return {"withdrawal_deposit_id": str(found[0]["id"]),
                "withdrawal_days_left": str(days) if isinstance(days, int) else None,
                "withdrawal_near_confirmed": None, "withdrawal_confirmed": None}


def _stop(why: str) -> list[EventType]:
    return [SlotSet("withdrawal_stop", why), SlotSet("requested_slot", None)]


class ActionAskWithdrawalDepositId(Action):
    """"您要取哪一笔？" with one short line and one button per active deposit."""

    def name(self) -> str:
        return "action_ask_withdrawal_deposit_id"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            deposits = active_deposits(await client_for(tracker).deposits())
        except NotSignedIn:
            return _stop("not_signed_in")
        except BackendError:
            return _stop("backend_down")
        if not deposits:
            say(dispatcher, tracker, "msg_no_deposits")
            return _stop("refused")
        lines = [f"{i}. {deposit_line(d)}。" for i, d in enumerate(deposits, start=1)]
        buttons = [button(f"{deposit_name(d)} {digits(yuan(d.get('principal')) or 0)}元", "inform",
                          deposit_id=str(d["id"])) for d in deposits]
        dispatcher.utter_message(text="\n".join(["您要取哪一笔？", *lines]), buttons=buttons,
                                 json_message={"speech_rate": speech_rate(tracker)})
        return []


async def _preview(tracker: Tracker) -> dict[str, Any]:
    return await client_for(tracker).early_withdrawal_preview(tracker.get_slot("withdrawal_deposit_id"))


class ActionAskWithdrawalNearConfirmed(Action):
    """Maturity is near: how many days are left and what waiting keeps, then once more: still now?"""

    def name(self) -> str:
        return "action_ask_withdrawal_near_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            preview = await _preview(tracker)
        except NotSignedIn:
            return _stop("not_signed_in")
        except BackendRefused as refused:
            say(dispatcher, tracker, "msg_withdrawal_refused", message=refused.message)
            return _stop("refused")
        except BackendError:
            return _stop("backend_down")
        kept = yuan(preview.get("expected_interest_if_held"))
        say(dispatcher, tracker, "msg_withdrawal_near", days=preview.get("days_to_maturity"),
            maturity=date_cn(preview.get("maturity_date")),
            interest=digits(kept) if kept is not None else "", buttons=[button("是", "affirm"), button("否", "deny")])
        return []


async def cancel_quietly(client: BackendClient, withdrawal_id: Any) -> None:
    """Cancels a pending withdrawal record; a failure is only logged (the record expires at the bank anyway)."""
    if not withdrawal_id:
        return
    try:
        await client.cancel_withdrawal(withdrawal_id)
    except BackendError as exc:
        logger.warning("pending withdrawal not cancelled: %s", type(exc).__name__)


def _figures(record: dict[str, Any]) -> tuple[Any, Any, Any] | None:
    principal, interest, lost = (yuan(record.get(name)) for name in ("principal", "interest", "lost_interest"))
    if principal is None or interest is None or lost is None:
        return None
    return principal, interest, lost


class ActionAskWithdrawalConfirmed(Action):
    """The read-back of the bank's pending withdrawal record: principal, interest at the demand rate, the loss,
    maturity, the account. Nothing moves; "是" later confirms this record's id only."""

    def name(self) -> str:
        return "action_ask_withdrawal_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("fraud_stopped"):
            return _stop("refused")
        deposit_id = tracker.get_slot("withdrawal_deposit_id")
        form_id = tracker.get_slot("withdrawal_form_id")
        if not str(deposit_id or "").isdigit() or not form_id:
            return _stop("refused")
        key = idempotency_key("early-withdrawal", tracker.sender_id, form_id, deposit_id)
        events: list[EventType] = []
        try:
            client = client_for(tracker)
            previous = tracker.get_slot(PENDING_SLOT)
            if previous and not await _is_record_of(client, previous, deposit_id):
                # Another deposit was chosen since the last read-back: the old record must not stay confirmable.
                await cancel_quietly(client, previous)
                events.append(SlotSet(PENDING_SLOT, None))
            record = await client.create_withdrawal(key, deposit_id)
            deposit = await client.deposit(record.get("deposit_id"))
            accounts = await client.accounts()
        except NotSignedIn:
            return events + _stop("not_signed_in")
        except BackendRefused as refused:
            say(dispatcher, tracker, "msg_withdrawal_refused", message=refused.message)
            return events + _stop("refused")
        except BackendError:
            return events + _stop("backend_down")
        record_id, figures = record.get("id"), _figures(record)
        if record.get("status") != "pending" or not str(record_id or "").isdigit() or figures is None:
            # A bank that answered something else made no confirmable record: nothing is read back.
            if str(record_id or "").isdigit() and record.get("status") == "pending":
                await cancel_quietly(client, record_id)
            say(dispatcher, tracker, "msg_withdrawal_refused", message="钱没有动。")
            return events + _stop("refused")
        principal, interest, lost = figures
        account = find_account(accounts, record.get("to_account_id"))
        lines = [f"提前取出{deposit_name(deposit)}。",
                 f"本金{digits(principal)}元，{capitals(principal)}。",
                 f"按活期利率{record.get('annual_rate_percent')}%算，利息{digits(interest)}元。",
                 f"提前取，您会少拿{digits(lost)}元利息。",
                 f"这笔本来{date_cn(record.get('maturity_date'))}到期。"]
        if account is not None:
            lines.append(f"钱回到{account_label(account)}。")
        lines.append("确定现在取吗？")
        dispatcher.utter_message(
            text="\n".join(lines), buttons=[button("是", "affirm"), button("否", "deny")],
            json_message={"speech_rate": speech_rate(tracker), "key_figure": f"少拿{digits(lost)}元利息",
                          "deposit_id": int(str(record.get("deposit_id"))), "pending_id": int(str(record_id))},
        )
        return [*events, SlotSet(PENDING_SLOT, str(record_id))]


async def _is_record_of(client: BackendClient, withdrawal_id: Any, deposit_id: Any) -> bool:
    """True when the pending record the slot names is still pending and for this deposit."""
    try:
        record = await client.withdrawal(withdrawal_id)
    except BackendRefused:
        return False
    return record.get("status") == "pending" and str(record.get("deposit_id")) == str(deposit_id)


class ActionWithdrawalSubmit(Action):
    """Confirms the pending record read back (`pending_withdrawal_id`), after the yes, and nothing else; its
    answer becomes `outcome`. No, a stop or a fraud stop cancels that record."""

    def name(self) -> str:
        return "action_withdrawal_submit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        outcome = await self._outcome(dispatcher, tracker)
        return [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("outcome", outcome)]

    async def _outcome(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> str:
        stop = tracker.get_slot("withdrawal_stop")
        pending = tracker.get_slot(PENDING_SLOT)
        if stop or (tracker.get_slot("withdrawal_confirmed") is not True or tracker.get_slot("fraud_stopped")
                    or tracker.get_slot("withdrawal_near_confirmed") is False):
            if pending:
                try:
                    await cancel_quietly(client_for(tracker), pending)
                except NotSignedIn:
                    pass  # the record expires at the bank
            if stop:
                return stop if stop in STOP_OUTCOMES else "refused"
            return "cancelled"
        if not str(pending or "").isdigit():
            say(dispatcher, tracker, "msg_withdrawal_refused", message="钱没有动。")
            return "refused"
        try:
            client = client_for(tracker)
            try:
                record = await client.confirm_withdrawal(pending)
            except BackendRefused as refused:
                already = await _already_done(client, pending) if refused.code == "INVALID_STATE" else None
                if already is None:
                    raise
                # The same yes delivered again after the bank paid that record (the first answer was lost):
                # the customer hears what happened to it; nothing is paid twice.
                record = already
            accounts = await client.accounts()
        except NotSignedIn:
            return "not_signed_in"
        except BackendRefused as refused:
            say(dispatcher, tracker, "msg_withdrawal_refused", message=refused.message)
            return "refused"
        except BackendNoAnswer:
            return "unknown"
        except BackendError:
            return "backend_down"
        principal, interest = yuan(record.get("principal")), yuan(record.get("interest"))
        if record.get("status") != "completed" or principal is None:
            say(dispatcher, tracker, "msg_withdrawal_refused", message="钱没有动。")
            return "refused"
        account = find_account(accounts, record.get("to_account_id"))
        say(dispatcher, tracker, "msg_withdrawal_done", principal=digits(principal),
            interest=digits(interest or 0), account=account_label(account) if account else "您的账户",
            custom={"key_figure": f"{digits(principal)}元"})
        return "completed"


async def _already_done(client: BackendClient, withdrawal_id: Any) -> dict[str, Any] | None:
    try:
        record = await client.withdrawal(withdrawal_id)
    except BackendError:
        return None
    return record if record.get("status") == "completed" else None
