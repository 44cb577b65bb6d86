"""The one skeleton of a money form (issue 15): transfer, time deposit, early withdrawal and bill payment.

Every money form runs the same four steps, and only this module says how:

- **start** (`MoneyFormStart`, `start_form`): a new form id, the form's slots cleared; after a fraud stop nothing is asked of the
  bank (issue 9); the form's own first reads (payees, accounts, deposits) check sign-in and the backend.
- **validate** (`MoneyFormValidation`): a turn that leaves, digresses, says no to no question of the form, or
  is a scam story touches none of the form's slots (`leaves_untouched`); a backend failure while extracting
  stops the form.
- **confirm-last** (`read_back`): the read-back creates a *pending* record at the bank and is rendered from
  that record only (the dialogue computes no money); asked again with the same values it reads the same
  record; other values cancel the old record first. Nothing moves.
- **submit** (`submit`): "是" confirms exactly the record read back and nothing else; a yes delivered again
  after the bank executed it reports what the bank did; no, a stop or a fraud stop cancels the record.

Failures are sorted one way (`failure_outcome`, `refusal`): not signed in / refused with a code (the bank's
sentence is said) / unavailable / no answer to a money request (outcome unknown, never "unavailable").
Each form keeps only what is its own: its slots, its wording (actions/texts.py) and its backend routes. Its
start and submit actions are named from the form (`action_<name>_start`, `action_<name>_submit`).
"""
from __future__ import annotations

import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.accounts import extract_from_account
from actions.backend_client import BackendClient, BackendError, BackendNoAnswer, BackendRefused, NotSignedIn
from actions.common import button, client_for, latest_intent, say, speech_rate
from actions.fraud import is_scam_turn
from actions.texts import text

logger = logging.getLogger(__name__)

# Intents that end any form through a rule (cancel, hand over) instead of answering its question.
LEAVING_INTENTS = ("cancel", "human_handoff")
# Questions answered in the middle of a form; the form then asks its question again (issue 11, digressions).
DIGRESSION_INTENTS = ("check_balance", "recent_transactions", "savings_products", "repeat", "slower", "help",
                      "ask_pension_arrival", "bot_challenge")
# The outcomes a form's stop can end in (the rules word each); any other stop is a refusal.
STOP_OUTCOMES = ("scam", "backend_down", "not_signed_in", "refused", "insufficient_funds", "unknown",
                 "completed", "held")

Route = Callable[[BackendClient, Any], Awaitable[dict[str, Any]]]
# Words the bank's answer about a record (done, held, expired ...) and gives the outcome.
Report = Callable[[CollectingDispatcher, Tracker, BackendClient, dict[str, Any]], Awaitable[str]]


@dataclass(frozen=True)
class MoneyForm:
    """What one money form is made of: its slots, its pending record's routes and its words for a refusal."""

    kind: str  # names the record in log lines
    name: str  # names the form's actions: "bill" -> action_bill_start, action_bill_submit
    slots: tuple[str, ...]  # cleared at the start and after the submit
    form_id_slot: str
    stop_slot: str
    confirm_slot: str  # the confirm-last yes/no
    pending_slot: str  # the id of the record read back
    key_slot: str | None  # its Idempotency-Key (None: the form says itself whether a record is the same)
    read: Route
    confirm: Route
    cancel: Route
    refused_response: str  # "msg_transfer_refused": "{message}" is the bank's sentence
    nothing_moved: str  # that sentence when nothing was sent to the bank
    done_statuses: tuple[str, ...] = ("completed",)  # what a confirmation that went through leaves
    answer_slots: tuple[str, ...] = ()  # questions a no answers (besides the confirm-last)
    declined_slots: tuple[str, ...] = ()  # a False in any of them is a no to the whole form
    start_resets: tuple[str, ...] = ()  # further slots a new form clears
    refusal_outcomes: Mapping[str, str] = field(default_factory=lambda: {"INSUFFICIENT_FUNDS": "insufficient_funds"})
    quiet_refusals: Mapping[str, str] = field(default_factory=dict)  # codes the rules word (SCAM_SUSPECTED)
    refusal_responses: Mapping[str, str] = field(default_factory=dict)  # codes with this form's own words

    def reset(self) -> list[EventType]:
        return [SlotSet(slot, None) for slot in self.slots]

    def stop(self, why: str) -> list[EventType]:
        return [SlotSet(self.stop_slot, why), SlotSet("requested_slot", None)]


class NothingToDo(Exception):
    """Raised by a form's first reads when there is nothing to do (no payees, no deposits): `response` says so."""

    def __init__(self, response: str) -> None:
        super().__init__(response)
        self.response = response


class FormStop(Exception):
    """Raised while making or wording a record: the form stops with `why` (what to say was said already)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def failure_outcome(exc: BackendError, *, money_request: bool = False) -> str:
    """The one sorting of a backend failure: not signed in / refused / unavailable / outcome unknown.

    "unknown" only for a money request that went out unanswered (it may have been carried out); a read or a
    pending record that got no answer moved nothing, so it is "backend_down". A refused read has no sentence
    the customer could use: it is the bank being unable to answer it.
    """
    if isinstance(exc, NotSignedIn):
        return "not_signed_in"
    if money_request and isinstance(exc, BackendNoAnswer):
        return "unknown"
    if money_request and isinstance(exc, BackendRefused):
        return "refused"
    return "backend_down"


def refusal(dispatcher: CollectingDispatcher, tracker: Tracker, form: MoneyForm, refused: BackendRefused) -> str:
    """Says a refusal in the bank's sentence (or the form's own words for its code) and gives its outcome."""
    if refused.code in form.quiet_refusals:
        return form.quiet_refusals[refused.code]
    if refused.code in form.refusal_responses:
        say(dispatcher, tracker, form.refusal_responses[refused.code])
    else:
        say(dispatcher, tracker, form.refused_response, message=refused.message)
    return form.refusal_outcomes.get(refused.code, "refused")


def leaves_untouched(tracker: Tracker, confirm_slots: tuple[str, ...]) -> bool:
    """True when this turn must fill none of the form's slots.

    A scam story (the stop rule runs), a leaving intent (a rule ends the form), a digression (answered, then
    the form asks again), and a no that answers none of the form's yes/no questions (`confirm_slots`: a no
    elsewhere ends the form through its rule).
    """
    if is_scam_turn(tracker):
        return True
    intent = latest_intent(tracker)
    if intent in LEAVING_INTENTS or intent in DIGRESSION_INTENTS:
        return True
    return intent == "deny" and tracker.get_slot("requested_slot") not in (None, *confirm_slots)


class FormAction(Action, ABC):
    """An action of one money form, named from the form (`named` "action_{}_start": action_bill_start)."""

    form: ClassVar[MoneyForm]
    named: ClassVar[str]

    def name(self) -> str:
        return self.named.format(self.form.name)

    @abstractmethod
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """The step's own run (abstract here, so that rasa-sdk registers none of these bases)."""


class MoneyFormStart(FormAction):
    """The start action of a money form; the form gives its `prepare` (see start_form)."""

    named = "action_{}_start"

    @staticmethod
    @abstractmethod
    async def prepare(client: BackendClient) -> list[EventType]:
        """The form's first reads: presets slots, or raises NothingToDo."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return await start_form(dispatcher, tracker, self.form, self.prepare)


def preset_source_account(accounts: list[dict[str, Any]]) -> list[EventType]:
    """One account to pay from: nothing to ask."""
    return [SlotSet("from_account_id", str(accounts[0]["id"]))] if len(accounts) == 1 else []


async def start_form(dispatcher: CollectingDispatcher, tracker: Tracker, form: MoneyForm,
                     prepare: Callable[[BackendClient], Awaitable[list[EventType]]]) -> list[EventType]:
    """The start action of every money form; `prepare` reads what the form needs and presets slots.

    The `outcome` slot says whether the form runs ("ready") or why not.
    """
    events = [*form.reset(), *(SlotSet(s, None) for s in form.start_resets),
              SlotSet(form.form_id_slot, uuid.uuid4().hex)]
    if tracker.get_slot("fraud_stopped"):
        say(dispatcher, tracker, "msg_after_fraud_stop", buttons=[button(text("handoff_button"), "human_handoff")])
        return events + [SlotSet("outcome", "refused")]
    try:
        events += await prepare(client_for(tracker))
    except NothingToDo as nothing:
        say(dispatcher, tracker, nothing.response)
        return events + [SlotSet("outcome", "refused")]
    except BackendError as exc:
        return events + [SlotSet("outcome", failure_outcome(exc))]
    return events + [SlotSet("outcome", "ready")]


class MoneyFormValidation(FormValidationAction):
    """The validation opening every money form shares; the form's extract_* methods are its own."""

    form: ClassVar[MoneyForm]
    # Helper slots an extractor sets on the tracker: rasa-sdk returns only the form's own slots, so these are
    # passed on here.
    carried_slots: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def name(self) -> str:
        """The validate_<form> action name."""

    def confirm_slots(self, tracker: Tracker) -> tuple[str, ...]:
        """The yes/no questions a no answers on this turn."""
        return (*self.form.answer_slots, self.form.confirm_slot)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if leaves_untouched(tracker, self.confirm_slots(tracker)):
            if latest_intent(tracker) not in DIGRESSION_INTENTS or is_scam_turn(tracker):
                return []
            # After the digression's answer Rasa runs the form again on this same message: it must still hear
            # which question comes next in the form's own order (a skipped one stays skipped).
            next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
            return [next_slot] if next_slot else []
        before = {slot: tracker.slots.get(slot) for slot in self.carried_slots}
        try:
            events = await super().run(dispatcher, tracker, domain)
        except BackendError as exc:
            return self.form.stop(failure_outcome(exc))
        for slot, value in before.items():
            if tracker.slots.get(slot) != value:
                events.insert(0, SlotSet(slot, tracker.slots.get(slot)))
        return events

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        return [] if tracker.get_slot(self.form.stop_slot) else domain_slots

    async def extract_from_account_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        """The account to pay from, for the forms that ask it (rasa-sdk calls this only for a required slot)."""
        return await extract_from_account(tracker, client_for(tracker))


@dataclass(frozen=True)
class Said:
    """A read-back as a form words it from its pending record."""

    text: str
    key_figure: str
    custom: dict[str, Any] = field(default_factory=dict)


def yes_no() -> list[dict[str, str]]:
    """The buttons of every yes/no question of a money form."""
    return [button(text("yes_button"), "affirm"), button(text("no_button"), "deny")]


async def cancel_quietly(client: BackendClient, form: MoneyForm, record_id: Any) -> None:
    """Cancels a pending record; a failure is only logged (the record expires at the bank anyway)."""
    if not record_id:
        return
    try:
        await form.cancel(client, record_id)
    except BackendError as exc:
        logger.warning("pending %s not cancelled: %s", form.kind, type(exc).__name__)


async def cancel_pending(tracker: Tracker, form: MoneyForm) -> None:
    """Cancels the record the form's pending slot names, if any (nobody signed in: it expires at the bank)."""
    pending = tracker.get_slot(form.pending_slot)
    if not pending:
        return
    try:
        await cancel_quietly(client_for(tracker), form, pending)
    except NotSignedIn:
        pass


class MoneyFormReadBack(FormAction):
    """The confirm-last question of a money form (action_ask_<name>_confirmed); the form's `ask` calls read_back.

    After a fraud stop, or without the form's id (the form was not started), nothing is asked of the bank.
    """

    named = "action_ask_{}_confirmed"

    @abstractmethod
    async def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker, form_id: str) -> list[EventType]:
        """Reads the form's slots (any missing: `form.stop("refused")`) and reads back its pending record."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        form_id = tracker.get_slot(self.form.form_id_slot)
        if tracker.get_slot("fraud_stopped") or not form_id:
            return self.form.stop("refused")
        return await self.ask(dispatcher, tracker, str(form_id))


async def read_back(dispatcher: CollectingDispatcher, tracker: Tracker, form: MoneyForm, key: str,
                    create: Callable[[BackendClient], Awaitable[dict[str, Any]]],
                    render: Callable[[BackendClient, dict[str, Any]], Awaitable[Said | None]],
                    report: Report,
                    same_record: Callable[[BackendClient, Any], Awaitable[bool]] | None = None,
                    answer_refusal: Callable[[BackendRefused], list[EventType] | None] | None = None,
                    ) -> list[EventType]:
    """The confirm-last question of a money form, over a pending record at the bank.

    `create` makes the record (POST with require_confirmation and the Idempotency-Key `key`); `render` words it
    (None: the record lacks what must be said, so it is cancelled and the form stops); `report` words a record
    that is no longer pending (expired meanwhile). `same_record` says whether the record read back before is
    still the one these slots mean (default: the same Idempotency-Key). `answer_refusal` may turn a refusal
    into a question of the form (its events; None: the form stops as for any refusal). Called from
    MoneyFormReadBack.ask, after its fraud-stop check.
    """
    events: list[EventType] = []
    try:
        client = client_for(tracker)
        previous = tracker.get_slot(form.pending_slot)
        if previous and await (same_record(client, previous) if same_record is not None
                               else _same_key(tracker, form, key)):
            # Asked again (after "再说一遍", a misunderstanding): the same record, read from the bank, not made
            # again (the same key with another body is refused).
            record = await form.read(client, previous)
        else:
            if previous:
                # Something changed at the read-back: the old record must never be confirmed.
                await cancel_quietly(client, form, previous)
                events.append(SlotSet(form.pending_slot, None))
            record = await create(client)
        if record.get("status") != "pending":
            return events + [SlotSet(form.pending_slot, None)] + form.stop(await report(dispatcher, tracker, client,
                                                                                     record))
        said = await render(client, record)
    except FormStop as stop:
        return events + form.stop(stop.why)
    except BackendRefused as refused:
        asked = answer_refusal(refused) if answer_refusal is not None else None
        return events + (asked if asked is not None else form.stop(refusal(dispatcher, tracker, form, refused)))
    except BackendError as exc:
        # Nothing was confirmed: at worst a pending record waits at the bank until it expires.
        return events + form.stop(failure_outcome(exc))
    record_id = record.get("id")
    if said is None or not str(record_id or "").isdigit():
        await cancel_quietly(client, form, record_id)
        return events + form.stop("backend_down")
    dispatcher.utter_message(
        text=said.text, buttons=yes_no(),
        json_message={"speech_rate": speech_rate(tracker), "key_figure": said.key_figure, **said.custom,
                      "pending_id": int(record_id)},
    )
    events += [SlotSet(form.pending_slot, str(record_id))]
    return events + ([SlotSet(form.key_slot, key)] if form.key_slot else [])


async def _same_key(tracker: Tracker, form: MoneyForm, key: str) -> bool:
    return form.key_slot is not None and tracker.get_slot(form.key_slot) == key


class MoneyFormSubmit(FormAction):
    """The submit action of a money form; the form gives its `report` of the bank's answer."""

    named = "action_{}_submit"

    @staticmethod
    @abstractmethod
    async def report(dispatcher: CollectingDispatcher, tracker: Tracker, client: BackendClient,
                     record: dict[str, Any]) -> str:
        """Words the bank's answer about the record (a Report) and gives the outcome."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return await submit(dispatcher, tracker, self.form, type(self).report)


async def submit(dispatcher: CollectingDispatcher, tracker: Tracker, form: MoneyForm, report: Report) -> list[EventType]:
    """The submit action of every money form: its answer becomes the `outcome` slot, the form's slots cleared."""
    outcome = await _submitted(dispatcher, tracker, form, report)
    events = form.reset()
    if outcome == "scam":
        # The bank saw a scam the dialogue did not: action_fraud_stop runs next and needs the record's id to
        # make sure it is cancelled.
        events = [e for e in events if e.get("name") != form.pending_slot]
    return events + [SlotSet("outcome", outcome)]


async def _submitted(dispatcher: CollectingDispatcher, tracker: Tracker, form: MoneyForm, report: Report) -> str:
    stop = tracker.get_slot(form.stop_slot)
    declined = (tracker.get_slot(form.confirm_slot) is not True or tracker.get_slot("fraud_stopped")
                or any(tracker.get_slot(slot) is False for slot in form.declined_slots))
    if stop or declined:
        if stop != "scam":  # after a scam the stop action cancels it, and tells the bank why
            await cancel_pending(tracker, form)
        if stop:
            return stop if stop in STOP_OUTCOMES else "refused"
        return "cancelled"
    pending = tracker.get_slot(form.pending_slot)
    if not str(pending or "").isdigit():
        # No record was read back: there is nothing the customer's yes could be about.
        say(dispatcher, tracker, form.refused_response, message=form.nothing_moved)
        return "refused"
    try:
        client = client_for(tracker)
        try:
            record = await form.confirm(client, pending)
        except BackendRefused as refused:
            already = await _already_done(client, form, pending) if refused.code == "INVALID_STATE" else None
            if already is None:
                raise
            # The same yes delivered again after the bank executed that record (the first answer was lost):
            # the customer hears what happened to it; nothing is done twice.
            record = already
        return await report(dispatcher, tracker, client, record)
    except BackendRefused as refused:
        return refusal(dispatcher, tracker, form, refused)
    except BackendError as exc:
        return failure_outcome(exc, money_request=True)


async def _already_done(client: BackendClient, form: MoneyForm, record_id: Any) -> dict[str, Any] | None:
    """The record when a confirmation of it already went through, else None."""
    try:
        record = await form.read(client, record_id)
    except BackendError:
        return None
    return record if record.get("status") in form.done_statuses else None
