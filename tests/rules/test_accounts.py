"""Spendable account kinds: one rule (rules.accounts) that the backend enforces and the dialogue offers."""
from __future__ import annotations

import typing

import pytest

from rules.accounts import SPENDABLE_KINDS, is_spendable


def test_current_and_pension_accounts_are_spendable_a_time_deposit_is_not() -> None:
    assert [k for k in ("demand", "pension", "time", None, "") if is_spendable(k)] == ["demand", "pension"]


def test_the_backend_enforces_the_same_rule() -> None:
    pytest.importorskip("sqlmodel")  # the backend runs in .venv only
    from backend import schemas
    from backend.services import bills, customers, deposits, transfers

    assert customers.SPENDABLE_KINDS is bills.SPENDABLE_KINDS is deposits.SPENDABLE_KINDS is SPENDABLE_KINDS
    assert transfers.SPENDABLE_KINDS is SPENDABLE_KINDS
    # every spendable kind is one the API can name
    assert set(SPENDABLE_KINDS) < set(typing.get_args(schemas.AccountOut.model_fields["kind"].annotation))
