"""One-time notices at the start of a conversation (issue 12): "您的养老金3,500.00元已经到账了，12月5日到的。"

On the first turn of a conversation the bank's unread notices (`GET /notices`: pension credits, matured
deposits) are said once, one sentence each, then marked seen (`POST /notices/{id}/seen`). They come before
the answer to the customer's own request (`mentions_notices_first`, applied to the entry actions in
actions/__init__.py) or right after the greeting (`action_start_notices` in the greeting rule); they never
stand in its way: a failure is only logged.

Several matured deposits are said as one count sentence (actions/maturity.py's wording), and a pension notice
is not said before the answer to "养老金到了吗", which says the same (it is still marked seen).
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
from actions.common import client_for, say, token_of
from actions.texts import TEXTS

logger = logging.getLogger(__name__)

PENSION = "pension_credit"
MATURED = "deposit_matured"
SAID_SLOT = "notices_said"
# Entry actions whose own answer is the pension's arrival: the pension notice would say it twice.
ANSWERS_PENSION = ("action_pension_arrival",)
NOTICE_ID = re.compile(r"[a-z_]+:\d+")
TEXTS.setdefault("notice", "{text}")
TEXTS.setdefault("notices_matured", "您有{count}笔定期已经到期了，已经按您选的办好。")


async def unread_notices(client: BackendClient) -> list[dict[str, Any]]:
    answer = await client._request("GET", "/notices")
    return [n for n in answer or [] if isinstance(n, dict)]


async def mark_seen(client: BackendClient, notice_id: Any) -> None:
    # Notice ids are "pension:12" / "deposit:5": only that shape goes into the path.
    if NOTICE_ID.fullmatch(str(notice_id)):
        await client._request("POST", f"/notices/{notice_id}/seen")


async def say_notices(dispatcher: CollectingDispatcher, tracker: Tracker, skip_pension: bool = False) -> list[EventType]:
    """Says every unread notice once per conversation and marks it seen. Returns the slot event."""
    # After a scam warning the conversation stays on it: nothing else is brought up.
    if tracker.get_slot(SAID_SLOT) or tracker.get_slot("fraud_stopped") or token_of(tracker) is None:
        return []
    try:
        client = client_for(tracker)
        notices = await unread_notices(client)
        matured = [n for n in notices if n.get("kind") == MATURED]
        for notice in notices:
            if notice.get("kind") == MATURED and len(matured) > 1:
                continue
            if notice.get("kind") == PENSION and skip_pension:
                continue
            if notice.get("text"):
                say(dispatcher, tracker, "msg_notice", text=str(notice["text"]))
        if len(matured) > 1:
            say(dispatcher, tracker, "msg_notices_matured", count=len(matured))
        # On this turn's tracker too: a second entry action in the same turn (two requests) says nothing more.
        tracker.slots[SAID_SLOT] = True
        for notice in notices:
            await mark_seen(client, notice.get("id"))
    except (NotSignedIn, BackendError) as exc:
        logger.warning("notices not read: %s", type(exc).__name__)
        if tracker.slots.get(SAID_SLOT):
            return [SlotSet(SAID_SLOT, True)]
        return []
    return [SlotSet(SAID_SLOT, True)]


def mentions_notices_first(action_class: type) -> type:
    """Wraps an entry action so that the unread notices are said before its answer (once per conversation)."""
    run = action_class.run

    @functools.wraps(run)
    async def with_notices(self: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> list[Any]:
        events = await say_notices(dispatcher, tracker, skip_pension=self.name() in ANSWERS_PENSION)
        return events + await run(self, dispatcher, tracker, domain)

    action_class.run = with_notices  # type: ignore[attr-defined]
    return action_class


class ActionStartNotices(Action):
    """After the greeting: the unread notices, if any (nothing is said when there are none)."""

    def name(self) -> str:
        return "action_start_notices"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return await say_notices(dispatcher, tracker)
