"""Bill-payment receipts for every channel: the web and kiosk show (and print) one, the phone says one.

The figures are the backend's record (`GET /api/v1/bill-payments/{id}` with the customer's token: another
customer's id is 404 like a missing one); the gateway only words and masks them. The 户号 leaves the gateway
masked like every other long number (rules.redact.mask_numbers: the last four stay); a 话费 phone number comes
masked from the backend already.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway import backend_client
from gateway.conversation import as_dict
from gateway.sessions import get_web_settings
from money import to_capitals
from rules.redact import mask_numbers


def local_time(iso: str | None) -> str:
    """"2026-11-27T10:44:00Z" -> "2026-11-27 18:44" in the customers' time zone (now when None)."""
    try:
        zone = ZoneInfo(get_web_settings().display_tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")) if iso else datetime.now(UTC)
    except ValueError:
        return ""
    if moment.tzinfo is None:  # the backend speaks UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


STATUS_TEXT = {"completed": "已交好", "pending": "等待确认", "cancelled": "已取消", "expired": "已失效"}


def _capitals(amount: Any) -> str:
    try:
        return to_capitals(str(amount))
    except Exception:  # a receipt without capitals is still a receipt
        return ""


def period_text(period: Any) -> str:
    """"2026-11" -> "2026年11月"; none (a 话费 top-up) -> ""."""
    if not isinstance(period, str) or len(period) != 7 or not period[:4].isdigit() or not period[5:].isdigit():
        return ""
    return f"{period[:4]}年{int(period[5:])}月"


def bill_receipt(record: dict[str, Any]) -> dict[str, Any]:
    """What the browser gets for the receipt: the record with the 户号 masked, and the words around it."""
    saved = as_dict(record.get("bill_account"))
    biller = as_dict(saved.get("biller"))
    account_no = mask_numbers(str(saved.get("account_no_display") or ""))
    topup = biller.get("kind") == "topup"
    return {
        "id": record.get("id"),
        "status": record.get("status"),
        "status_text": STATUS_TEXT.get(str(record.get("status")), str(record.get("status") or "")),
        "biller": str(biller.get("name") or ""),
        "kind": "topup" if topup else "bill",
        "label": str(saved.get("label") or ""),
        "account_no_masked": account_no,
        "account_word": "手机号" if topup else "户号",
        "amount": str(record.get("amount") or ""),
        "amount_capitals": _capitals(record.get("amount")),
        "period": record.get("period"),
        "period_text": period_text(record.get("period")),
        "receipt_no": str(record.get("receipt_no") or ""),
        "executed_at": record.get("executed_at"),
    }


def spoken_bill_receipt(receipt: dict[str, Any], when: str) -> str:
    """The receipt as the phone says it: what, which 户号 (its tail), when, and the 收据号 to write down. The
    amount was just said (twice) in the reply itself: not a third time here.

    `when` is the local time ("2026-12-01 18:44"), said as "12月1日 18:44". The voice layer reads the tail and the
    收据号 digit by digit.
    """
    what = (f"{receipt['period_text'][5:] if receipt['period_text'] else ''}的{receipt['biller']}"
            if receipt["kind"] == "bill" else f"给{receipt['label']}充的话费")
    tail = receipt["account_no_masked"][-4:]
    day = f"{int(when[5:7])}月{int(when[8:10])}日 {when[11:16]}" if len(when) == 16 else ""
    parts = [f"这笔的回单：{what}", f"{receipt['account_word']}尾号{tail}" if tail else "",
             f"{day}交好" if day else ""]
    text = "，".join(p for p in parts if p) + "。"
    if receipt["receipt_no"]:
        text += f"\n收据号{receipt['receipt_no']}，请记下来。"
    return text


async def spoken_receipts(receipts: list[Any], token: str | None) -> list[str]:
    """The phone's receipts for the replies' bill-payment receipts (`Reply.receipt_bill_payment_id`); a record
    the backend cannot give now is left out (the reply itself already said the payment and its 收据号)."""
    out = []
    for bill_payment_id in receipts:
        try:
            record = await backend_client.bill_payment(bill_payment_id, token)
        except backend_client.BackendError:
            continue
        if record.get("status") == "completed":
            out.append(spoken_bill_receipt(bill_receipt(record), local_time(record.get("executed_at"))))
    return out
