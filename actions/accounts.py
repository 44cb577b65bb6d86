"""Which account money comes from, and the amount the customer said; shared by both money forms."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient
from actions.common import first_entity, say, yuan
from rules.accounts import is_spendable


def source_accounts(accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in accounts if is_spendable(a.get("kind"))]


def account_label(account: dict[str, Any]) -> str:
    """"活期账户，尾号1234": the tail only, never the full number."""
    return f"{account.get('name') or '账户'}，尾号{account.get('tail') or ''}"


def find_account(accounts: list[dict[str, Any]], account_id: Any) -> dict[str, Any] | None:
    return next((a for a in accounts if str(a.get("id")) == str(account_id)), None)


async def extract_from_account(tracker: Tracker, client: BackendClient) -> dict[str, Any]:
    """from_account_id from a button (entity from_account_id) or a spoken kind (养老金卡 -> pension)."""
    chosen = first_entity(tracker, "from_account_id")
    kind = first_entity(tracker, "account_type")
    requested = tracker.get_slot("requested_slot")
    if chosen is None and (not is_spendable(kind) or requested not in (None, "from_account_id")):
        return {}
    accounts = source_accounts(await client.accounts())
    if chosen is not None:
        return {"from_account_id": chosen if find_account(accounts, chosen) else None}
    of_kind = [a for a in accounts if a.get("kind") == kind]
    return {"from_account_id": str(of_kind[0]["id"])} if len(of_kind) == 1 else {}


def extract_amount(dispatcher: CollectingDispatcher, tracker: Tracker, slot: str,
                   confirm_slot: str | None = None) -> dict[str, Any]:
    """The exact amount of this message for `slot`, or an explanation why it is not usable.

    Returning {slot: None} (not {}) when the amount is unusable tells Rasa the message was understood,
    so the form keeps our explanation and asks for the amount again. A different amount said while the
    form waits on `confirm_slot` clears that slot: the new amount is read back instead of taking a yes or no.
    """
    amount = first_entity(tracker, "amount")
    if amount is not None and (value := yuan(amount)) is not None and value > 0:
        found: dict[str, Any] = {slot: f"{value}"}
        if (confirm_slot and tracker.get_slot("requested_slot") == confirm_slot
                and found[slot] != tracker.get_slot(slot)):
            found[confirm_slot] = None
        return found
    issue = first_entity(tracker, "amount_issue")
    requested = tracker.get_slot("requested_slot")
    if issue in ("ambiguous", "foreign", "invalid") or (amount is not None and requested == slot):
        say(dispatcher, tracker, f"msg_amount_{issue if issue in ('ambiguous', 'foreign') else 'invalid'}")
        return {slot: None}
    return {}


class ActionAskTransferAmount(Action):
    """Asks the amount. An action, not an utter_ask response, so that `rasa data validate` does not
    count the question as an unused response."""

    def name(self) -> str:
        return "action_ask_transfer_amount"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        say(dispatcher, tracker, "msg_ask_transfer_amount")
        return []


class ActionAskDepositAmount(Action):
    def name(self) -> str:
        return "action_ask_deposit_amount"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        say(dispatcher, tracker, "msg_ask_deposit_amount")
        return []
