"""The one money-form skeleton (issue 15): the four forms share it, and its rules hold for each."""
from __future__ import annotations

import pytest
from rasa_sdk.executor import ActionExecutor

from actions import bills, savings, transfer, withdrawal
from actions.backend_client import BackendNoAnswer, BackendRefused, BackendUnavailable, NotSignedIn
from actions.money_form import (
    MoneyForm,
    MoneyFormSubmit,
    MoneyFormValidation,
    failure_outcome,
    leaves_untouched,
)
from tests.actions.conftest import make_tracker

FORMS = [(transfer, transfer.ValidateTransferForm, transfer.ActionTransferSubmit),
         (savings, savings.ValidateDepositForm, savings.ActionDepositSubmit),
         (withdrawal, withdrawal.ValidateWithdrawalForm, withdrawal.ActionWithdrawalSubmit),
         (bills, bills.ValidateBillForm, bills.ActionBillSubmit)]


@pytest.mark.parametrize(("module", "validation", "submit"), FORMS)
def test_every_money_form_is_built_on_the_skeleton(module, validation, submit):
    assert isinstance(module.FORM, MoneyForm)
    assert issubclass(validation, MoneyFormValidation) and validation.form is module.FORM
    assert issubclass(submit, MoneyFormSubmit) and submit.form is module.FORM
    assert "LEAVING_INTENTS" not in vars(module), "the leaving intents are the skeleton's"


def test_the_skeleton_itself_is_no_action():
    executor = ActionExecutor()
    executor.register_package("actions")
    assert {"validate_transfer_form", "action_transfer_submit", "action_deposit_submit", "action_withdrawal_submit",
            "action_bill_submit"} <= set(executor.actions)
    assert not [name for name in executor.actions if not name]


@pytest.mark.parametrize("intent", ["cancel", "human_handoff", "report_scam_instruction", "check_balance",
                                    "savings_products", "repeat", "slower"])
def test_leaving_a_scam_or_a_digression_touches_nothing(intent):
    tracker = make_tracker("随便", intent, slots={"requested_slot": "transfer_amount"})
    assert leaves_untouched(tracker, ("transfer_confirmed",))


def test_a_no_is_an_answer_only_at_a_yes_no_question():
    at_amount = make_tracker("不", "deny", slots={"requested_slot": "transfer_amount"})
    at_confirm = make_tracker("不", "deny", slots={"requested_slot": "transfer_confirmed"})
    assert leaves_untouched(at_amount, ("transfer_confirmed",))
    assert not leaves_untouched(at_confirm, ("transfer_confirmed",))
    assert not leaves_untouched(make_tracker("五百", "inform", slots={"requested_slot": "transfer_amount"}),
                                ("transfer_confirmed",))


def test_failures_are_sorted_one_way():
    refused = BackendRefused(422, "LIMIT", "超过了限额。")
    assert failure_outcome(NotSignedIn("x")) == "not_signed_in"
    assert failure_outcome(BackendUnavailable("x")) == "backend_down"
    # A money request that went out unanswered may have been carried out: never "unavailable".
    assert failure_outcome(BackendNoAnswer("x"), money_request=True) == "unknown"
    assert failure_outcome(BackendNoAnswer("x")) == "backend_down"
    assert failure_outcome(refused, money_request=True) == "refused"
