"""Conversation control: repeat, slower, cancel, hand over to a person, and the fallback."""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import bills, revoke, savings, transfer, withdrawal
from actions.backend_client import BackendError, NotSignedIn
from actions.common import active_loop_name, button, client_for, say, speech_rate, yuan
from actions.payees import normalise_relationship
from rules import speech

logger = logging.getLogger(__name__)

# Bot replies marked with these custom keys are about the conversation itself, not worth repeating.
CONTROL = "control"
MISUNDERSTOOD = "misunderstood"
INTENT_WORDS = {
    "check_balance": "查余额", "transfer_money": "转账", "open_time_deposit": "存定期",
    "recent_transactions": "查明细", "savings_products": "问利率", "nlu_fallback": "没听懂",
    "out_of_scope": "问了别的事", "human_handoff": "要转人工", "cancel": "取消", "repeat": "请再说一遍",
    "slower": "请说慢点", "help": "问能办什么", "affirm": "说好", "deny": "说不", "inform": "回答问题",
    "greet": "问好", "thank": "道谢", "goodbye": "道别", "bot_challenge": "问是不是机器人",
    "report_scam_instruction": "说了像骗局的事", "withdraw_deposit_early": "提前取定期",
    "set_maturity_choice": "改到期怎么办", "ask_pension_arrival": "问养老金到没到", "multi_request": "一次说了两件事",
}
OUTCOME_WORDS = {
    "completed": "已办成", "held": "等柜员核对", "refused": "银行没有办", "insufficient_funds": "余额不够",
    "scam": "疑似诈骗，已拦下", "cancelled": "客户取消了", "backend_down": "系统连不上",
    "not_signed_in": "没有登录", "unknown": "结果不明，请核查",
}
FORM_WORDS = {"transfer_form": "转账", "deposit_form": "存定期", "withdrawal_form": "提前取定期", "bill_form": "缴费",
              "revoke_form": "撤回转账"}
# Staff read the summary: a form with no words of its own is said generally, never by its code name.
UNNAMED_FORM = "一件业务"


def _user_indices(events: list[dict[str, Any]]) -> list[int]:
    return [i for i, e in enumerate(events) if e.get("event") == "user"]


def previous_turn_replies(tracker: Tracker) -> list[dict[str, Any]]:
    """The bot messages between the previous user message and the current one."""
    events = list(tracker.events)
    users = _user_indices(events)
    if not users:
        return []
    end = users[-1]
    start = users[-2] + 1 if len(users) > 1 else 0
    return [e for e in events[start:end] if e.get("event") == "bot"]


def replay(dispatcher: CollectingDispatcher, tracker: Tracker, rate: float) -> int:
    """Sends the previous turn's replies again at `rate`; in a form the last one (its question) is left
    to the form, which asks it again right after. Returns how many were sent."""
    replies = [r for r in previous_turn_replies(tracker)
               if not ((r.get("data") or {}).get("custom") or {}).get(CONTROL)]
    if active_loop_name(tracker) and replies:
        replies = replies[:-1]
    for reply in replies:
        data = reply.get("data") or {}
        custom = {**(data.get("custom") or {}), "speech_rate": rate}
        dispatcher.utter_message(text=reply.get("text"), buttons=data.get("buttons") or [], json_message=custom)
    return len(replies)


class ActionRepeat(Action):
    def name(self) -> str:
        return "action_repeat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if replay(dispatcher, tracker, speech_rate(tracker)) == 0 and not active_loop_name(tracker):
            say(dispatcher, tracker, "msg_nothing_to_repeat")
        return []


class ActionSlower(Action):
    """Lowers the speech rate one step (rules.speech.slower) and says it again slower."""

    def name(self) -> str:
        return "action_slower"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        rate = speech.slower(speech_rate(tracker))
        say(dispatcher, tracker, "msg_slower", rate=rate, custom={CONTROL: True})
        replay(dispatcher, tracker, rate)
        return [SlotSet("speech_rate", rate)]


async def _cancel_pending(tracker: Tracker) -> None:
    """Cancels the pending records a read-back was rendered from; a failure is only logged (they expire)."""
    transfer_id = tracker.get_slot("pending_transfer_id")
    deposit_id = tracker.get_slot("pending_deposit_id")
    bill_id = tracker.get_slot("pending_bill_id")
    withdrawal_id = tracker.get_slot("pending_withdrawal_id")
    if not transfer_id and not deposit_id and not bill_id and not withdrawal_id:
        return
    try:
        client = client_for(tracker)
        if transfer_id:
            await client.cancel_transfer(transfer_id)
        if deposit_id:
            await client.cancel_deposit(deposit_id)
        if bill_id:
            await bills.cancel_quietly(client, bill_id)
        if withdrawal_id:
            await withdrawal.cancel_quietly(client, withdrawal_id)
    except (NotSignedIn, BackendError) as exc:
        logger.warning("pending record not cancelled: %s", type(exc).__name__)


async def _end_form(tracker: Tracker) -> list[EventType]:
    """Ends whatever form runs, clearing its slots and cancelling its pending record: nothing half-filled
    survives a cancel.

    The loop is ended even when none runs (a no-op), so one rule covers both cases.
    """
    await _cancel_pending(tracker)
    if not active_loop_name(tracker):
        return [ActiveLoop(None)]
    slots = (set(transfer.FORM_SLOTS) | set(savings.FORM_SLOTS) | set(withdrawal.FORM_SLOTS) | set(bills.FORM_SLOTS)
             | set(revoke.SLOTS))
    return [SlotSet(slot, None) for slot in sorted(slots)] + [ActiveLoop(None), SlotSet("requested_slot", None)]


class ActionCancelFlow(Action):
    def name(self) -> str:
        return "action_cancel_flow"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        say(dispatcher, tracker, "msg_cancelled" if active_loop_name(tracker) else "utter_ok")
        return await _end_form(tracker)


def handoff_summary(tracker: Tracker) -> str:
    """A few words for the staff member taking over: what the customer was doing, no secrets in it."""
    parts: list[str] = []
    form = active_loop_name(tracker)
    if form:
        parts.append(f"客户正在办{FORM_WORDS.get(form, UNNAMED_FORM)}，没有办完。")
        amount = yuan(tracker.get_slot("transfer_amount") or tracker.get_slot("deposit_amount"))
        if amount is not None:
            parts.append(f"金额{amount}元。")
        if tracker.get_slot("payee_hint"):
            parts.append(f"收款人：{normalise_relationship(tracker.get_slot('payee_hint'))}。")
    intents = [((e.get("parse_data") or {}).get("intent") or {}).get("name")
               for e in tracker.events if e.get("event") == "user"][-5:-1]
    said = "、".join(INTENT_WORDS[i] for i in intents if i in INTENT_WORDS)
    if said:
        parts.append(f"前面说了：{said}。")
    outcome = OUTCOME_WORDS.get(tracker.get_slot("outcome") or "")
    if outcome:
        parts.append(f"上一笔：{outcome}。")
    return "".join(parts) or "客户要求转人工。"


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # "misunderstood": the customer took the person offered after Anxin did not understand them.
        misunderstood = any(((r.get("data") or {}).get("custom") or {}).get(MISUNDERSTOOD)
                            for r in previous_turn_replies(tracker))
        reason = "misunderstood" if misunderstood else "asked"
        say(dispatcher, tracker, "msg_handoff", custom={"handoff": {"reason": reason,
                                                                    "summary": handoff_summary(tracker)}})
        return await _end_form(tracker)


class ActionAnxinFallback(Action):
    """Says what Anxin can do; on the second misunderstanding in a row offers a person instead."""

    def name(self) -> str:
        return "action_anxin_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        again = any(((r.get("data") or {}).get("custom") or {}).get(MISUNDERSTOOD)
                    for r in previous_turn_replies(tracker))
        if again and active_loop_name(tracker):
            # The form asks its own question right after: no second question here, just the way out.
            say(dispatcher, tracker, "msg_fallback_in_form_again", custom={MISUNDERSTOOD: True},
                buttons=[button("转人工", "human_handoff")])
        elif again:
            say(dispatcher, tracker, "msg_fallback_offer_human", custom={MISUNDERSTOOD: True},
                buttons=[button("转人工", "human_handoff"), button("不用了", "deny")])
        elif active_loop_name(tracker):
            # The form asks its question again right after this.
            say(dispatcher, tracker, "msg_fallback_in_form", custom={MISUNDERSTOOD: True})
        else:
            say(dispatcher, tracker, "msg_fallback", custom={MISUNDERSTOOD: True}, buttons=[
                button("查余额", "check_balance"), button("转账", "transfer_money"),
                button("存定期", "open_time_deposit"), button("转人工", "human_handoff")])
        return []
