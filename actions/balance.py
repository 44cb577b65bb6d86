"""Balance and recent transactions, read from the backend and said in short sentences."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient
from actions.common import answer, capitals, date_cn, digits, first_entity, say, yuan

RECENT_COUNT = 5


def accounts_asked_for(accounts: list[dict[str, Any]], kind: str | None) -> list[dict[str, Any]]:
    """The accounts of the kind the customer named (养老金 -> pension), or all when none fits."""
    chosen = [a for a in accounts if kind and a.get("kind") == kind]
    return chosen or accounts


class ActionCheckBalance(Action):
    def name(self) -> str:
        return "action_check_balance"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        async def reply(client: BackendClient) -> None:
            accounts = await client.accounts()
            if not accounts:
                say(dispatcher, tracker, "msg_no_accounts")
                return
            for account in accounts_asked_for(accounts, first_entity(tracker, "account_type")):
                amount = yuan(account.get("balance")) or 0
                say(dispatcher, tracker, "msg_balance", account_name=account.get("name", "账户"),
                    tail=account.get("tail", ""), amount=digits(amount), capitals=capitals(amount),
                    custom={"key_figure": f"{digits(amount)}元"})

        return await answer(dispatcher, tracker, reply)


class ActionRecentTransactions(Action):
    def name(self) -> str:
        return "action_recent_transactions"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        async def reply(client: BackendClient) -> None:
            accounts = await client.accounts()
            chosen = accounts_asked_for(accounts, first_entity(tracker, "account_type"))[:1]
            if not chosen:
                say(dispatcher, tracker, "msg_no_accounts")
                return
            history = await client.transactions(chosen[0]["id"], RECENT_COUNT)
            name = chosen[0].get("name", "账户")
            items = (history or {}).get("items") or []
            if not items:
                say(dispatcher, tracker, "msg_no_transactions", account_name=name)
                return
            say(dispatcher, tracker, "msg_transactions_header", account_name=name, count=len(items))
            for item in items:
                amount = yuan(item.get("amount")) or 0
                who = item.get("counterparty") or item.get("description") or ""
                # "11月20日", no year: old customers think in days, not timestamps.
                say(dispatcher, tracker, "msg_transaction_line", date=date_cn(item.get("created_at"), year=False),
                    direction="转出" if amount < 0 else "转入", amount=digits(abs(amount)),
                    capitals=capitals(abs(amount)), counterparty=f"\n{who}。" if who else "")

        return await answer(dispatcher, tracker, reply)
