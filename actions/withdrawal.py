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

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.accounts import account_label, find_account
from actions.backend_client import BackendClient, BackendError, BackendRefused
from actions.common import (
    button,
    capitals,
    client_for,
    date_cn,
    digits,
    first_entity,
    idempotency_key,
    latest_text,
    say,
    speech_rate,
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
    failure_outcome,
    read_back,
    yes_no,
)
from actions.money_form import cancel_quietly as cancel_record
from actions.savings import product_name
from actions.settings import get_settings
from actions.texts import text

FORM_SLOTS = ("withdrawal_deposit_id", "withdrawal_amount", "withdrawal_partial", "withdrawal_near_confirmed",
              "withdrawal_confirmed", "withdrawal_days_left", "withdrawal_stop", "pending_withdrawal_id")
# `withdrawal_amount`: ALL, or the part to take out ("5000.00", 部分提前支取). `withdrawal_partial`: the customer
# said "取一部分" and the amount is asked next.
ALL = "all"
# Words that make an amount the part to take out, not the deposit's size ("只取一万，剩下的继续存").
PART_WORDS = re.compile(r"一部分|部分|一些|一点|只取|只要|只拿|剩下|剩余|其余|不全取|别全取|不全拿|取一半|一半")
ALL_WORDS = re.compile(r"全部|全取|都取|全都|整张|整笔|全拿|都拿|一起取|所有的?钱")
# The bank's refusals of a partial amount: said in its words, then the amount is asked again.
PART_REFUSALS = ("PARTIAL_ALREADY_USED", "REMAINDER_TOO_SMALL", "AMOUNT_NOT_LESS_THAN_PRINCIPAL")
DEFAULT_NEAR_DAYS = 30
PENDING_SLOT = "pending_withdrawal_id"
FORM = MoneyForm(
    kind="withdrawal", name="withdrawal", slots=FORM_SLOTS, form_id_slot="withdrawal_form_id", stop_slot="withdrawal_stop",
    confirm_slot="withdrawal_confirmed", pending_slot=PENDING_SLOT, key_slot=None,
    read=BackendClient.withdrawal, confirm=BackendClient.confirm_withdrawal, cancel=BackendClient.cancel_withdrawal,
    refused_response="msg_withdrawal_refused", nothing_moved=text("nothing_moved"),
    # A no at the near-maturity question is a no to the whole withdrawal.
    answer_slots=("withdrawal_near_confirmed",), declined_slots=("withdrawal_near_confirmed",),
)


def near_days() -> int:
    """How close to maturity the customer is told the days left and asked once more (a setting)."""
    try:
        return get_settings().early_withdrawal_near_days  # ANXIN_EARLY_WITHDRAWAL_NEAR_DAYS (actions/settings.py)
    except ValueError:  # an unusable value (SettingsError): the default
        return DEFAULT_NEAR_DAYS


def active_deposits(deposits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in deposits if d.get("status") == "active"]


def deposit_name(deposit: dict[str, Any]) -> str:
    return product_name(deposit, [])


def deposit_line(deposit: dict[str, Any]) -> str:
    """"一年定期，10000.00元，2027年11月27日到期": term, amount, maturity date."""
    principal = yuan(deposit.get("principal"))
    amount = f"{digits(principal)}元" if principal is not None else ""
    return text("deposit_line", name=deposit_name(deposit), amount=amount,
                maturity=date_cn(deposit.get("maturity_date")))


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


class ActionWithdrawalStart(MoneyFormStart):
    form = FORM

    @staticmethod
    async def prepare(client: BackendClient) -> list[EventType]:
        if not active_deposits(await client.deposits()):
            raise NothingToDo("msg_no_deposits")
        return []


class ValidateWithdrawalForm(MoneyFormValidation):
    form = FORM
    carried_slots = ("withdrawal_days_left", "withdrawal_partial")  # set with the deposit, with the amount

    def name(self) -> str:
        return "validate_withdrawal_form"

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

    async def extract_withdrawal_amount(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        """All of it, or the part to take out ("先取五千", "只取一万"); "取一部分" alone: the amount is asked.

        An amount that is a deposit's own size ("那一万的定期") names the deposit, unless the words say a part.
        A different answer at the read-back (or the near-maturity question) is read back again.
        """
        requested = tracker.get_slot("requested_slot")
        words = latest_text(tracker)
        part = first_entity(tracker, "withdrawal_part")
        said = yuan(first_entity(tracker, "amount"))
        found: dict[str, Any]
        if said is not None and said > 0 and (PART_WORDS.search(words) or not await _names_a_deposit(tracker, said)):
            found = {"withdrawal_amount": digits(said), "withdrawal_partial": None}
        elif part == ALL or (part is None and ALL_WORDS.search(words) and not PART_WORDS.search(words)):
            found = {"withdrawal_amount": ALL, "withdrawal_partial": None}
        elif part == "part" or (part is None and PART_WORDS.search(words)):
            found = {"withdrawal_amount": None, "withdrawal_partial": True}
        elif requested == "withdrawal_amount" and (first_entity(tracker, "amount_issue") or said is not None):
            say(dispatcher, tracker, "msg_amount_ambiguous")
            return {"withdrawal_amount": None}
        else:
            return {}
        if requested in (FORM.confirm_slot, *FORM.answer_slots):
            if found["withdrawal_amount"] == tracker.get_slot("withdrawal_amount"):
                return {}
            found.update(withdrawal_confirmed=None, withdrawal_near_confirmed=None)
        # rasa-sdk returns only the form's own slots: the helper slot goes on the tracker (carried_slots).
        tracker.slots["withdrawal_partial"] = found.pop("withdrawal_partial")
        return found


async def _names_a_deposit(tracker: Tracker, amount: Any) -> bool:
    """True when the amount said is the size of one of the customer's active deposits (it picks that one)."""
    deposits = active_deposits(await client_for(tracker).deposits())
    return any(yuan(d.get("principal")) == amount for d in deposits)


def _stop(why: str) -> list[EventType]:
    return FORM.stop(why)


class ActionAskWithdrawalDepositId(Action):
    """"您要取哪一笔？" with one short line and one button per active deposit."""

    def name(self) -> str:
        return "action_ask_withdrawal_deposit_id"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            deposits = active_deposits(await client_for(tracker).deposits())
        except BackendError as exc:
            return _stop(failure_outcome(exc))
        if not deposits:
            say(dispatcher, tracker, "msg_no_deposits")
            return _stop("refused")
        lines = [text("deposit_list_line", index=i, line=deposit_line(d)) for i, d in enumerate(deposits, start=1)]
        buttons = [button(text("deposit_button", name=deposit_name(d), amount=digits(yuan(d.get("principal")) or 0)),
                          "inform", deposit_id=str(d["id"])) for d in deposits]
        dispatcher.utter_message(text="\n".join([text("ask_withdrawal_deposit"), *lines]), buttons=buttons,
                                 json_message={"speech_rate": speech_rate(tracker)})
        return []


def taken_amount(tracker: Tracker) -> str | None:
    """The part to take out ("5000.00"), None for all of it."""
    amount = tracker.get_slot("withdrawal_amount")
    return None if amount in (None, ALL) or yuan(amount) is None else digits(yuan(amount) or 0)


async def _preview(tracker: Tracker) -> dict[str, Any]:
    return await client_for(tracker).early_withdrawal_preview(tracker.get_slot("withdrawal_deposit_id"),
                                                              taken_amount(tracker))


def part_refused(dispatcher: CollectingDispatcher, tracker: Tracker, refused: BackendRefused) -> list[EventType] | None:
    """The bank will not take this part out (once per deposit, the minimum that must stay, or it is all of it):
    its sentence, then the amount is asked again, as the next question of the form."""
    if refused.code not in PART_REFUSALS or taken_amount(tracker) is None:
        return None
    say(dispatcher, tracker, "msg_withdrawal_part_refused", message=refused.message)
    events: list[EventType] = [SlotSet("withdrawal_amount", None), SlotSet("withdrawal_partial", None),
                               SlotSet("withdrawal_near_confirmed", None), SlotSet("withdrawal_confirmed", None),
                               SlotSet("requested_slot", "withdrawal_amount")]
    ask_amount(dispatcher, tracker, partial=False)
    return events


def ask_amount(dispatcher: CollectingDispatcher, tracker: Tracker, partial: bool) -> None:
    """"全部取出，还是取一部分？", or after "一部分": how much."""
    take_all = button(text("withdrawal_all_button"), "inform", withdrawal_part=ALL)
    if partial:
        say(dispatcher, tracker, "msg_ask_withdrawal_part_amount", buttons=[take_all])
    else:
        say(dispatcher, tracker, "msg_ask_withdrawal_amount",
            buttons=[take_all, button(text("withdrawal_part_button"), "inform", withdrawal_part="part")])


class ActionAskWithdrawalAmount(Action):
    def name(self) -> str:
        return "action_ask_withdrawal_amount"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ask_amount(dispatcher, tracker, partial=bool(tracker.get_slot("withdrawal_partial")))
        return []


class ActionAskWithdrawalNearConfirmed(Action):
    """Maturity is near: how many days are left and what waiting keeps, then once more: still now?"""

    def name(self) -> str:
        return "action_ask_withdrawal_near_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            preview = await _preview(tracker)
        except BackendRefused as refused:
            asked = part_refused(dispatcher, tracker, refused)
            if asked is not None:
                return asked
            say(dispatcher, tracker, "msg_withdrawal_refused", message=refused.message)
            return _stop("refused")
        except BackendError as exc:
            return _stop(failure_outcome(exc))
        kept = yuan(preview.get("expected_interest_if_held"))
        say(dispatcher, tracker, "msg_withdrawal_near", days=preview.get("days_to_maturity"),
            maturity=date_cn(preview.get("maturity_date")),
            interest=digits(kept) if kept is not None else "", buttons=yes_no())
        return []


async def cancel_quietly(client: BackendClient, withdrawal_id: Any) -> None:
    """Cancels a pending withdrawal record (the fraud stop and cancel call this); a failure is only logged."""
    await cancel_record(client, FORM, withdrawal_id)


def _figures(record: dict[str, Any]) -> tuple[Any, Any, Any] | None:
    principal, interest, lost = (yuan(record.get(name)) for name in ("principal", "interest", "lost_interest"))
    if principal is None or interest is None or lost is None:
        return None
    return principal, interest, lost


class ActionAskWithdrawalConfirmed(MoneyFormReadBack):
    """The read-back of the bank's pending withdrawal record: principal, interest at the demand rate, the loss,
    maturity, the account. Nothing moves; "是" later confirms this record's id only."""

    form = FORM

    async def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker, form_id: str) -> list[EventType]:
        deposit_id = tracker.get_slot("withdrawal_deposit_id")
        if not str(deposit_id or "").isdigit() or tracker.get_slot("withdrawal_amount") is None:
            return _stop("refused")
        amount = taken_amount(tracker)
        # A whole withdrawal keeps the key it always had; a part's amount is in its key.
        key = idempotency_key("early-withdrawal", tracker.sender_id, form_id, deposit_id,
                              *((amount,) if amount is not None else ()))

        async def create(client: BackendClient) -> dict[str, Any]:
            return await client.create_withdrawal(key, deposit_id, amount)

        async def same_record(client: BackendClient, previous: Any) -> bool:
            return await _is_record_of(client, previous, deposit_id, amount)

        async def render(client: BackendClient, record: dict[str, Any]) -> Said | None:
            figures = _figures(record)
            if figures is None:
                return None
            principal, interest, lost = figures
            deposit = await client.deposit(record.get("deposit_id"))
            account = find_account(await client.accounts(), record.get("to_account_id"))
            remaining = yuan(record.get("remaining_principal"))
            if remaining is None:
                lines = [text("withdrawal_readback", name=deposit_name(deposit), principal=digits(principal),
                              capitals=capitals(principal), percent=record.get("annual_rate_percent"),
                              interest=digits(interest), lost=digits(lost),
                              maturity=date_cn(record.get("maturity_date")))]
            else:
                # A part (部分提前支取): what comes out, what it earns and loses, and what stays until when.
                kept = yuan(record.get("remaining_expected_interest"))
                lines = [text("withdrawal_part_readback", name=deposit_name(deposit), amount=digits(principal),
                              capitals=capitals(principal), percent=record.get("annual_rate_percent"),
                              interest=digits(interest), lost=digits(lost), remaining=digits(remaining),
                              maturity=date_cn(record.get("remaining_maturity_date") or record.get("maturity_date")),
                              kept=text("withdrawal_part_kept", interest=digits(kept)) if kept is not None else "")]
            if account is not None:
                lines.append(text("withdrawal_to_account", account=account_label(account)))
            lines.append(text("withdrawal_question"))
            return Said("\n".join(lines), text("withdrawal_key_figure", lost=digits(lost)),
                        {"deposit_id": int(str(record.get("deposit_id")))})

        return await read_back(dispatcher, tracker, FORM, key, create, render, report,
                               same_record=same_record,
                               answer_refusal=lambda refused: part_refused(dispatcher, tracker, refused))


async def _is_record_of(client: BackendClient, withdrawal_id: Any, deposit_id: Any, amount: str | None) -> bool:
    """True when the pending record the slot names is still pending, for this deposit and this much of it."""
    try:
        record = await client.withdrawal(withdrawal_id)
    except BackendRefused:
        return False
    whole = record.get("remaining_principal") is None
    same_part = whole if amount is None else (not whole and yuan(record.get("principal")) == yuan(amount))
    return record.get("status") == "pending" and str(record.get("deposit_id")) == str(deposit_id) and same_part


async def report(dispatcher: CollectingDispatcher, tracker: Tracker, client: BackendClient,
                 record: dict[str, Any]) -> str:
    """"取好了" with the record's figures (and, for a part, what stays); any other status: nothing moved."""
    principal, interest = yuan(record.get("principal")), yuan(record.get("interest"))
    if record.get("status") != "completed" or principal is None:
        say(dispatcher, tracker, "msg_withdrawal_refused", message=text("nothing_moved"))
        return "refused"
    account = find_account(await client.accounts(), record.get("to_account_id"))
    remaining = yuan(record.get("remaining_principal"))
    stays = "" if remaining is None else text(
        "withdrawal_done_remaining", remaining=digits(remaining),
        maturity=date_cn(record.get("remaining_maturity_date") or record.get("maturity_date")))
    say(dispatcher, tracker, "msg_withdrawal_done", principal=digits(principal),
        interest=digits(interest or 0), account=account_label(account) if account else text("your_account"),
        remaining=stays, custom={"key_figure": f"{digits(principal)}元"})
    return "completed"


class ActionWithdrawalSubmit(MoneyFormSubmit):
    """Confirms the pending record read back (`pending_withdrawal_id`), after the yes, and nothing else; its
    answer becomes `outcome`. No, a stop or a fraud stop cancels that record."""

    form = FORM
    report = report
