"""What happens to a time deposit at maturity, and telling the customer when one has matured.

- Opening a deposit asks renew (自动转存, the default) or back to 活期 (actions/savings.py asks; the words are
  read here) and the choice goes on the pending deposit (`maturity_choice`).
- "定期到期了转到活期" later: `action_set_maturity_choice` changes it at the bank (PATCH /deposits/{id}) and
  reads back the bank's record. Nothing moves now, so there is no confirm-last question.
- A matured deposit is said once, in one sentence, before the first answer of the next conversation
  (`mentions_notices_first`, applied to the skills' entry actions in actions/__init__.py), from the bank's
  `/notices`; then the notice is marked seen.
"""
from __future__ import annotations

import functools
import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendError, NotSignedIn
from actions.common import (
    answer,
    button,
    client_for,
    date_cn,
    digits,
    first_entity,
    latest_intent,
    latest_text,
    say,
    token_of,
    yuan,
)

logger = logging.getLogger(__name__)

RENEW, DEMAND = "renew", "demand"
CHOICES = (RENEW, DEMAND)
CHOICE_WORDS = {RENEW: "自动转存", DEMAND: "转回活期"}
# Words for each choice. 活期 alone means "back to demand" only where the choice is being talked about.
_DEMAND_WORDS = re.compile(r"(转|回|放|打|拿|取|变|改|成|到).{0,3}活期|活期.{0,2}(就行|吧|账户)|不(要|用)?(再)?(自动)?(转存|续存|续|存了)|别(再)?(自动)?(转存|续|存了)|取消.{0,2}(自动)?转存|转存.{0,2}(关|取消)|取出来|转回来|回卡|到卡")
_RENEW_WORDS = re.compile(r"转存|续存|续上|接着存|继续存|再存|自己续|续一|开通.{0,2}自动|自动.{0,3}(打开|开)")
_TOPIC = re.compile(r"到期|转存|续存|续上")
NOTICE_KIND = "deposit_matured"


def choice_from_text(text: str) -> str | None:
    if _DEMAND_WORDS.search(text):
        return DEMAND
    if _RENEW_WORDS.search(text):
        return RENEW
    return None


def maturity_choice_of(tracker: Tracker, asked: bool = False) -> str | None:
    """The choice in this message: a button (entity), the words, or (when just asked) a yes for the default.

    Outside the question the words count only when they are about maturity ("到期", "转存"), so "从活期账户"
    answering another question is never taken as a choice."""
    chosen = first_entity(tracker, "maturity_choice")
    if chosen in CHOICES:
        return chosen
    text = latest_text(tracker)
    if text.startswith("/"):
        return None
    if asked or _TOPIC.search(text):
        found = choice_from_text(text)
        if found is not None:
            return found
    if asked and latest_intent(tracker) == "affirm":
        return RENEW  # "好的" to "自动转存，还是转回活期？": the default, as banks do
    return None


def _line(deposit: dict[str, Any]) -> str:
    product = deposit.get("product")
    name = product.get("name") if isinstance(product, dict) and product.get("name") else "定期"
    principal = yuan(deposit.get("principal"))
    amount = f"{digits(principal)}元，" if principal is not None else ""
    return f"{name}，{amount}{date_cn(deposit.get('maturity_date'))}到期"


class ActionSetMaturityChoice(Action):
    def name(self) -> str:
        return "action_set_maturity_choice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("fraud_stopped"):
            say(dispatcher, tracker, "msg_after_fraud_stop", buttons=[button("转人工", "human_handoff")])
            return []
        choice = maturity_choice_of(tracker, asked=True)
        if choice is None or latest_intent(tracker) == "affirm":
            choice = maturity_choice_of(tracker, asked=False)

        async def reply(client: BackendClient) -> None:
            deposits = [d for d in await client.deposits() if d.get("status") == "active"]
            if not deposits:
                say(dispatcher, tracker, "msg_no_deposits")
                return
            chosen = first_entity(tracker, "deposit_id")
            if chosen is not None:
                deposits = [d for d in deposits if str(d.get("id")) == str(chosen)]
            if choice is None:
                say(dispatcher, tracker, "msg_ask_maturity_choice", buttons=[
                    button(CHOICE_WORDS[c], "set_maturity_choice", maturity_choice=c,
                           **({"deposit_id": str(chosen)} if chosen is not None else {})) for c in CHOICES])
                return
            if len(deposits) != 1:
                lines = [f"{i}. {_line(d)}。" for i, d in enumerate(deposits, start=1)]
                say(dispatcher, tracker, "msg_which_deposit", lines="\n".join(lines), buttons=[
                    button(_line(d), "set_maturity_choice", deposit_id=str(d["id"]), maturity_choice=choice)
                    for d in deposits])
                return
            record = await client.set_maturity_choice(deposits[0]["id"], choice)
            done = str(record.get("maturity_choice") or "")
            say(dispatcher, tracker, "msg_maturity_set", line=_line(record), choice=CHOICE_WORDS.get(done, ""))

        return await answer(dispatcher, tracker, reply, refused_response="msg_maturity_refused")


async def say_matured_notices(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """One sentence about deposits that matured since the customer last heard, once per conversation."""
    # After a fraud stop nothing more is asked of the bank in this conversation (issue 9), notices neither.
    if tracker.get_slot("notices_said") or tracker.get_slot("fraud_stopped") or token_of(tracker) is None:
        return []
    try:
        client = client_for(tracker)
        notices = [n for n in await client.notices() if n.get("kind") == NOTICE_KIND]
        if len(notices) == 1:
            say(dispatcher, tracker, "msg_notice", text=str(notices[0].get("text") or ""))
        elif notices:
            say(dispatcher, tracker, "msg_notices_matured", count=len(notices))
        # Also on this turn's tracker: a second entry action in the same turn (two requests) says nothing more.
        tracker.slots["notices_said"] = True
        for notice in notices:
            await client.notice_seen(str(notice.get("id")))
    except (NotSignedIn, BackendError) as exc:
        # A notice never stands in the way of what the customer asked for.
        logger.warning("notices not read: %s", type(exc).__name__)
        return []
    return [SlotSet("notices_said", True)]


def mentions_notices_first(action_class: type) -> type:
    """Wraps an entry action so that a matured deposit is mentioned before its answer (once)."""
    run = action_class.run

    @functools.wraps(run)
    async def with_notices(self: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> list[Any]:
        events = await say_matured_notices(dispatcher, tracker)
        return events + await run(self, dispatcher, tracker, domain)

    action_class.run = with_notices  # type: ignore[attr-defined]
    return action_class
