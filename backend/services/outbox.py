"""Notification outbox: SMS texts written in the same transaction as the event they tell of, for a real SMS
gateway to read and send (rows with `sent_at` NULL). No gateway is part of Anxin.

The texts follow what banks tell elderly customers about scam SMS: they carry no link and no web address
(a link in a bank SMS is itself a scam sign), no amount other than the one of the event itself, no account
number, and they say that the bank never asks for a code or a transfer by SMS. One row per (kind, reference,
phone): telling the same event twice is a no-op.
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import Connection, insert, select
from sqlmodel import Session

from backend.core.tables import table_of
from backend.models import OutboxMessage
from backend.services import clock
from backend.services.amounts import fen_to_yuan

PENSION_CREDIT = "pension_credit"
TRANSFER_HELD_FAMILY = "transfer_held_family"
SIGNATURE = "【安心银行】"
SAFETY = "银行不会用短信发链接，也不会让您提供验证码或转账。"
_OUTBOX = table_of(OutboxMessage)
# What must never be in an SMS text (tests/backend/test_outbox.py checks every text against it too).
LINK = re.compile(r"(https?://|www\.|://|\b[a-z0-9-]+\.(?:com|cn|net|org|top|xyz|cc|vip)\b)", re.IGNORECASE)


def yuan_text(fen: int) -> str:
    """3500 yuan -> "3,500.00元" (grouped like a printed statement)."""
    whole, cents = fen_to_yuan(fen).split(".")
    return f"{int(whole):,}.{cents}元"


def pension_credit_text(amount_fen: int, credited_on: date) -> str:
    return (f"{SIGNATURE}您的养老金{yuan_text(amount_fen)}已于{credited_on.month}月{credited_on.day}日"
            f"到账，请放心。{SAFETY}")


def transfer_held_family_text(customer_name: str, amount_fen: int) -> str:
    """To the family contact: whose transfer, how much, that staff will call (the contact decides nothing)."""
    return (f"{SIGNATURE}您的家人{customer_name}有一笔{yuan_text(amount_fen)}的转账正在等银行核实，钱还没有转出。"
            f"银行工作人员会给您打电话确认。{SAFETY}")


def _has_link(text: str) -> bool:
    return bool(LINK.search(text))


def _values(kind: str, reference: str, customer_id: int, to_phone: str, text: str) -> dict[str, object]:
    if _has_link(text):  # the texts above never have one; a future edit must not add one
        raise ValueError("an outbox text must not hold a link")
    return {"channel": "sms", "kind": kind, "reference": reference, "customer_id": customer_id,
            "to_phone": to_phone, "text": text, "created_at": clock.now()}


def add(session: Session | Connection, kind: str, reference: str, customer_id: int, to_phone: str, text: str) -> None:
    """Writes the message unless this (kind, reference, phone) has one already. The caller's transaction."""
    exists = session.execute(select(_OUTBOX.c.id).where(
        _OUTBOX.c.kind == kind, _OUTBOX.c.reference == reference, _OUTBOX.c.to_phone == to_phone)).first()
    if exists is None:
        session.execute(insert(_OUTBOX).values(**_values(kind, reference, customer_id, to_phone, text)))
