"""Savings: the product list, and the time-deposit form (term, amount, source account, confirm-last).

As for transfers, the read-back is rendered from the bank's `pending` deposit record (principal, rate,
expected interest, maturity date: the dialogue never computes money), and "是" confirms exactly that record.
"""
from __future__ import annotations

import logging
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
from actions.common import (
    date_cn as common_date_cn,
)
from actions.fraud import is_scam_turn
from actions.maturity import CHOICE_WORDS, maturity_choice_of

logger = logging.getLogger(__name__)

FORM_SLOTS = ("deposit_term", "deposit_amount", "maturity_choice", "from_account_id", "deposit_confirmed",
              "deposit_stop", "pending_deposit_id", "pending_deposit_key")
LEAVING_INTENTS = ("cancel", "human_handoff")
STOP_OUTCOMES = ("backend_down", "not_signed_in", "refused", "insufficient_funds", "completed")


def term_products(products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Time-deposit products, shortest term first (the demand rate has term 0)."""
    return sorted((p for p in products if int(p.get("term_months") or 0) > 0), key=lambda p: int(p["term_months"]))


def product_for_term(products: list[dict[str, Any]], months: Any) -> dict[str, Any] | None:
    return next((p for p in term_products(products) if str(p.get("term_months")) == str(months)), None)


def rate_text(product: dict[str, Any]) -> str:
    """"1.10" -> "1.10": the rate as the backend gives it (a decimal string), never re-computed."""
    return str(product.get("annual_rate_percent") or "")


def product_name(record: dict[str, Any], products: list[dict[str, Any]]) -> str:
    """The product's name: from the record (a product object), else by its code or id in the product list."""
    product = record.get("product")
    if isinstance(product, dict) and product.get("name"):
        return str(product["name"])
    found = next((p for p in products if product in (p.get("code"), p.get("id"))), None)
    return str((found or {}).get("name") or "定期")


class ActionSavingsProducts(Action):
    def name(self) -> str:
        return "action_savings_products"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            products = await client_for(tracker).savings_products()
        except NotSignedIn:
            say(dispatcher, tracker, "utter_not_signed_in")
            return []
        except BackendError:
            say(dispatcher, tracker, "utter_backend_down")
            return []
        say(dispatcher, tracker, "msg_products_header")
        ordered = sorted(products, key=lambda p: int(p.get("term_months") or 0))
        for index, product in enumerate(ordered):
            last = index == len(ordered) - 1
            say(dispatcher, tracker, "msg_product_line", name=product.get("name", ""), percent=rate_text(product),
                buttons=[button("存定期", "open_time_deposit")] if last else None)
        return []


class ActionDepositStart(Action):
    def name(self) -> str:
        return "action_deposit_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events: list[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS]
        events.append(SlotSet("deposit_form_id", uuid.uuid4().hex))
        if tracker.get_slot("fraud_stopped"):
            say(dispatcher, tracker, "msg_after_fraud_stop", buttons=[button("转人工", "human_handoff")])
            return events + [SlotSet("outcome", "refused")]
        try:
            client = client_for(tracker)
            accounts = source_accounts(await client.accounts())
            products = term_products(await client.savings_products())
        except NotSignedIn:
            return events + [SlotSet("outcome", "not_signed_in")]
        except BackendError:
            return events + [SlotSet("outcome", "backend_down")]
        if not accounts or not products:
            say(dispatcher, tracker, "msg_no_accounts")
            return events + [SlotSet("outcome", "refused")]
        if len(accounts) == 1:
            events.append(SlotSet("from_account_id", str(accounts[0]["id"])))
        return events + [SlotSet("outcome", "ready")]


class ValidateDepositForm(FormValidationAction):
    def name(self) -> str:
        return "validate_deposit_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # A scam story changes nothing in the form; the stop rule runs (actions/fraud.py).
        if is_scam_turn(tracker):
            return []
        intent = latest_intent(tracker)
        requested = tracker.get_slot("requested_slot")
        # "不转存，回活期" may read as deny: at the maturity question a choice in the words is an answer.
        answers_choice = requested == "maturity_choice" and maturity_choice_of(tracker, asked=True) is not None
        if intent in LEAVING_INTENTS or (intent == "deny" and requested not in (None, "deposit_confirmed")
                                         and not answers_choice):
            return []
        try:
            return await super().run(dispatcher, tracker, domain)
        except NotSignedIn:
            return [SlotSet("deposit_stop", "not_signed_in"), SlotSet("requested_slot", None)]
        except BackendError:
            return [SlotSet("deposit_stop", "backend_down"), SlotSet("requested_slot", None)]

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        return [] if tracker.get_slot("deposit_stop") else domain_slots

    async def extract_deposit_term(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        months = first_entity(tracker, "deposit_term")
        if months is None:
            return {}
        if product_for_term(await client_for(tracker).savings_products(), months) is None:
            say(dispatcher, tracker, "msg_term_unknown")
            return {"deposit_term": None}
        return {"deposit_term": months}

    async def extract_deposit_amount(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> dict[str, Any]:
        return extract_amount(dispatcher, tracker, "deposit_amount", confirm_slot="deposit_confirmed")

    async def extract_from_account_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        return await extract_from_account(tracker, client_for(tracker))

    async def extract_maturity_choice(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        asked = tracker.get_slot("requested_slot") == "maturity_choice"
        choice = maturity_choice_of(tracker, asked=asked)
        if choice is None:
            return {}
        found: dict[str, Any] = {"maturity_choice": choice}
        if (tracker.get_slot("requested_slot") == "deposit_confirmed"
                and choice != tracker.get_slot("maturity_choice")):
            found["deposit_confirmed"] = None  # changed at the read-back: read back again
        return found


class ActionAskMaturityChoice(Action):
    """At maturity: renew (自动转存, the default, as banks do) or back to 活期."""

    def name(self) -> str:
        return "action_ask_maturity_choice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        say(dispatcher, tracker, "msg_ask_maturity_choice",
            buttons=[button(CHOICE_WORDS["renew"], "inform", maturity_choice="renew"),
                     button(CHOICE_WORDS["demand"], "inform", maturity_choice="demand")])
        return []


class ActionAskDepositTerm(Action):
    def name(self) -> str:
        return "action_ask_deposit_term"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            products = term_products(await client_for(tracker).savings_products())
        except BackendError:
            products = []
        buttons = [button(f"{p.get('name')}，{rate_text(p)}%", "inform", deposit_term=str(p["term_months"]))
                   for p in products]
        dispatcher.utter_message(text="存多长时间？", buttons=buttons,
                                 json_message={"speech_rate": speech_rate(tracker)})
        return []


class ActionAskDepositConfirmed(Action):
    """The read-back of the bank's pending deposit: product, principal, rate, interest, maturity, account."""

    def name(self) -> str:
        return "action_ask_deposit_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("fraud_stopped"):
            return _stop("refused")
        amount = yuan(tracker.get_slot("deposit_amount"))
        term = tracker.get_slot("deposit_term")
        account_id = tracker.get_slot("from_account_id")
        form_id = tracker.get_slot("deposit_form_id")
        if amount is None or amount <= 0 or not term or not account_id or not form_id:
            return _stop("refused")
        choice = tracker.get_slot("maturity_choice") or "renew"
        key = idempotency_key("deposit", tracker.sender_id, form_id, term, digits(amount), account_id, choice)
        events: list[EventType] = []
        try:
            client = client_for(tracker)
            products = await client.savings_products()
            product = product_for_term(products, term)
            if product is None:
                say(dispatcher, tracker, "msg_term_unknown")
                return _stop("refused")
            previous = tracker.get_slot("pending_deposit_id")
            if previous and tracker.get_slot("pending_deposit_key") != key:
                await _cancel_quietly(client, previous)
                events.append(SlotSet("pending_deposit_id", None))
            record = await client.create_deposit(key, product["id"], account_id, digits(amount),
                                                 require_confirmation=True, maturity_choice=choice)
            accounts = await client.accounts()
        except NotSignedIn:
            return events + _stop("not_signed_in")
        except BackendRefused as refused:
            say(dispatcher, tracker, "msg_deposit_refused", message=refused.message)
            return events + _stop("insufficient_funds" if refused.code == "INSUFFICIENT_FUNDS" else "refused")
        except BackendError:
            return events + _stop("backend_down")
        if record.get("status") != "pending":
            # A bank that did not keep the record pending has opened the deposit already: report it.
            return events + _stop(_report(dispatcher, tracker, record, products))
        principal = yuan(record.get("principal"))
        record_id = record.get("id")
        account = find_account(accounts, record.get("source_account_id") or account_id)
        if principal is None or account is None or not str(record_id or "").isdigit():
            await _cancel_quietly(client, record_id)
            return events + _stop("backend_down")
        lines = [f"存{product_name(record, products)}，{digits(principal)}元，", f"{capitals(principal)}。"]
        if record.get("annual_rate_percent"):
            lines.append(f"年利率{record['annual_rate_percent']}%。")
        interest = yuan(record.get("expected_interest"))
        if interest is not None:
            lines.append(f"到期利息约{digits(interest)}元。")
        lines.append(f"到期{CHOICE_WORDS.get(str(record.get('maturity_choice') or choice), '')}。")
        lines += [f"从{account_label(account)}出钱。", "对吗？"]
        dispatcher.utter_message(
            text="\n".join(lines), buttons=[button("是", "affirm"), button("否", "deny")],
            json_message={"speech_rate": speech_rate(tracker), "key_figure": f"{digits(principal)}元",
                          "pending_id": int(record_id)},
        )
        return [*events, SlotSet("pending_deposit_id", str(record_id)), SlotSet("pending_deposit_key", key)]


def _stop(why: str) -> list[EventType]:
    return [SlotSet("deposit_stop", why), SlotSet("requested_slot", None)]


async def _cancel_quietly(client: BackendClient, deposit_id: Any) -> None:
    if not deposit_id:
        return
    try:
        await client.cancel_deposit(deposit_id)
    except BackendError as exc:
        logger.warning("pending deposit not cancelled: %s", type(exc).__name__)


class ActionDepositSubmit(Action):
    """Confirms the pending deposit the customer said yes to."""

    def name(self) -> str:
        return "action_deposit_submit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        outcome = await self._outcome(dispatcher, tracker)
        return [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("outcome", outcome)]

    async def _outcome(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> str:
        stop = tracker.get_slot("deposit_stop")
        pending = tracker.get_slot("pending_deposit_id")
        if stop:
            return stop if stop in STOP_OUTCOMES else "refused"
        if tracker.get_slot("deposit_confirmed") is not True or tracker.get_slot("fraud_stopped"):
            if pending:
                try:
                    await _cancel_quietly(client_for(tracker), pending)
                except NotSignedIn:
                    pass
            return "cancelled"
        if not pending:
            say(dispatcher, tracker, "msg_deposit_refused", message="钱没有动。")
            return "refused"
        try:
            client = client_for(tracker)
            deposit = await client.confirm_deposit(pending)
            products = await client.savings_products()
        except NotSignedIn:
            return "not_signed_in"
        except BackendRefused as refused:
            say(dispatcher, tracker, "msg_deposit_refused", message=refused.message)
            return "insufficient_funds" if refused.code == "INSUFFICIENT_FUNDS" else "refused"
        except BackendNoAnswer:
            return "unknown"
        except BackendError:
            return "backend_down"
        return _report(dispatcher, tracker, deposit, products)


def _report(dispatcher: CollectingDispatcher, tracker: Tracker, deposit: dict[str, Any],
            products: list[dict[str, Any]]) -> str:
    """"存好了" with the record's own figures; any other status: nothing was opened."""
    principal = yuan(deposit.get("principal"))
    if deposit.get("status") != "active" or principal is None:
        say(dispatcher, tracker, "msg_deposit_refused", message="钱没有动。")
        return "refused"
    interest = yuan(deposit.get("expected_interest"))
    say(dispatcher, tracker, "msg_deposit_done", product_name=product_name(deposit, products),
        amount=digits(principal), capitals=capitals(principal),
        maturity=date_cn(deposit.get("maturity_date")),
        interest=f"\n到期利息约{digits(interest)}元。" if interest is not None else "",
        custom={"key_figure": f"{digits(principal)}元"})
    return "completed"


date_cn = common_date_cn  # kept under this name for the other skills
