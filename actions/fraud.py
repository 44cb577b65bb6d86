"""The fraud stop: whatever state the conversation is in, a scam story ends every money flow at once.

assistant/components/fraud_guard.py turns a `rules.fraud` hit (or the classifier's own verdict) into the intent
`report_scam_instruction` with a `fraud_family` entity; one rule runs `action_fraud_stop` for it, inside any
form or outside. The stop does not depend on the backend: the warning is said and the form ends even when the
bank cannot be reached or nobody is signed in (then nothing can move anyway). When the bank answers, it audits
the stop, starts the cooling-off hold and cancels every pending transfer and deposit of the customer.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendError, NotSignedIn
from actions.common import button, client_for, first_entity, latest_text, speech_rate
from money import say_count
from rules.fraud import FAMILIES, GENERIC, screen, warning_text
from rules.redact import redact_digits

logger = logging.getLogger(__name__)

SCAM_INTENT = "report_scam_instruction"
FAMILY_ENTITY = "fraud_family"
CHANNELS = ("web", "phone", "kiosk")
# Every slot a money flow fills: a stop leaves none of them behind.
MONEY_SLOTS = (
    "payee_id", "payee_hint", "transfer_amount", "from_account_id", "transfer_confirmed", "transfer_stop",
    "transfer_form_id", "pending_transfer_id", "pending_transfer_key",
    "deposit_term", "deposit_amount", "deposit_confirmed", "deposit_stop", "deposit_form_id",
    "pending_deposit_id", "pending_deposit_key", "maturity_choice",
    "withdrawal_deposit_id", "withdrawal_near_confirmed", "withdrawal_confirmed", "withdrawal_days_left",
    "withdrawal_stop", "withdrawal_form_id", "pending_withdrawal_id", "withdrawal_amount", "withdrawal_partial",
    # bill payment (actions/bills.py)
    "bill_account_id", "bill_kind", "bill_hint", "bill_amount", "bill_confirmed", "bill_stop", "bill_form_id",
    "pending_bill_id", "pending_bill_key",
)


def is_scam_turn(tracker: Tracker) -> bool:
    """True when this message is a scam story: the forms then leave it to the stop rule, untouched."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    return intent == SCAM_INTENT


# How many of the customer's latest messages are screened for the family when the stop came from the bank
# (the last message is then only "是").
RECENT_TEXTS = 10


def recent_texts(tracker: Tracker) -> str:
    users = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]
    return "\n".join(t for t in users[-RECENT_TEXTS:] if t and not t.startswith("/"))


def family_of(tracker: Tracker) -> str:
    """The family the guard found; else what the rules say of the latest messages; else generic."""
    family = first_entity(tracker, FAMILY_ENTITY)
    if family in FAMILIES or family == GENERIC:
        return str(family)
    hit = screen(latest_text(tracker)) or screen(recent_texts(tracker))
    return hit.family if hit is not None else GENERIC


def channel_of(tracker: Tracker) -> str:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    channel = metadata.get("channel")
    return channel if channel in CHANNELS else "web"


def stop_summary(tracker: Tracker, family: str) -> str:
    """What the staff member taking over reads first: which scam, and that nothing moved. No customer words."""
    known = FAMILIES.get(family)
    kind = f"疑似{known.name_zh}诈骗" if known is not None else "疑似诈骗"
    parts = [f"{kind}，已拦下，钱没有动。"]
    if (tracker.get_slot("transfer_amount") or tracker.get_slot("deposit_amount")
            or tracker.get_slot("withdrawal_deposit_id")):
        parts.append("客户当时正在办钱的业务。")
    parts.append("已提醒客户挂断电话、打96110。")
    return "".join(parts)


def revoked_text(count: int) -> str:
    """What the customer hears when the stop took back transfers that had not arrived yet."""
    which = "那笔" if count == 1 else say_count(count, "笔")
    return f"您还没到账的{which}转账，银行已经帮您撤回了，钱回到了您的账户。"


async def _tell_the_bank(client: BackendClient, tracker: Tracker, family: str) -> int:
    """Audit, cooling-off and cancelling of pending records; then each pending record this dialogue knows of
    is cancelled on its own too, in case the stop itself was not carried out (belt and braces).

    Returns how many transfers still on their way (delayed arrival) the bank's stop took back."""
    pending_transfer = tracker.get_slot("pending_transfer_id")
    pending_deposit = tracker.get_slot("pending_deposit_id")
    cancelled_transfers: list[Any] = []
    cancelled_deposits: list[Any] = []
    cancelled_withdrawals: list[Any] = []
    revoked = 0
    try:
        answer = await client.fraud_stop(family, channel_of(tracker), redact_digits(latest_text(tracker)),
                                         transfer_id=pending_transfer)
        if isinstance(answer, dict):
            cancelled_withdrawals = [str(i) for i in answer.get("cancelled_withdrawal_ids") or []]
            cancelled_transfers = [str(i) for i in answer.get("cancelled_transfer_ids") or []]
            cancelled_deposits = [str(i) for i in answer.get("cancelled_deposit_ids") or []]
            revoked = len(answer.get("revoked_transfer_ids") or [])
    except NotSignedIn:
        raise
    except BackendError as exc:
        logger.warning("fraud stop not recorded by the bank: %s", type(exc).__name__)
    if pending_transfer and str(pending_transfer) not in cancelled_transfers:
        try:
            await client.cancel_transfer(pending_transfer)
        except BackendError as exc:
            logger.warning("pending transfer not cancelled: %s", type(exc).__name__)
    if pending_deposit and str(pending_deposit) not in cancelled_deposits:
        try:
            await client.cancel_deposit(pending_deposit)
        except BackendError as exc:
            logger.warning("pending deposit not cancelled: %s", type(exc).__name__)
    pending_bill = tracker.get_slot("pending_bill_id")
    if pending_bill:
        # The bank's stop leaves bill payments alone (contracts, issue 12): the one read back is cancelled here.
        from actions.bills import cancel_quietly  # here: actions.bills imports this module
        await cancel_quietly(client, pending_bill)
    pending_withdrawal = tracker.get_slot("pending_withdrawal_id")
    if pending_withdrawal and str(pending_withdrawal) not in cancelled_withdrawals:
        from actions import withdrawal  # here: actions.withdrawal imports this module
        await withdrawal.cancel_quietly(client, pending_withdrawal)
    return revoked


async def stop_for_fraud(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The whole stop: the bank told (when it can be), the warning said, every money slot cleared."""
    family = family_of(tracker)
    revoked = 0
    try:
        revoked = await _tell_the_bank(client_for(tracker), tracker, family)
    except NotSignedIn:
        pass  # nobody signed in: nothing can move; the warning still matters
    custom = {
        "speech_rate": speech_rate(tracker),
        "risk": {"kind": "fraud", "family": family, "level": "stop"},
        "handoff": {"reason": "fraud", "summary": stop_summary(tracker, family)},
    }
    dispatcher.utter_message(text=warning_text(family), buttons=[button("转人工", "human_handoff")],
                             json_message=custom)
    if revoked:
        # A scam often asks for a transfer first and the story comes later: what was still on its way is back.
        dispatcher.utter_message(text=revoked_text(revoked), json_message={"speech_rate": speech_rate(tracker)})
    events: list[EventType] = [SlotSet(slot, None) for slot in MONEY_SLOTS]
    return events + [SlotSet("requested_slot", None), ActiveLoop(None), SlotSet("fraud_stopped", True),
                     SlotSet("outcome", "scam")]


class ActionFraudStop(Action):
    def name(self) -> str:
        return "action_fraud_stop"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return await stop_for_fraud(dispatcher, tracker)
