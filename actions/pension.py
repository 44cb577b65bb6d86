""""养老金打过来了吗": the last pension credit (date and amount), or that this month's has not come yet.

Answered from the bank's pension credits (`GET /pension/credits`: its `message` is the sentence, e.g.
"这个月的养老金还没有到账。上一次是11月5日到的，3,500.00元。"), not with a plain balance.
"""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient
from actions.common import answer, digits, say, yuan


class ActionPensionArrival(Action):
    def name(self) -> str:
        return "action_pension_arrival"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        async def reply(client: BackendClient) -> None:
            credits = await client.pension_credits()
            last = (credits or {}).get("last") or {}
            amount = yuan(last.get("amount"))
            custom = {"key_figure": f"{digits(amount)}元"} if amount is not None else {}
            message = str((credits or {}).get("message") or "") or "还没有查到养老金到账的记录。"
            say(dispatcher, tracker, "msg_pension", message=message, custom=custom)

        return await answer(dispatcher, tracker, reply, refused_response="msg_pension_unknown")
