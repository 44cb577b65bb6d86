"""Two requests in one message, done in order: "查一下余额，然后给儿子转三百", "先看看利息，然后存一万一年".

assistant/components/multi_request.py sets the intent `multi_request` when assistant/multi.py splits the message
into a question that moves no money and a second request. This action answers the question, then the second
part: another question is answered too; a money flow is started here (its start action runs) and the
`queued_flow` slot tells the rules which form to run next, with its normal questions and read-back. The form
fills its slots from this message's entities, which the component left to the second part only.
"""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.balance import ActionCheckBalance, ActionRecentTransactions
from actions.bills import ActionBillStart
from actions.common import button, latest_text, say
from actions.pension import ActionPensionArrival
from actions.savings import ActionDepositStart, ActionSavingsProducts
from actions.transfer import ActionTransferStart
from actions.withdrawal import ActionWithdrawalStart
from assistant.multi import split_requests

INFO_ACTIONS = {
    "check_balance": ActionCheckBalance, "recent_transactions": ActionRecentTransactions,
    "savings_products": ActionSavingsProducts, "ask_pension_arrival": ActionPensionArrival,
}
# The money flow each request starts -> (its start action, the queued_flow value the rules read).
FLOWS = {
    "transfer_money": (ActionTransferStart, "transfer"),
    "open_time_deposit": (ActionDepositStart, "deposit"),
    "withdraw_deposit_early": (ActionWithdrawalStart, "withdrawal"),
    "pay_bill": (ActionBillStart, "bill"),
}
WHY_NOT = {"not_signed_in": "utter_not_signed_in", "backend_down": "utter_backend_down"}
# Nothing more to run: the rules read these two slots (outcome cleared, so one rule fits every such turn).
NOTHING_QUEUED: list[EventType] = [SlotSet("outcome", None), SlotSet("queued_flow", "none")]


def _outcome(events: list[EventType]) -> str | None:
    return next((e.get("value") for e in reversed(events) if e.get("event") == "slot" and e.get("name") == "outcome"),
                None)


class ActionMultiRequest(Action):
    def name(self) -> str:
        return "action_multi_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        split = split_requests(latest_text(tracker))
        if split is None:
            say(dispatcher, tracker, "msg_fallback", custom={"misunderstood": True}, buttons=[
                button("查余额", "check_balance"), button("转账", "transfer_money"),
                button("存定期", "open_time_deposit"), button("转人工", "human_handoff")])
            return list(NOTHING_QUEUED)
        events: list[EventType] = list(await INFO_ACTIONS[split.first]().run(dispatcher, tracker, domain))
        if split.second in INFO_ACTIONS:
            events += await INFO_ACTIONS[split.second]().run(dispatcher, tracker, domain)
            return events + NOTHING_QUEUED
        start, flow = FLOWS[split.second]
        started = list(await start().run(dispatcher, tracker, domain))
        outcome = _outcome(started)
        if outcome != "ready":
            if outcome in WHY_NOT:
                say(dispatcher, tracker, WHY_NOT[outcome])
            return events + started + NOTHING_QUEUED
        return events + started + [SlotSet("queued_flow", flow)]
