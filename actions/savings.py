"""Savings: the product list, and the time-deposit form (term, amount, source account, confirm-last).

As for transfers, the read-back is rendered from the bank's `pending` deposit record (principal, rate,
expected interest, maturity date: the dialogue never computes money), and "是" confirms exactly that record.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.accounts import account_label, extract_amount, find_account, source_accounts
from actions.backend_client import BackendClient
from actions.common import (
    answer,
    button,
    capitals,
    client_for,
    date_cn,
    digits,
    first_entity,
    idempotency_key,
    listed,
    say,
    yuan,
)
from actions.maturity import CHOICE_WORDS, maturity_choice_of
from actions.money_form import (
    FormStop,
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
from actions.texts import text

FORM_SLOTS = ("deposit_term", "deposit_amount", "maturity_choice", "from_account_id", "deposit_confirmed",
              "deposit_stop", "pending_deposit_id", "pending_deposit_key")
FORM = MoneyForm(
    kind="deposit", name="deposit", slots=FORM_SLOTS, form_id_slot="deposit_form_id", stop_slot="deposit_stop",
    confirm_slot="deposit_confirmed", pending_slot="pending_deposit_id", key_slot="pending_deposit_key",
    read=BackendClient.deposit, confirm=BackendClient.confirm_deposit, cancel=BackendClient.cancel_deposit,
    refused_response="msg_deposit_refused", nothing_moved=text("nothing_moved"), done_statuses=("active",),
)


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
        async def reply(client: BackendClient) -> None:
            products = await client.savings_products()
            say(dispatcher, tracker, "msg_products_header")
            ordered = sorted(products, key=lambda p: int(p.get("term_months") or 0))
            for index, product in enumerate(ordered):
                last = index == len(ordered) - 1
                say(dispatcher, tracker, "msg_product_line", name=product.get("name", ""),
                    percent=rate_text(product),
                    buttons=[button(text("open_deposit_button"), "open_time_deposit")] if last else None)

        return await answer(dispatcher, tracker, reply)


class ActionDepositStart(MoneyFormStart):
    form = FORM

    @staticmethod
    async def prepare(client: BackendClient) -> list[EventType]:
        accounts = source_accounts(await client.accounts())
        products = term_products(await client.savings_products())
        if not accounts or not products:
            raise NothingToDo("msg_no_accounts")
        return preset_source_account(accounts)


class ValidateDepositForm(MoneyFormValidation):
    form = FORM

    def name(self) -> str:
        return "validate_deposit_form"

    def confirm_slots(self, tracker: Tracker) -> tuple[str, ...]:
        # "不转存，回活期" may read as deny: at the maturity question a choice in the words is an answer.
        asked = tracker.get_slot("requested_slot") == "maturity_choice"
        answers_choice = asked and maturity_choice_of(tracker, asked=True) is not None
        return (*super().confirm_slots(tracker), *(("maturity_choice",) if answers_choice else ()))

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
        products = term_products(await listed(tracker, BackendClient.savings_products))
        say(dispatcher, tracker, "msg_ask_deposit_term", buttons=[
            button(text("deposit_term_button", name=p.get("name"), percent=rate_text(p)), "inform",
                   deposit_term=str(p["term_months"])) for p in products])
        return []


class ActionAskDepositConfirmed(MoneyFormReadBack):
    """The read-back of the bank's pending deposit: product, principal, rate, interest, maturity, account."""

    form = FORM

    async def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker, form_id: str) -> list[EventType]:
        amount = yuan(tracker.get_slot("deposit_amount"))
        term = tracker.get_slot("deposit_term")
        account_id = tracker.get_slot("from_account_id")
        if amount is None or amount <= 0 or not term or not account_id:
            return FORM.stop("refused")
        choice = tracker.get_slot("maturity_choice") or "renew"
        key = idempotency_key("deposit", tracker.sender_id, form_id, term, digits(amount), account_id, choice)

        async def create(client: BackendClient) -> dict[str, Any]:
            product = product_for_term(await client.savings_products(), term)
            if product is None:
                say(dispatcher, tracker, "msg_term_unknown")
                raise FormStop("refused")
            return await client.create_deposit(key, product["id"], account_id, digits(amount),
                                               require_confirmation=True, maturity_choice=choice)

        async def render(client: BackendClient, record: dict[str, Any]) -> Said | None:
            principal = yuan(record.get("principal"))
            account = find_account(await client.accounts(), record.get("source_account_id") or account_id)
            if principal is None or account is None:
                return None
            products = await client.savings_products()
            lines = [text("deposit_readback", product=product_name(record, products), amount=digits(principal),
                          capitals=capitals(principal))]
            if record.get("annual_rate_percent"):
                lines.append(text("deposit_readback_rate", percent=record["annual_rate_percent"]))
            interest = yuan(record.get("expected_interest"))
            if interest is not None:
                lines.append(text("deposit_readback_interest", interest=digits(interest)))
            lines.append(text("deposit_readback_choice",
                              choice=CHOICE_WORDS.get(str(record.get("maturity_choice") or choice), "")))
            lines += [text("readback_from_account", account=account_label(account)), text("readback_question")]
            return Said("\n".join(lines), f"{digits(principal)}元")

        return await read_back(dispatcher, tracker, FORM, key, create, render, report)


async def report(dispatcher: CollectingDispatcher, tracker: Tracker, client: BackendClient,
                 deposit: dict[str, Any]) -> str:
    """"存好了" with the record's own figures; any other status: nothing was opened."""
    principal = yuan(deposit.get("principal"))
    if deposit.get("status") != "active" or principal is None:
        say(dispatcher, tracker, "msg_deposit_refused", message=text("nothing_moved"))
        return "refused"
    products = await client.savings_products()
    interest = yuan(deposit.get("expected_interest"))
    say(dispatcher, tracker, "msg_deposit_done", product_name=product_name(deposit, products),
        amount=digits(principal), capitals=capitals(principal),
        maturity=date_cn(deposit.get("maturity_date")),
        interest=text("deposit_done_interest", interest=digits(interest)) if interest is not None else "",
        custom={"key_figure": f"{digits(principal)}元"})
    return "completed"


class ActionDepositSubmit(MoneyFormSubmit):
    """Confirms the pending deposit the customer said yes to."""

    form = FORM
    report = report
