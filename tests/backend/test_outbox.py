"""The notification outbox (issue 12): SMS wording, no link or web address, one row per event."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from backend.core.db import write_session
from backend.models import OutboxMessage
from backend.services import outbox
from tests.backend.factories import CustomerFixture

# Broader than the module's own check: any scheme, "www", a domain-like word, a short-link shape.
URLISH = re.compile(r"(?i)([a-z][a-z0-9+.-]*://|www|\b[a-z0-9-]+\.[a-z]{2,}\b|\bt\.cn\b|dwz|[a-z]{3,})")
AMOUNT = re.compile(r"[0-9][0-9,]*\.[0-9]{2}元")


def assert_safe(text: str, amount: str) -> None:
    assert not URLISH.search(text), text
    assert AMOUNT.findall(text) == [amount], text  # the event's own amount, once, nothing else
    assert not re.search(r"[0-9]{5,}", AMOUNT.sub("", text)), text  # no phone or account number
    assert text.startswith("【安心银行】") and "验证码" in text


def test_pension_credit_wording():
    text = outbox.pension_credit_text(3_500_00, date(2026, 12, 5))
    assert text == ("【安心银行】您的养老金3,500.00元已于12月5日到账，请放心。"
                    "银行不会用短信发链接，也不会让您提供验证码或转账。")
    assert_safe(text, "3,500.00元")


def test_held_transfer_wording_for_the_family_contact():
    text = outbox.transfer_held_family_text("张桂兰", 12_000_00)
    assert text == ("【安心银行】您的家人张桂兰有一笔12,000.00元的转账正在等银行核实，钱还没有转出。"
                    "银行工作人员会给您打电话确认。银行不会用短信发链接，也不会让您提供验证码或转账。")
    assert_safe(text, "12,000.00元")


@pytest.mark.parametrize("text", ["点击 http://x.cn 领取", "登录 www.bank-safe.com", "访问 anxin.top 查看"])
def test_a_text_with_a_link_is_never_written(engine: Engine, alice: CustomerFixture, text: str):
    with write_session(engine) as session, pytest.raises(ValueError):
        outbox.add(session, outbox.PENSION_CREDIT, "test:link", alice.id, alice.phone, text)


def test_one_row_per_event_and_every_stored_text_is_safe(engine: Engine, alice: CustomerFixture):
    text = outbox.pension_credit_text(100_00, date(2026, 1, 5))
    with write_session(engine) as session:
        for _ in range(2):
            outbox.add(session, outbox.PENSION_CREDIT, f"test:{alice.id}", alice.id, alice.phone, text)
        session.commit()
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.reference == f"test:{alice.id}")).all()
        assert len(rows) == 1 and rows[0].sent_at is None and rows[0].channel == "sms"
        # Whatever other tests of this run wrote (pension credits, held transfers): never a link.
        for row in session.exec(select(OutboxMessage)).all():
            assert not URLISH.search(row.text), row.text
            assert len(AMOUNT.findall(row.text)) == 1, row.text
