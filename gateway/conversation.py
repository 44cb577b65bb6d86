"""One conversational turn for any channel: send to Rasa, shape the replies, attach spoken audio.

The reply contract (docs/contracts.md, "Reply contract"): what a channel does with a reply (hang up, hand over,
warn of a scam, offer a receipt) is decided by the typed fields of `Reply`, read here from Rasa's `custom`,
never by matching the reply's text.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

from gateway.rasa_client import RasaUnavailable, send_message
from gateway.routes.audio import audio_url_async
from rules import speech

RASA_DOWN_TEXT = "对不起，安心助手暂时没有回应。请稍后再试，或者说“转人工”。"
# Rasa answers an empty list when an action server it needs is down: the customer must not meet silence.
NO_ANSWER_TEXT = "对不起，系统刚才没有办完这件事。请稍后再说一遍，或者说“转人工”。"

HandoffReason = Literal["fraud", "asked", "misunderstood"]
_HANDOFF_REASONS: tuple[str, ...] = ("fraud", "asked", "misunderstood")


@dataclass(frozen=True)
class Risk:
    """`custom.risk` of a fraud stop: which scam family the dialogue (or the backend) recognised."""

    kind: str = "fraud"
    family: str = "generic"
    level: str = "stop"

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "family": self.family, "level": self.level}


@dataclass(frozen=True)
class Handoff:
    """`custom.handoff`: the assistant hands the customer to a person."""

    reason: HandoffReason = "asked"
    summary: str = ""

    def to_json(self) -> dict[str, str]:
        return {"reason": self.reason, "summary": self.summary}


def as_dict(value: Any) -> dict[str, Any]:
    """A JSON object from another service, or {} for anything else (a field is read, never trusted)."""
    return value if isinstance(value, dict) else {}


def _positive_int(value: Any) -> int | None:
    # bool is an int in Python: True must not become transfer 1.
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63 else None


def _short(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _risk(value: Any) -> Risk | None:
    if not isinstance(value, dict) or value.get("kind") != "fraud":
        return None
    return Risk(kind="fraud", family=_short(value.get("family"), 40) or "generic",
                level=_short(value.get("level"), 20) or "stop")


def _handoff(value: Any) -> Handoff | None:
    if value is True:  # an older assistant's bare flag: still a field, never the wording
        return Handoff()
    if not isinstance(value, dict):
        return None
    reason = value.get("reason")
    return Handoff(reason=reason if reason in _HANDOFF_REASONS else "asked",
                   summary=_short(value.get("summary"), 500))


ReceiptKind = Literal["transfer", "bill_payment"]


@dataclass(frozen=True)
class Receipt:
    """`custom.receipt`: what the channel can show, print or say a receipt of (the record is the backend's)."""

    kind: ReceiptKind
    id: int
    receipt_no: str = ""  # a bill payment's 收据号, as the backend numbered it

    def to_json(self) -> dict[str, Any]:
        if self.kind == "bill_payment":
            return {"kind": "bill_payment", "bill_payment_id": self.id, "receipt_no": self.receipt_no}
        return {"transfer_id": self.id}


_RECEIPT_NO = re.compile(r"^[A-Z0-9]{1,32}$")


def _receipt(value: Any) -> Receipt | None:
    if not isinstance(value, dict):
        return None
    if value.get("kind") == "bill_payment":
        bill_payment_id = _positive_int(value.get("bill_payment_id"))
        number = value.get("receipt_no")
        number = number if isinstance(number, str) and _RECEIPT_NO.match(number) else ""
        return Receipt("bill_payment", bill_payment_id, number) if bill_payment_id else None
    transfer_id = _positive_int(value.get("transfer_id"))
    return Receipt("transfer", transfer_id) if transfer_id else None


def _rate(value: Any) -> float:
    # The contract's field is a number (a string is not one); its bounds and default are rules.speech's.
    return speech.parse(value) if isinstance(value, int | float) else speech.DEFAULT


@dataclass
class Reply:
    """One assistant reply with the contract's fields. Malformed fields are dropped, never raised on."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    speech_rate: float = speech.DEFAULT
    audio_url: str | None = None
    key_figure: str | None = None
    risk: Risk | None = None
    handoff: Handoff | None = None
    transfer_id: int | None = None
    pending_id: int | None = None
    bill_payment_id: int | None = None
    receipt: Receipt | None = None
    end_call: bool = False
    # The gateway's own failure code (RASA_UNAVAILABLE, NO_ANSWER); never from the assistant.
    error: str | None = None

    @classmethod
    def from_rasa(cls, item: dict[str, Any]) -> Reply | None:
        custom = item.get("custom")
        custom = custom if isinstance(custom, dict) else {}
        text = item.get("text") or custom.get("text") or ""
        if not isinstance(text, str):
            text = ""
        if not text and not custom:
            return None
        buttons = [{"title": str(b.get("title") or ""), "payload": str(b.get("payload") or "")}
                   for b in item.get("buttons") or [] if isinstance(b, dict)]
        return cls(
            text=text,
            buttons=buttons,
            speech_rate=_rate(custom.get("speech_rate")),
            key_figure=_short(custom.get("key_figure"), 40) or None,
            risk=_risk(custom.get("risk")),
            handoff=_handoff(custom.get("handoff")),
            transfer_id=_positive_int(custom.get("transfer_id")),
            pending_id=_positive_int(custom.get("pending_id")),
            bill_payment_id=_positive_int(custom.get("bill_payment_id")),
            receipt=_receipt(custom.get("receipt")),
            end_call=custom.get("end_call") is True,
        )

    @property
    def receipt_transfer_id(self) -> int | None:
        return self.receipt.id if self.receipt is not None and self.receipt.kind == "transfer" else None

    @property
    def receipt_bill_payment_id(self) -> int | None:
        return self.receipt.id if self.receipt is not None and self.receipt.kind == "bill_payment" else None

    def to_json(self) -> dict[str, Any]:
        """What a browser gets: the fields, no raw `custom` (a summary for staff is not the customer's)."""
        return {
            "text": self.text,
            "buttons": self.buttons,
            "speech_rate": self.speech_rate,
            "audio_url": self.audio_url,
            "key_figure": self.key_figure,
            "risk": self.risk.to_json() if self.risk else None,
            "handoff": {"reason": self.handoff.reason} if self.handoff else None,
            "transfer_id": self.transfer_id,
            "pending_id": self.pending_id,
            "bill_payment_id": self.bill_payment_id,
            "receipt": self.receipt.to_json() if self.receipt else None,
            "end_call": self.end_call,
            "error": self.error,
        }


def plain_text(text: str) -> str:
    """What a customer typed, as text only: Rasa reads a message starting with "/" as an intent with entities
    ("/transfer_money{...}"), so leading slashes (and the blanks Rasa strips before looking) are dropped."""
    i = 0
    while i < len(text) and (text[i].isspace() or text[i] in "/／" or unicodedata.category(text[i]) == "Cf"):
        i += 1
    return text[i:]


def _shape(raw: list[Any]) -> list[Reply]:
    return [r for r in (Reply.from_rasa(item) for item in raw if isinstance(item, dict)) if r is not None]


async def turn(sender: str, text: str, token: str | None, channel: str, audio_format: str = "mp3") -> list[Reply]:
    """Runs one user turn. Rasa being down becomes a plain apology, never an exception."""
    metadata: dict[str, Any] = {"channel": channel}
    if token:
        metadata["token"] = token
    try:
        replies = _shape(await send_message(sender, text, metadata))
    except RasaUnavailable:
        replies = [Reply(text=RASA_DOWN_TEXT, error="RASA_UNAVAILABLE")]
    if not replies:
        replies = [Reply(text=NO_ANSWER_TEXT, error="NO_ANSWER")]
    for reply in replies:
        if reply.text:
            titles = [b["title"] for b in reply.buttons]
            reply.audio_url = await audio_url_async(reply.text, titles, reply.speech_rate, audio_format,
                                                    reply.key_figure)
    return replies
