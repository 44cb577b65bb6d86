"""Savings: the product list, and the time-deposit form (term, amount, source account, confirm-last)."""
from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal
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
from actions.backend_client import BackendError, BackendNoAnswer, BackendRefused, NotSignedIn
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

FORM_SLOTS = ("deposit_term", "deposit_amount", "from_account_id", "deposit_confirmed", "deposit_stop")
LEAVING_INTENTS = ("cancel", "human_handoff")
FEN = Decimal("0.01")


def term_products(products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Time-deposit products, shortest term first (the demand rate has term 0)."""
    return sorted((p for p in products if int(p.get("term_months") or 0) > 0), key=lambda p: int(p["term_months"]))


def product_for_term(products: list[dict[str, Any]], months: Any) -> dict[str, Any] | None:
    return next((p for p in term_products(products) if str(p.get("term_months")) == str(months)), None)


def rate_text(product: dict[str, Any]) -> str:
    """"1.10" -> "1.10": the rate as the backend gives it (a decimal string), never re-computed."""
    return str(product.get("annual_rate_percent") or "")


def expected_interest(principal: Decimal, annual_rate_percent: Decimal | str, term_months: int) -> Decimal:
    """Simple interest to maturity, half-up to the fen, as the backend computes it."""
    interest = principal * Decimal(str(annual_rate_percent)) / Decimal(100) * Decimal(term_months) / Decimal(12)
    return interest.quantize(FEN, rounding=ROUND_HALF_UP)


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
        intent = latest_intent(tracker)
        requested = tracker.get_slot("requested_slot")
        if intent in LEAVING_INTENTS or (intent == "deny" and requested not in (None, "deposit_confirmed")):
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
    def name(self) -> str:
        return "action_ask_deposit_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        amount = yuan(tracker.get_slot("deposit_amount"))
        try:
            client = client_for(tracker)
            product = product_for_term(await client.savings_products(), tracker.get_slot("deposit_term"))
            account = find_account(await client.accounts(), tracker.get_slot("from_account_id"))
        except NotSignedIn:
            return [SlotSet("deposit_stop", "not_signed_in"), SlotSet("requested_slot", None)]
        except BackendError:
            return [SlotSet("deposit_stop", "backend_down"), SlotSet("requested_slot", None)]
        if amount is None or product is None or account is None:
            return [SlotSet("deposit_stop", "backend_down"), SlotSet("requested_slot", None)]
        interest = expected_interest(amount, rate_text(product), int(product["term_months"]))
        text = (f"存{product.get('name')}，{digits(amount)}元，\n{capitals(amount)}。\n"
                f"年利率{rate_text(product)}%。\n到期利息约{digits(interest)}元。\n"
                f"从{account_label(account)}出钱。\n对吗？")
        dispatcher.utter_message(
            text=text, buttons=[button("是", "affirm"), button("否", "deny")],
            json_message={"speech_rate": speech_rate(tracker), "key_figure": f"{digits(amount)}元"},
        )
        return []


class ActionDepositSubmit(Action):
    def name(self) -> str:
        return "action_deposit_submit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        outcome = await self._outcome(dispatcher, tracker)
        return [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("outcome", outcome)]

    async def _outcome(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> str:
        stop = tracker.get_slot("deposit_stop")
        if stop:
            return stop if stop in ("backend_down", "not_signed_in") else "refused"
        if tracker.get_slot("deposit_confirmed") is not True:
            return "cancelled"
        amount = yuan(tracker.get_slot("deposit_amount"))
        form_id = tracker.get_slot("deposit_form_id")
        if amount is None or not form_id:
            return "cancelled"
        try:
            client = client_for(tracker)
            product = product_for_term(await client.savings_products(), tracker.get_slot("deposit_term"))
            if product is None:
                say(dispatcher, tracker, "msg_term_unknown")
                return "refused"
            deposit = await client.create_deposit(idempotency_key("deposit", tracker.sender_id, form_id),
                                                  product["id"], tracker.get_slot("from_account_id"), digits(amount))
        except NotSignedIn:
            return "not_signed_in"
        except BackendRefused as refused:
            say(dispatcher, tracker, "msg_deposit_refused", message=refused.message)
            return "insufficient_funds" if refused.code == "INSUFFICIENT_FUNDS" else "refused"
        except BackendNoAnswer:
            return "unknown"
        except BackendError:
            return "backend_down"
        principal = yuan(deposit.get("principal")) or amount
        interest = yuan(deposit.get("expected_interest"))
        if interest is None:
            interest = expected_interest(principal, rate_text(product), int(product["term_months"]))
        say(dispatcher, tracker, "msg_deposit_done", product_name=product.get("name", ""),
            amount=digits(principal), capitals=capitals(principal),
            maturity=_date_cn(deposit.get("maturity_date")), interest=digits(interest),
            custom={"key_figure": f"{digits(principal)}元"})
        return "completed"


def _date_cn(iso: Any) -> str:
    """"2027-11-27" -> "2027年11月27日"."""
    text = str(iso or "")[:10]
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{int(parts[0])}年{int(parts[1])}月{int(parts[2])}日"
    return text
