"""Balance and recent transactions, read from the backend and said in short sentences."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendError, NotSignedIn
from actions.common import capitals, client_for, digits, first_entity, say, yuan

RECENT_COUNT = 5


def accounts_asked_for(accounts: list[dict[str, Any]], kind: str | None) -> list[dict[str, Any]]:
    """The accounts of the kind the customer named (养老金 -> pension), or all when none fits."""
    chosen = [a for a in accounts if kind and a.get("kind") == kind]
    return chosen or accounts


class ActionCheckBalance(Action):
    def name(self) -> str:
        return "action_check_balance"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            accounts = await client_for(tracker).accounts()
        except NotSignedIn:
            say(dispatcher, tracker, "utter_not_signed_in")
            return []
        except BackendError:
            say(dispatcher, tracker, "utter_backend_down")
            return []
        if not accounts:
            say(dispatcher, tracker, "msg_no_accounts")
            return []
        for account in accounts_asked_for(accounts, first_entity(tracker, "account_type")):
            amount = yuan(account.get("balance")) or 0
            say(dispatcher, tracker, "msg_balance", account_name=account.get("name", "账户"),
                tail=account.get("tail", ""), amount=digits(amount), capitals=capitals(amount),
                custom={"key_figure": f"{digits(amount)}元"})
        return []


class ActionRecentTransactions(Action):
    def name(self) -> str:
        return "action_recent_transactions"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            client = client_for(tracker)
            accounts = await client.accounts()
            chosen = accounts_asked_for(accounts, first_entity(tracker, "account_type"))[:1]
            history = await client.transactions(chosen[0]["id"], RECENT_COUNT) if chosen else {"items": []}
        except NotSignedIn:
            say(dispatcher, tracker, "utter_not_signed_in")
            return []
        except BackendError:
            say(dispatcher, tracker, "utter_backend_down")
            return []
        if not chosen:
            say(dispatcher, tracker, "msg_no_accounts")
            return []
        name = chosen[0].get("name", "账户")
        items = (history or {}).get("items") or []
        if not items:
            say(dispatcher, tracker, "msg_no_transactions", account_name=name)
            return []
        say(dispatcher, tracker, "msg_transactions_header", account_name=name, count=len(items))
        for item in items:
            amount = yuan(item.get("amount")) or 0
            who = item.get("counterparty") or item.get("description") or ""
            say(dispatcher, tracker, "msg_transaction_line", date=_date_cn(item.get("created_at")),
                direction="转出" if amount < 0 else "转入", amount=digits(abs(amount)),
                capitals=capitals(abs(amount)), counterparty=f"\n{who}。" if who else "")
        return []


def _date_cn(iso: Any) -> str:
    """"2026-11-20T08:00:00Z" -> "11月20日": old customers think in days, not timestamps."""
    text = str(iso or "")[:10]
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{int(parts[1])}月{int(parts[2])}日"
    return text
