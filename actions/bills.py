"""Bill payment by voice (issue 12): "交电费", "电费该交多少", "给老伴手机充一百块话费", "家里水费交了没".

The form asks one thing at a time: which saved biller account (words: 电费/水费/燃气费/话费 and the label's
words such as 老伴/家里; or buttons), for 话费 the top-up amount, and the account to pay from. The read-back
(`action_ask_bill_confirmed`) first reads the bank's quote (`GET /bill-accounts/{id}/bill`): a bill already
paid or nothing due is said in the bank's plain words and nothing is asked; an amount far above the usual
bill is said before the read-back. Then it creates a **pending** bill payment (`require_confirmation`) and
reads back that record; "是" confirms exactly `pending_bill_id` (`POST /bill-payments/{id}/confirm`). Done
says 交好了 with `custom.receipt` so the web and kiosk offer a receipt and the phone speaks it.
A scam story in any state is left to the stop rule (actions/fraud.py).
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.accounts import account_label, find_account, source_accounts
from actions.backend_client import BackendClient, BackendRefused, _path_id
from actions.common import (
    button,
    capitals,
    client_for,
    digits,
    first_entity,
    idempotency_key,
    latest_text,
    listed,
    say,
    yuan,
)
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
from actions.money_form import cancel_quietly as cancel_record
from actions.texts import text

FORM_SLOTS = ("bill_account_id", "bill_kind", "bill_hint", "bill_amount", "bill_confirmed", "bill_stop",
              "pending_bill_id", "pending_bill_key")
TOPUP = "topup"
# The bank's top-up range (docs/contracts.md, issue 12): said before the bank has to refuse it.
TOPUP_MIN, TOPUP_MAX = yuan("10"), yuan("500")
# Spoken words -> biller code. 充值/充 alone means a phone top-up (the only thing that is topped up).
BILLER_WORDS = {
    "POWER": re.compile(r"电费|电表|交电|缴电|用电|电钱"),
    "WATER": re.compile(r"水费|水表|交水|缴水|用水|水钱"),
    "GAS": re.compile(r"燃气|煤气|天然气|气费"),
    "MOBILE": re.compile(r"话费|手机费|电话费|充值|充.{0,4}块|充.{0,4}元|手机"),
}
# Words of a saved label the customer may use to say which one ("老伴的手机", "家里的电费").
LABEL_WORDS = re.compile(r"老伴|老头|老头子|老太婆|老伴儿|家里|自己|我的|儿子|女儿|闺女|孙子|孙女|老家|店里")
SPOKEN_PERSON = {"老头": "老伴", "老头子": "老伴", "老太婆": "老伴", "老伴儿": "老伴"}
# A 户号 (10 digits at the simulated billers) or a mobile number said aloud or typed, spaces/dashes allowed.
ACCOUNT_NO = re.compile(r"(?<!\d)\d{10,11}(?!\d)")
BILLER_NAMES = {"POWER": "电费", "WATER": "水费", "GAS": "燃气费", "MOBILE": "话费"}


# --- the bank's bill routes (docs/contracts.md, "Everyday services") ---------------------------------------

async def bill_accounts(client: BackendClient) -> list[dict[str, Any]]:
    return await client._request("GET", "/bill-accounts")


async def billers(client: BackendClient) -> list[dict[str, Any]]:
    return await client._request("GET", "/billers")


async def save_bill_account(client: BackendClient, biller_id: Any, account_no: str, label: str) -> dict[str, Any]:
    body = {"biller_id": int(_path_id(biller_id)), "account_no": account_no, "label": label}
    return await client._request("POST", "/bill-accounts", json=body)


async def quote(client: BackendClient, bill_account_id: Any) -> dict[str, Any]:
    return await client._request("GET", f"/bill-accounts/{_path_id(bill_account_id)}/bill")


async def create_payment(client: BackendClient, key: str, bill_account_id: Any, from_account_id: Any,
                         amount: str | None) -> dict[str, Any]:
    body = {"bill_account_id": int(_path_id(bill_account_id)), "from_account_id": int(_path_id(from_account_id)),
            "amount": amount, "require_confirmation": True}
    return await client._request("POST", "/bill-payments", json=body, idempotency_key=key)


async def payment(client: BackendClient, payment_id: Any) -> dict[str, Any]:
    return await client._request("GET", f"/bill-payments/{_path_id(payment_id)}")


async def confirm_payment(client: BackendClient, payment_id: Any) -> dict[str, Any]:
    return await client._request("POST", f"/bill-payments/{_path_id(payment_id)}/confirm")


async def cancel_payment(client: BackendClient, payment_id: Any) -> dict[str, Any]:
    return await client._request("POST", f"/bill-payments/{_path_id(payment_id)}/cancel")


FORM = MoneyForm(
    kind="bill payment", name="bill", slots=FORM_SLOTS, form_id_slot="bill_form_id", stop_slot="bill_stop",
    confirm_slot="bill_confirmed", pending_slot="pending_bill_id", key_slot="pending_bill_key",
    read=payment, confirm=confirm_payment, cancel=cancel_payment, refused_response="msg_bill_refused",
    nothing_moved=text("nothing_moved"), start_resets=("from_account_id",),
    refusal_responses={"EXPIRED": "msg_bill_expired"},
)


async def cancel_quietly(client: BackendClient, payment_id: Any) -> None:
    """Cancels a pending bill payment (the fraud stop and cancel call this); a failure is only logged."""
    await cancel_record(client, FORM, payment_id)


# --- words ----------------------------------------------------------------------------------------------

def biller_codes(text: str) -> list[str]:
    codes = [code for code, words in BILLER_WORDS.items() if words.search(text)]
    # "电话费" and "手机" mean 话费, not 电费.
    if "MOBILE" in codes and "POWER" in codes and not re.search(r"(?<!话)电费|电表|用电", text.replace("电话费", "")):
        codes.remove("POWER")
    return codes


def label_words(text: str, relationship: str | None = None) -> list[str]:
    words = [SPOKEN_PERSON.get(w, w) for w in LABEL_WORDS.findall(text)]
    if relationship:
        words.append(SPOKEN_PERSON.get(relationship, relationship))
    return [w for w in words if w not in ("我的", "自己")]


def match_bill_accounts(accounts: list[dict[str, Any]], text: str,
                        relationship: str | None = None) -> tuple[list[str], list[dict[str, Any]]]:
    """(the biller codes said, the saved accounts that fit the words)."""
    codes = biller_codes(text)
    fits = [a for a in accounts if not codes or (a.get("biller") or {}).get("code") in codes]
    words = label_words(text, relationship)
    if words:
        labelled = [a for a in fits if any(w in str(a.get("label") or "") for w in words)]
        fits = labelled or fits
    return codes, (fits if codes or words else [])


def bill_label(account: dict[str, Any]) -> str:
    """"家里的电费" (the label), with the biller's name when the label does not say it."""
    label = str(account.get("label") or "")
    name = str((account.get("biller") or {}).get("name") or "")
    return label if name and (name in label or name[:1] in label) else f"{label}（{name}）" if label else name


def account_number_words(account: dict[str, Any]) -> str:
    """户号 tail only in speech: "户号尾号1236"; a phone is already masked by the bank (139****0011)."""
    if (account.get("biller") or {}).get("kind") == TOPUP:
        return text("bill_number_phone", number=account.get("account_no_display") or "")
    return text("bill_number_tail", tail=account.get("account_tail") or "")


def month_words(period: Any) -> str:
    value = str(period or "")
    return text("bill_month", month=int(value[5:7])) if re.fullmatch(r"\d{4}-\d{2}", value) else ""


def day_words(iso: Any) -> str:
    value = str(iso or "")[:10]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return text("bill_day", month=int(value[5:7]), day=int(value[8:10]))
    return ""


# --- actions --------------------------------------------------------------------------------------------

class ActionBillStart(MoneyFormStart):
    """Clears the last bill payment, checks sign-in, the backend and that a biller account is saved."""

    form = FORM

    @staticmethod
    async def prepare(client: BackendClient) -> list[EventType]:
        saved = await bill_accounts(client)
        accounts = source_accounts(await client.accounts())
        if not saved or not accounts:
            raise NothingToDo("msg_no_bill_accounts" if not saved else "msg_no_accounts")
        return preset_source_account(accounts)


class ValidateBillForm(MoneyFormValidation):
    form = FORM
    carried_slots = ("bill_kind", "bill_hint")  # set while extracting the account

    def name(self) -> str:
        return "validate_bill_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("bill_stop"):
            return []
        # Until the account is known an amount may be a top-up's ("充一百块"): it is extracted, then dropped
        # for a bill (validate_bill_amount).
        kind = tracker.slots.get("bill_kind")
        return [s for s in domain_slots if s != "bill_amount" or kind in (TOPUP, None)]

    async def extract_bill_account_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        chosen = first_entity(tracker, "bill_account_id")
        requested = tracker.get_slot("requested_slot")
        words = latest_text(tracker)
        if words.startswith("/") and chosen is None:
            return {}
        relationship = first_entity(tracker, "relationship")
        if (chosen is None and requested not in (None, "bill_account_id")
                and not biller_codes(words)):
            return {}
        saved = await bill_accounts(client_for(tracker))
        if chosen is not None:
            found = next((a for a in saved if str(a.get("id")) == chosen), None)
            return self._chosen(tracker, found)
        codes, fits = match_bill_accounts(saved, words, relationship)
        number = ACCOUNT_NO.search(re.sub(r"[\s-]", "", words))
        if number is not None:
            return await self._by_number(dispatcher, tracker, saved, number.group(0), codes)
        if requested not in (None, "bill_account_id") and not codes:
            return {}
        if len(fits) == 1:
            return self._chosen(tracker, fits[0])
        if len(fits) > 1:
            tracker.slots["bill_hint"] = words[:40]
            return {"bill_account_id": None}
        if codes:
            tracker.slots["bill_hint"] = words[:40]  # the 户号 said next is for this biller
            say(dispatcher, tracker, "msg_bill_account_not_found", what="、".join(BILLER_NAMES[c] for c in codes))
            return {"bill_account_id": None}
        return {}

    async def _by_number(self, dispatcher: CollectingDispatcher, tracker: Tracker, saved: list[dict[str, Any]],
                         number: str, codes: list[str]) -> dict[str, Any]:
        """A 户号 said: a saved one is chosen; a new one is saved at the bank (which checks it with the biller)
        and chosen; one the biller does not know is said in the bank's plain words and asked again. The number
        goes to the bank only, never into a slot."""
        same = [a for a in saved if str(a.get("account_no_display") or "") == number
                and (not codes or (a.get("biller") or {}).get("code") in codes)]
        if len(same) == 1:
            return self._chosen(tracker, same[0])
        codes = codes or biller_codes(str(tracker.get_slot("bill_hint") or ""))
        if len(number) == 11 and not codes:
            codes = ["MOBILE"]
        if len(codes) != 1:
            return {}  # which bill the number is for is asked (buttons)
        client = client_for(tracker)
        biller = next((b for b in await billers(client) if b.get("code") == codes[0]), None)
        if biller is None:
            return {"bill_account_id": None}
        label = (text("bill_saved_label", biller=BILLER_NAMES[codes[0]], tail=number[-4:]) if codes[0] != "MOBILE"
                 else text("phone_saved_label", tail=number[-4:]))
        try:
            account = await save_bill_account(client, biller["id"], number, label)
        except BackendRefused as refused:
            if refused.code == "BILL_ACCOUNT_EXISTS":
                again = [a for a in await bill_accounts(client) if (a.get("biller") or {}).get("code") == codes[0]
                         and str(a.get("account_tail") or "") == number[-4:]]
                return self._chosen(tracker, again[0] if len(again) == 1 else None)
            say(dispatcher, tracker, "msg_bill_account_unknown", message=refused.message)
            return {"bill_account_id": None}
        say(dispatcher, tracker, "msg_bill_account_saved", label=str(account.get("label") or label))
        return self._chosen(tracker, account)

    @staticmethod
    def _chosen(tracker: Tracker, account: dict[str, Any] | None) -> dict[str, Any]:
        if account is None:
            return {"bill_account_id": None}
        tracker.slots["bill_kind"] = (account.get("biller") or {}).get("kind")
        tracker.slots["bill_hint"] = None
        return {"bill_account_id": str(account["id"])}

    async def extract_bill_amount(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        requested = tracker.get_slot("requested_slot")
        amount = yuan(first_entity(tracker, "amount"))
        if amount is None or amount <= 0:
            issue = first_entity(tracker, "amount_issue")
            if requested == "bill_amount" and issue in ("ambiguous", "foreign", "invalid"):
                say(dispatcher, tracker, f"msg_amount_{issue if issue in ('ambiguous', 'foreign') else 'invalid'}")
                return {"bill_amount": None}
            return {}
        if tracker.slots.get("bill_kind") != TOPUP and requested != "bill_amount":
            return {}  # a bill's amount is the bank's, never the customer's
        if amount < TOPUP_MIN or amount > TOPUP_MAX:
            say(dispatcher, tracker, "msg_topup_range")
            return {"bill_amount": None}
        found: dict[str, Any] = {"bill_amount": f"{amount}"}
        if requested == "bill_confirmed" and found["bill_amount"] != tracker.get_slot("bill_amount"):
            found["bill_confirmed"] = None  # a new amount at the read-back is read back, not taken as a yes
        return found

    async def validate_bill_amount(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        # An amount said in the first message before the account was known ("充一百块"): kept for 话费 only.
        if tracker.slots.get("bill_kind") != TOPUP:
            return {"bill_amount": None}
        return {"bill_amount": value}


class ActionAskBillAccountId(Action):
    """"交哪一项？" with the saved biller accounts as buttons (only those that fit, when words fitted several)."""

    def name(self) -> str:
        return "action_ask_bill_account_id"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        saved = await listed(tracker, bill_accounts)
        hint = tracker.get_slot("bill_hint")
        fits = match_bill_accounts(saved, hint)[1] if hint else []
        shown = fits if len(fits) > 1 else saved
        buttons = [button(bill_label(a), "inform", bill_account_id=str(a["id"])) for a in shown]
        say(dispatcher, tracker, "msg_ask_bill_account_some" if len(fits) > 1 else "msg_ask_bill_account",
            buttons=buttons)
        return []


class ActionAskBillAmount(Action):
    def name(self) -> str:
        return "action_ask_bill_amount"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        say(dispatcher, tracker, "msg_ask_bill_amount", buttons=[
            button(text("amount_button", amount=n), "inform", amount=f"{n}.00") for n in (50, 100, 200)])
        return []


class ActionAskBillConfirmed(MoneyFormReadBack):
    """The bank's quote, then the confirm-last read-back rendered from the pending bill payment."""

    form = FORM

    async def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker, form_id: str) -> list[EventType]:
        bill_account_id = tracker.get_slot("bill_account_id")
        account_id = tracker.get_slot("from_account_id")
        topup = tracker.get_slot("bill_kind") == TOPUP
        amount = yuan(tracker.get_slot("bill_amount")) if topup else None
        if not bill_account_id or not account_id or (topup and amount is None):
            return FORM.stop("refused")
        key = idempotency_key("bill", tracker.sender_id, form_id, bill_account_id, digits(amount or 0), account_id)

        async def create(client: BackendClient) -> dict[str, Any]:
            if not topup:
                bill = await quote(client, bill_account_id)
                if bill.get("status") != "due":
                    # Already paid, or nothing due: the bank's plain sentence, nothing asked.
                    say(dispatcher, tracker, "msg_bill_status",
                        message=str(bill.get("message") or text("bill_nothing_due")))
                    raise FormStop("nothing_due")
            return await create_payment(client, key, bill_account_id, account_id,
                                        digits(amount) if amount is not None else None)

        async def render(client: BackendClient, record: dict[str, Any]) -> Said | None:
            record_amount = yuan(record.get("amount"))
            saved = record.get("bill_account") or {}
            account = find_account(await client.accounts(), record.get("from_account_id"))
            if record_amount is None or not saved or account is None:
                return None
            what = f"{month_words(record.get('period'))}{(saved.get('biller') or {}).get('name') or ''}"
            if record.get("unusual") and yuan(record.get("usual_amount")) is not None:
                # Said before the read-back, on its own, so it is not lost in it.
                say(dispatcher, tracker, "msg_bill_unusual", what=what, amount=digits(record_amount),
                    usual=digits(yuan(record.get("usual_amount"))))
            values = {"label": str(saved.get("label") or ""), "number": account_number_words(saved),
                      "amount": digits(record_amount), "capitals": capitals(record_amount),
                      "account": account_label(account)}
            if topup:
                words = text("topup_readback", **values)
            else:
                due = day_words(record.get("due_date"))
                words = text("bill_readback", what=what, due=text("bill_due", due=due) if due else "", **values)
            return Said(words, f"{digits(record_amount)}元", {"bill_payment_id": int(record["id"])})

        return await read_back(dispatcher, tracker, FORM, key, create, render, report)


async def report(dispatcher: CollectingDispatcher, tracker: Tracker, client: BackendClient,
                 record: dict[str, Any]) -> str:
    """交好了 with the receipt; pending: outcome unknown; expired or refused: nothing moved."""
    status = record.get("status")
    if status == "completed":
        amount = yuan(record.get("amount")) or 0
        saved = record.get("bill_account") or {}
        what = (f"{month_words(record.get('period'))}{(saved.get('biller') or {}).get('name') or ''}"
                if saved.get("biller", {}).get("kind") != TOPUP else text("topup_what", label=saved.get("label") or ""))
        receipt_no = str(record.get("receipt_no") or "")
        ids = {"bill_payment_id": int(record["id"])} if str(record.get("id") or "").isdigit() else {}
        receipt = {"receipt": {**ids, "kind": "bill_payment", "receipt_no": receipt_no}} if ids else {}
        say(dispatcher, tracker, "msg_bill_done", what=what, amount=digits(amount), capitals=capitals(amount),
            receipt=text("bill_receipt", receipt_no=receipt_no) if receipt_no else "",
            custom={"key_figure": f"{digits(amount)}元", **ids, **receipt})
        return "completed"
    if status == "pending":
        return "unknown"
    if status == "expired":
        say(dispatcher, tracker, "msg_bill_expired")
        return "refused"
    say(dispatcher, tracker, "msg_bill_refused", message=str(record.get("message") or text("nothing_moved")))
    return "refused"


class ActionBillSubmit(MoneyFormSubmit):
    """Confirms the pending bill payment the customer said yes to; the answer becomes `outcome`."""

    form = FORM
    report = report
