"""Early withdrawal, the maturity choice, pension arrival, notices and two requests, against the fake backend.

The fake backend's previews carry the bank's clock (days_to_maturity): a test sets it to put maturity near."""
from __future__ import annotations

import pytest

from actions.fraud import ActionFraudStop
from actions.maturity import ActionSetMaturityChoice, choice_from_text
from actions.multi import ActionMultiRequest
from actions.pension import ActionPensionArrival
from actions.savings import ActionAskDepositConfirmed, ActionAskMaturityChoice, ValidateDepositForm
from actions.withdrawal import (
    ActionAskWithdrawalAmount,
    ActionAskWithdrawalConfirmed,
    ActionAskWithdrawalDepositId,
    ActionAskWithdrawalNearConfirmed,
    ActionWithdrawalStart,
    ActionWithdrawalSubmit,
    ValidateWithdrawalForm,
)
from tests.actions.conftest import entity, make_tracker, run, slots_of, texts

FORM = "withdrawal_form"
CHOSEN = {"withdrawal_deposit_id": "31", "withdrawal_amount": "all", "withdrawal_days_left": "182",
          "withdrawal_form_id": "w-1"}
SECOND = {"id": 32, "product": {"id": 2, "code": "TD3", "name": "三个月定期", "term_months": 3,
                                "annual_rate_percent": "0.85"},
          "principal": "5000.00", "annual_rate_percent": "0.85", "opened_on": "2026-09-10",
          "maturity_date": "2026-12-10", "expected_interest": "10.63", "status": "active", "source_account_id": 1,
          "maturity_choice": "renew", "interest_paid": None}
SECOND_PREVIEW = {"principal": "5000.00", "interest": "2.19", "annual_rate_percent": "0.20", "total": "5002.19",
                  "days_held": 79, "expected_interest_if_held": "10.63", "lost_interest": "8.44",
                  "maturity_date": "2026-12-10", "days_to_maturity": 12}


def two_deposits(backend) -> None:
    backend.state["time_deposits"].append(SECOND)
    backend.state["previews"][32] = SECOND_PREVIEW


def test_start_needs_an_active_deposit(backend, domain):
    events, _ = run(ActionWithdrawalStart(), make_tracker("定期提前取出来", "withdraw_deposit_early"), domain)
    assert slots_of(events)["outcome"] == "ready" and slots_of(events)["withdrawal_form_id"]
    backend.state["time_deposits"] = []
    events, messages = run(ActionWithdrawalStart(), make_tracker("定期提前取出来", "withdraw_deposit_early"), domain)
    assert slots_of(events)["outcome"] == "refused" and "没有可以取的定期" in texts(messages)


def test_start_after_a_fraud_stop_asks_nothing_of_the_bank(backend, domain):
    events, messages = run(ActionWithdrawalStart(), make_tracker("把定期取了", "withdraw_deposit_early",
                                                                 slots={"fraud_stopped": True}), domain)
    assert slots_of(events)["outcome"] == "refused" and "骗局" in texts(messages)
    assert backend.requests == []


def test_start_not_signed_in_and_backend_down(backend_down, domain):
    events, _ = run(ActionWithdrawalStart(), make_tracker("把定期取了", "withdraw_deposit_early"), domain)
    assert slots_of(events)["outcome"] == "backend_down"
    events, _ = run(ActionWithdrawalStart(), make_tracker("把定期取了", "withdraw_deposit_early", token=None), domain)
    assert slots_of(events)["outcome"] == "not_signed_in"


def test_the_only_deposit_is_taken_with_the_banks_days_left(backend, domain):
    events, _ = run(ValidateWithdrawalForm(), make_tracker("把那笔定期全部取了", "withdraw_deposit_early",
                                                           active_loop=FORM), domain)
    slots = slots_of(events)
    assert slots["withdrawal_deposit_id"] == "31" and slots["withdrawal_days_left"] == "182"
    assert slots["withdrawal_amount"] == "all"
    # Far from maturity: no "once more" question, straight to the read-back.
    assert slots["requested_slot"] == "withdrawal_confirmed"


def test_several_deposits_are_listed_with_a_button_each(backend, domain):
    two_deposits(backend)
    events, _ = run(ValidateWithdrawalForm(), make_tracker("把定期取了", "withdraw_deposit_early", active_loop=FORM),
                    domain)
    assert slots_of(events)["requested_slot"] == "withdrawal_deposit_id"
    _, messages = run(ActionAskWithdrawalDepositId(), make_tracker("把定期取了", active_loop=FORM), domain)
    text = texts(messages)
    assert "一年定期，10000.00元，2027年6月1日到期" in text and "三个月定期，5000.00元，2026年12月10日到期" in text
    assert [b["payload"] for b in messages[0]["buttons"]] == ['/inform{"deposit_id": "31"}',
                                                             '/inform{"deposit_id": "32"}']


def test_the_words_pick_one_of_several(backend, domain):
    two_deposits(backend)
    tracker = make_tracker("三个月那笔", entities=[entity("deposit_term", "3")], active_loop=FORM,
                           slots={"requested_slot": "withdrawal_deposit_id"})
    slots = slots_of(run(ValidateWithdrawalForm(), tracker, domain)[0])
    assert slots["withdrawal_deposit_id"] == "32"


def test_near_maturity_says_the_days_left_and_asks_once_more(backend, domain):
    two_deposits(backend)
    tracker = make_tracker("/inform", entities=[entity("deposit_id", "32")], active_loop=FORM,
                           slots={"requested_slot": "withdrawal_deposit_id"})
    slots = slots_of(run(ValidateWithdrawalForm(), tracker, domain)[0])
    # The next question is the form's next slot in the domain's order: Rasa asks it (no requested_slot here).
    assert slots["withdrawal_days_left"] == "12" and slots.get("requested_slot") in (None, "withdrawal_near_confirmed")
    _, messages = run(ActionAskWithdrawalNearConfirmed(), make_tracker(
        "", slots={"withdrawal_deposit_id": "32"}, active_loop=FORM), domain)
    assert "还有12天就到期了" in texts(messages) and "10.63元" in texts(messages)
    assert [b["title"] for b in messages[0]["buttons"]] == ["是", "否"]


def test_the_near_setting_is_read(backend, domain, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ANXIN_EARLY_WITHDRAWAL_NEAR_DAYS", "200")
    slots = slots_of(run(ValidateWithdrawalForm(), make_tracker("把定期全取了", "withdraw_deposit_early",
                                                                active_loop=FORM), domain)[0])
    assert slots.get("requested_slot") in (None, "withdrawal_near_confirmed")
    monkeypatch.setenv("ANXIN_EARLY_WITHDRAWAL_NEAR_DAYS", "30")
    slots = slots_of(run(ValidateWithdrawalForm(), make_tracker("把定期全取了", "withdraw_deposit_early",
                                                                active_loop=FORM), domain)[0])
    assert slots["requested_slot"] == "withdrawal_confirmed"


def test_read_back_says_the_loss_plainly_from_the_banks_pending_record(backend, domain):
    events, messages = run(ActionAskWithdrawalConfirmed(), make_tracker("", slots=CHOSEN, active_loop=FORM), domain)
    text = messages[0]["text"]
    assert "本金10000.00元，壹万元整" in text
    assert "按活期利率0.20%算，利息9.67元" in text
    assert "少拿100.33元利息" in text
    assert "2027年6月1日到期" in text and "活期账户，尾号1234" in text
    (_, _, _, body), = backend.posts("/api/v1/deposits/31/early-withdrawal")
    assert body == {"require_confirmation": True}
    (record,) = backend.withdrawal_records.values()
    assert slots_of(events)["pending_withdrawal_id"] == str(record["id"])
    assert messages[0]["custom"]["deposit_id"] == 31 and messages[0]["custom"]["pending_id"] == record["id"]
    # Nothing moves before the yes: the record is pending and the deposit still active.
    assert record["status"] == "pending" and backend.time_deposit(31)["status"] == "active"


def test_the_read_back_says_the_records_figures_not_a_fresh_preview(backend, domain):
    """The words come from the pending record: what "是" pays is what was said, whatever a preview says now."""
    events, _ = run(ActionAskWithdrawalConfirmed(), make_tracker("", slots=CHOSEN, active_loop=FORM), domain)
    backend.state["previews"][31] = {**backend.state["previews"][31], "interest": "1.23", "lost_interest": "108.77"}
    _, messages = run(ActionAskWithdrawalConfirmed(), make_tracker(
        "", slots={**CHOSEN, **slots_of(events)}, active_loop=FORM), domain)
    assert "利息9.67元" in messages[0]["text"] and "少拿100.33元利息" in messages[0]["text"]
    assert len(backend.withdrawal_records) == 1


def _read_back(backend, domain, slots=None) -> str:
    events, _ = run(ActionAskWithdrawalConfirmed(), make_tracker("", slots={**CHOSEN, **(slots or {})},
                                                                 active_loop=FORM), domain)
    return slots_of(events)["pending_withdrawal_id"]


def test_yes_confirms_exactly_that_record_once(backend, domain):
    pending = _read_back(backend, domain)
    tracker = make_tracker("是", "affirm", slots={**CHOSEN, "withdrawal_confirmed": True,
                                                 "pending_withdrawal_id": pending})
    events, messages = run(ActionWithdrawalSubmit(), tracker, domain)
    assert slots_of(events)["outcome"] == "completed" and slots_of(events)["pending_withdrawal_id"] is None
    assert "取好了" in texts(messages) and "利息9.67元" in texts(messages)
    assert backend.time_deposit(31)["status"] == "withdrawn_early"
    # The same yes again (a retry after a lost answer): the bank pays once and the customer hears it was done.
    events, messages = run(ActionWithdrawalSubmit(), tracker, domain)
    assert slots_of(events)["outcome"] == "completed" and "取好了" in texts(messages)
    assert len(backend.posts(f"/api/v1/withdrawals/{pending}/confirm")) == 2
    assert len(backend.posts("/api/v1/deposits/31/early-withdrawal")) == 1, "only the read-back's pending record"


def test_a_slot_changed_after_the_read_back_cannot_change_what_moves(backend, domain):
    two_deposits(backend)
    pending = _read_back(backend, domain)  # the customer heard deposit 31 read back
    # Someone sets the deposit slot to 32 after the read-back (a tracker event): the yes still pays record 31.
    tracker = make_tracker("是", "affirm", slots={**CHOSEN, "withdrawal_deposit_id": "32",
                                                 "withdrawal_confirmed": True, "pending_withdrawal_id": pending})
    events, _ = run(ActionWithdrawalSubmit(), tracker, domain)
    assert slots_of(events)["outcome"] == "completed"
    assert backend.time_deposit(31)["status"] == "withdrawn_early"
    assert backend.time_deposit(32)["status"] == "active"
    assert backend.posts("/api/v1/deposits/32/early-withdrawal") == []
    assert [r[1] for r in backend.requests if r[0] == "POST"] == [
        "/api/v1/deposits/31/early-withdrawal", f"/api/v1/withdrawals/{pending}/confirm"]


def test_a_yes_without_a_read_back_record_moves_nothing(backend, domain):
    tracker = make_tracker("是", "affirm", slots={**CHOSEN, "withdrawal_confirmed": True})
    events, messages = run(ActionWithdrawalSubmit(), tracker, domain)
    assert slots_of(events)["outcome"] == "refused" and "钱没有动" in texts(messages)
    assert [r for r in backend.requests if r[0] == "POST"] == []
    assert backend.time_deposit(31)["status"] == "active"


def test_another_deposit_read_back_cancels_the_first_record(backend, domain):
    two_deposits(backend)
    first = _read_back(backend, domain)
    second = _read_back(backend, domain, {"withdrawal_deposit_id": "32", "pending_withdrawal_id": first})
    assert second != first
    assert backend.withdrawal_records[int(first)]["status"] == "cancelled"
    assert backend.withdrawal_records[int(second)]["status"] == "pending"


def test_the_same_read_back_again_is_the_same_record(backend, domain):
    first = _read_back(backend, domain)
    assert _read_back(backend, domain, {"pending_withdrawal_id": first}) == first
    assert backend.withdrawal_records[int(first)]["status"] == "pending"


@pytest.mark.parametrize("slots", [{"withdrawal_confirmed": False}, {"withdrawal_near_confirmed": False},
                                   {"withdrawal_confirmed": True, "fraud_stopped": True},
                                   {"withdrawal_confirmed": True, "withdrawal_stop": "backend_down"}])
def test_no_or_a_stop_withdraws_nothing_and_cancels_the_record(backend, domain, slots):
    pending = _read_back(backend, domain)
    events, _ = run(ActionWithdrawalSubmit(), make_tracker(
        "不取了", "deny", slots={**CHOSEN, "pending_withdrawal_id": pending, **slots}), domain)
    assert slots_of(events)["outcome"] in ("cancelled", "backend_down")
    assert backend.posts(f"/api/v1/withdrawals/{pending}/confirm") == []
    assert backend.withdrawal_records[int(pending)]["status"] == "cancelled"
    assert backend.time_deposit(31)["status"] == "active"


def test_an_expired_record_is_said_and_nothing_moves(backend, domain):
    pending = _read_back(backend, domain)
    backend.withdrawal_confirm_answer = (409, {"code": "EXPIRED", "message": "这笔提前支取等得太久，已经失效了，钱没有动。"})
    events, messages = run(ActionWithdrawalSubmit(), make_tracker(
        "是", "affirm", slots={**CHOSEN, "withdrawal_confirmed": True, "pending_withdrawal_id": pending}), domain)
    assert slots_of(events)["outcome"] == "refused" and "已经失效了" in texts(messages)
    assert backend.time_deposit(31)["status"] == "active"


def test_cancel_cancels_the_pending_record(backend, domain):
    from actions.conversation import ActionCancelFlow
    pending = _read_back(backend, domain)
    run(ActionCancelFlow(), make_tracker("算了", "cancel", active_loop=FORM,
                                         slots={**CHOSEN, "pending_withdrawal_id": pending}), domain)
    assert backend.withdrawal_records[int(pending)]["status"] == "cancelled"


@pytest.mark.parametrize("bank_stop_works", [True, False])
def test_a_fraud_stop_cancels_the_pending_record(backend, domain, bank_stop_works):
    pending = _read_back(backend, domain)
    if not bank_stop_works:
        backend.fraud_stop_answer = (503, {"code": "BUSY", "message": "系统繁忙。"})
    events, _ = run(ActionFraudStop(), make_tracker("警察说要把定期取出来", "report_scam_instruction",
                                                    slots={**CHOSEN, "pending_withdrawal_id": pending},
                                                    active_loop=FORM), domain)
    assert slots_of(events)["pending_withdrawal_id"] is None
    assert backend.withdrawal_records[int(pending)]["status"] == "cancelled"
    assert backend.time_deposit(31)["status"] == "active"


def test_deny_at_the_near_question_ends_the_form(backend, domain):
    tracker = make_tracker("不取了", "deny", active_loop=FORM,
                           slots={**CHOSEN, "withdrawal_days_left": "12", "withdrawal_near_confirmed": False,
                                  "requested_slot": "withdrawal_near_confirmed"})
    assert slots_of(run(ValidateWithdrawalForm(), tracker, domain)[0]).get("requested_slot") is None


def test_a_bank_refusal_is_said(backend, domain):
    pending = _read_back(backend, domain)
    backend.state["time_deposits"][0]["status"] = "withdrawn_early"  # taken out elsewhere since the read-back
    events, messages = run(ActionWithdrawalSubmit(), make_tracker(
        "是", "affirm", slots={**CHOSEN, "withdrawal_confirmed": True, "pending_withdrawal_id": pending}), domain)
    assert slots_of(events)["outcome"] == "refused" and "已经取出了" in texts(messages)
    # At the read-back: no record, the refusal said, the form stops.
    events, messages = run(ActionAskWithdrawalConfirmed(), make_tracker(
        "", slots={**CHOSEN, "withdrawal_form_id": "w-2"}, active_loop=FORM), domain)
    assert slots_of(events)["withdrawal_stop"] == "refused" and "已经取出了" in texts(messages)


def test_a_scam_story_changes_nothing_in_the_form(backend, domain):
    tracker = make_tracker("警察说要把定期取出来转到安全账户", "report_scam_instruction",
                           [entity("deposit_id", "31")], active_loop=FORM, slots={"requested_slot": "withdrawal_deposit_id"})
    assert run(ValidateWithdrawalForm(), tracker, domain)[0] == []
    slots = slots_of(run(ActionFraudStop(), make_tracker("警察说要把定期取出来", "report_scam_instruction",
                                                         slots=CHOSEN, active_loop=FORM), domain)[0])
    assert slots["withdrawal_deposit_id"] is None and slots["fraud_stopped"] is True


@pytest.mark.parametrize("intent", ["cancel", "human_handoff", "check_balance", "savings_products", "repeat"])
def test_leaving_or_a_digression_fills_nothing(backend, domain, intent):
    two_deposits(backend)
    tracker = make_tracker("我卡里还有多少钱", intent, active_loop=FORM, slots={"requested_slot": "withdrawal_deposit_id"})
    slots = slots_of(run(ValidateWithdrawalForm(), tracker, domain)[0])
    assert slots.get("withdrawal_deposit_id") is None


def test_after_a_digression_at_the_read_back_the_read_back_comes_again_not_a_skipped_question(backend, domain):
    # Far from maturity the near question is skipped; Rasa runs the form again on the balance question's turn.
    slots = slots_of(run(ValidateWithdrawalForm(), make_tracker("我卡里还有多少钱", "check_balance", active_loop=FORM,
                                                                slots={**CHOSEN, "requested_slot": "withdrawal_confirmed"}),
                         domain)[0])
    assert slots == {"requested_slot": "withdrawal_confirmed"}


# --- partial early withdrawal (部分提前支取) ---------------------------------------------------------------

PART = {**CHOSEN, "withdrawal_amount": "5000.00"}


def _validate(backend, domain, text, intent="withdraw_deposit_early", entities=None, slots=None):
    tracker = make_tracker(text, intent, entities or [], active_loop=FORM, slots=slots or {})
    return slots_of(run(ValidateWithdrawalForm(), tracker, domain)[0])


def test_an_amount_said_with_the_request_is_the_part_taken_and_nothing_more_is_asked(backend, domain):
    slots = _validate(backend, domain, "定期先取五千出来", entities=[entity("amount", "5000.00")])
    assert slots["withdrawal_deposit_id"] == "31" and slots["withdrawal_amount"] == "5000.00"
    assert slots["requested_slot"] == "withdrawal_confirmed"


def test_without_an_amount_all_or_a_part_is_asked(backend, domain):
    slots = _validate(backend, domain, "把定期取了")
    assert slots["withdrawal_deposit_id"] == "31" and slots["requested_slot"] == "withdrawal_amount"
    _, messages = run(ActionAskWithdrawalAmount(), make_tracker("", active_loop=FORM), domain)
    assert "全部取出，还是取一部分" in texts(messages)
    assert [b["payload"] for b in messages[0]["buttons"]] == ['/inform{"withdrawal_part": "all"}',
                                                             '/inform{"withdrawal_part": "part"}']


def test_a_part_without_an_amount_asks_how_much(backend, domain):
    asked = {**CHOSEN, "withdrawal_amount": None, "requested_slot": "withdrawal_amount"}
    slots = _validate(backend, domain, "取一部分", "inform", slots=asked)
    assert slots["withdrawal_partial"] is True and slots.get("withdrawal_amount") is None
    _, messages = run(ActionAskWithdrawalAmount(), make_tracker("", slots={"withdrawal_partial": True},
                                                                active_loop=FORM), domain)
    assert "取多少钱出来" in texts(messages)
    slots = _validate(backend, domain, "五千", "inform", [entity("amount", "5000.00")],
                      {**asked, "withdrawal_partial": True})
    assert slots["withdrawal_amount"] == "5000.00" and slots["withdrawal_partial"] is None


def test_all_of_it_by_words_or_button(backend, domain):
    asked = {**CHOSEN, "withdrawal_amount": None, "requested_slot": "withdrawal_amount"}
    assert _validate(backend, domain, "全部取出来", "inform", slots=asked)["withdrawal_amount"] == "all"
    assert _validate(backend, domain, "/inform", "inform", [entity("withdrawal_part", "all")],
                     asked)["withdrawal_amount"] == "all"


def test_an_amount_that_is_a_deposits_size_picks_that_deposit_not_a_part(backend, domain):
    two_deposits(backend)
    slots = _validate(backend, domain, "把五千那笔定期取了", entities=[entity("amount", "5000.00")])
    assert slots["withdrawal_deposit_id"] == "32" and slots.get("withdrawal_amount") is None


def test_the_part_read_back_says_what_comes_out_what_it_loses_and_what_stays(backend, domain):
    events, messages = run(ActionAskWithdrawalConfirmed(), make_tracker("", slots=PART, active_loop=FORM), domain)
    (_, _, _, body), = backend.posts("/api/v1/deposits/31/early-withdrawal")
    assert body == {"require_confirmation": True, "amount": "5000.00"}
    (record,) = backend.withdrawal_records.values()
    text = messages[0]["text"]
    # Every figure is the record's (the fake bank's arithmetic, not the dialogue's).
    assert f"先取{record['principal']}元" in text and "伍仟元整" in text
    assert f"利息{record['interest']}元" in text and f"少拿{record['lost_interest']}元利息" in text
    assert f"剩下{record['remaining_principal']}元接着存" in text and "2027年6月1日到期" in text
    assert f"到期利息约{record['remaining_expected_interest']}元" in text
    assert slots_of(events)["pending_withdrawal_id"] == str(record["id"])
    assert backend.time_deposit(31)["principal"] == "10000.00", "nothing moves before the yes"


def test_yes_takes_out_the_part_and_the_rest_stays(backend, domain):
    pending = slots_of(run(ActionAskWithdrawalConfirmed(), make_tracker("", slots=PART, active_loop=FORM),
                           domain)[0])["pending_withdrawal_id"]
    events, messages = run(ActionWithdrawalSubmit(), make_tracker(
        "是", "affirm", slots={**PART, "withdrawal_confirmed": True, "pending_withdrawal_id": pending}), domain)
    assert slots_of(events)["outcome"] == "completed"
    assert "取好了" in texts(messages) and "本金5000.00元" in texts(messages)
    assert "存单里还剩5000.00元" in texts(messages)
    deposit = backend.time_deposit(31)
    assert deposit["status"] == "active" and deposit["principal"] == "5000.00"


def test_a_changed_amount_at_the_read_back_is_read_back_as_a_new_record(backend, domain):
    first = slots_of(run(ActionAskWithdrawalConfirmed(), make_tracker("", slots=PART, active_loop=FORM),
                         domain)[0])["pending_withdrawal_id"]
    at_read_back = {**PART, "pending_withdrawal_id": first, "requested_slot": "withdrawal_confirmed"}
    slots = _validate(backend, domain, "还是只取三千吧", "inform", [entity("amount", "3000.00")], at_read_back)
    assert slots["withdrawal_amount"] == "3000.00" and slots.get("withdrawal_confirmed") is None
    events, messages = run(ActionAskWithdrawalConfirmed(), make_tracker(
        "", slots={**at_read_back, "withdrawal_amount": "3000.00"}, active_loop=FORM), domain)
    second = slots_of(events)["pending_withdrawal_id"]
    assert second != first and backend.withdrawal_records[int(first)]["status"] == "cancelled"
    assert "先取3000.00元" in texts(messages)


@pytest.mark.parametrize(("amount", "setup", "said"), [
    ("10000.00", None, "整张存单的钱"),
    ("9980.00", None, "低于起存金额"),
    ("1000.00", "used", "已经部分提前支取过一次"),
])
def test_a_part_the_bank_refuses_is_said_and_all_or_a_part_is_asked_again(backend, domain, amount, setup, said):
    if setup == "used":
        backend.time_deposit(31)["partial_withdrawn"] = "2000.00"
    events, messages = run(ActionAskWithdrawalConfirmed(), make_tracker(
        "", slots={**CHOSEN, "withdrawal_amount": amount}, active_loop=FORM), domain)
    slots = slots_of(events)
    assert said in texts(messages) and "全部取出，还是取一部分" in texts(messages)
    assert slots["requested_slot"] == "withdrawal_amount" and slots["withdrawal_amount"] is None
    assert "withdrawal_stop" not in slots and backend.withdrawal_records == {}


def test_only_ten_thousand_the_rest_stays_when_it_is_all_of_it_offers_all(backend, domain):
    slots = _validate(backend, domain, "只取一万，剩下的继续存", entities=[entity("amount", "10000.00")])
    assert slots["withdrawal_amount"] == "10000.00", "the words say a part"
    _, messages = run(ActionAskWithdrawalConfirmed(), make_tracker("", slots={**CHOSEN, **slots},
                                                                   active_loop=FORM), domain)
    assert "整张存单的钱" in texts(messages) and "全部取出" in [b["title"] for b in messages[-1]["buttons"]]


def test_near_maturity_a_part_hears_what_waiting_keeps_on_that_part(backend, domain):
    two_deposits(backend)
    _, messages = run(ActionAskWithdrawalNearConfirmed(), make_tracker(
        "", slots={"withdrawal_deposit_id": "32", "withdrawal_amount": "1000.00"}, active_loop=FORM), domain)
    assert "还有12天就到期了" in texts(messages) and "2.13元" in texts(messages)  # 10.63 x 1000/5000


def test_deny_at_the_part_read_back_takes_nothing_out(backend, domain):
    pending = slots_of(run(ActionAskWithdrawalConfirmed(), make_tracker("", slots=PART, active_loop=FORM),
                           domain)[0])["pending_withdrawal_id"]
    events, _ = run(ActionWithdrawalSubmit(), make_tracker(
        "不取了", "deny", slots={**PART, "withdrawal_confirmed": False, "pending_withdrawal_id": pending}), domain)
    assert slots_of(events)["outcome"] == "cancelled"
    assert backend.withdrawal_records[int(pending)]["status"] == "cancelled"
    assert backend.time_deposit(31)["principal"] == "10000.00"


# --- the maturity choice -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "choice"), [
    ("定期到期了转到活期", "demand"), ("到期以后别自动转存了", "demand"), ("到期不续了", "demand"),
    ("到期后自动转存", "renew"), ("到期了接着存", "renew"), ("自动续上", "renew"), ("一年定期", None)])
def test_choice_words(text, choice):
    assert choice_from_text(text) == choice


def test_deposit_form_asks_the_maturity_choice_with_renew_first(backend, domain):
    _, messages = run(ActionAskMaturityChoice(), make_tracker("一万"), domain)
    assert "自动转存" in texts(messages) and "转回活期" in texts(messages)
    assert [b["payload"] for b in messages[0]["buttons"]] == ['/inform{"maturity_choice": "renew"}',
                                                             '/inform{"maturity_choice": "demand"}']


@pytest.mark.parametrize(("text", "intent", "choice"), [("转回活期", "inform", "demand"), ("好的", "affirm", "renew"),
                                                         ("不转存，回活期", "deny", "demand")])
def test_deposit_form_takes_the_answer(backend, domain, text, intent, choice):
    tracker = make_tracker(text, intent, active_loop="deposit_form",
                           slots={"deposit_term": "12", "deposit_amount": "10000.00", "from_account_id": "1",
                                  "requested_slot": "maturity_choice"})
    assert slots_of(run(ValidateDepositForm(), tracker, domain)[0])["maturity_choice"] == choice


def test_deposit_read_back_says_the_choice_and_the_bank_stores_it(backend, domain):
    slots = {"deposit_term": "12", "deposit_amount": "10000.00", "from_account_id": "1", "deposit_form_id": "d-1",
             "maturity_choice": "demand"}
    _, messages = run(ActionAskDepositConfirmed(), make_tracker("转回活期", slots=slots), domain)
    assert "到期转回活期" in messages[0]["text"]
    (_, _, _, body), = backend.posts("/api/v1/deposits")
    assert body["maturity_choice"] == "demand"


def test_set_maturity_choice_by_voice(backend, domain):
    _, messages = run(ActionSetMaturityChoice(), make_tracker("定期到期了转到活期", "set_maturity_choice"), domain)
    assert "改好了" in texts(messages) and "到期后转回活期" in texts(messages)
    assert backend.state["time_deposits"][0]["maturity_choice"] == "demand"


def test_set_maturity_choice_asks_which_of_several(backend, domain):
    two_deposits(backend)
    _, messages = run(ActionSetMaturityChoice(), make_tracker("到期以后转回活期", "set_maturity_choice"), domain)
    assert "哪一笔" in texts(messages)
    assert messages[0]["buttons"][1]["payload"] == '/set_maturity_choice{"deposit_id": "32", "maturity_choice": "demand"}'
    _, messages = run(ActionSetMaturityChoice(), make_tracker(
        "/set_maturity_choice", "set_maturity_choice",
        [entity("deposit_id", "32"), entity("maturity_choice", "demand")]), domain)
    assert backend.state["time_deposits"][1]["maturity_choice"] == "demand"
    assert backend.state["time_deposits"][0]["maturity_choice"] == "renew"


def test_set_maturity_choice_without_a_choice_asks_it(backend, domain):
    _, messages = run(ActionSetMaturityChoice(), make_tracker("定期到期怎么处理改一下", "set_maturity_choice"), domain)
    assert [b["payload"] for b in messages[0]["buttons"]] == ['/set_maturity_choice{"maturity_choice": "renew"}',
                                                             '/set_maturity_choice{"maturity_choice": "demand"}']


def test_a_matured_deposit_is_mentioned_once_before_the_answer(backend, domain):
    backend.state["notices"] = [{"id": "deposit:4", "kind": "deposit_matured", "amount": "10110.00",
                                 "text": "您的一年定期到期了，本金和利息共10,110.00元已经转回您的账户。", "at": "x"},
                                {"id": "pension:2", "kind": "pension_credit", "amount": "3500.00",
                                 "text": "养老金到了", "at": "x"}]
    from actions.balance import ActionCheckBalance
    events, messages = run(ActionCheckBalance(), make_tracker("查余额", "check_balance"), domain)
    # Before the answer, once (actions/notices.py says the other notices of the conversation's start too).
    assert messages[0]["text"].startswith("您的一年定期到期了") and "余额12000.00元" in messages[-1]["text"]
    assert texts(messages).count("到期了") == 1
    assert "deposit:4" in backend.seen_notices and slots_of(events)["notices_said"] is True
    _, messages = run(ActionCheckBalance(), make_tracker("查余额", "check_balance", slots={"notices_said": True}), domain)
    assert "到期" not in texts(messages)


# --- pension --------------------------------------------------------------------------------------------------

def test_pension_arrival_from_the_banks_credits(backend, domain):
    backend.state["pension"] = {"items": [], "last": {"amount": "3500.00", "credited_on": "2026-11-05"},
                                "this_month": False, "message": "这个月的养老金还没有到账。上一次是11月5日到的，3,500.00元。"}
    _, messages = run(ActionPensionArrival(), make_tracker("养老金打过来了吗", "ask_pension_arrival"), domain)
    assert "这个月的养老金还没有到账" in texts(messages) and "11月5日" in texts(messages)
    assert messages[0]["custom"]["key_figure"] == "3500.00元"


def test_pension_arrival_not_signed_in(backend, domain):
    _, messages = run(ActionPensionArrival(), make_tracker("养老金到了没", "ask_pension_arrival", token=None), domain)
    assert messages[0]["response"] == "utter_not_signed_in"


# --- two requests ----------------------------------------------------------------------------------------------

def test_balance_then_a_transfer_starts_the_transfer(backend, domain):
    tracker = make_tracker("查一下余额，然后给儿子转三百", "multi_request",
                           [entity("relationship", "儿子"), entity("amount", "300.00")])
    events, messages = run(ActionMultiRequest(), tracker, domain)
    assert "余额12000.00元" in texts(messages)
    slots = slots_of(events)
    assert slots["outcome"] == "ready" and slots["queued_flow"] == "transfer" and slots["transfer_form_id"]
    assert backend.posts("/api/v1/transfers") == [], "the money step waits for its read-back"


def test_rates_then_a_deposit_starts_the_deposit(backend, domain):
    events, messages = run(ActionMultiRequest(), make_tracker("先看看利息，然后存一万一年", "multi_request"), domain)
    assert "一年定期，年利率1.10%" in texts(messages)
    assert slots_of(events)["queued_flow"] == "deposit"


def test_two_questions_are_both_answered(backend, domain):
    events, messages = run(ActionMultiRequest(), make_tracker("先看余额，再看利率", "multi_request"), domain)
    assert "余额12000.00元" in texts(messages) and "年利率" in texts(messages)
    assert slots_of(events)["queued_flow"] == "none" and slots_of(events)["outcome"] is None


def test_a_second_part_that_cannot_start_says_why(backend, domain):
    tracker = make_tracker("查一下余额，然后给儿子转三百", "multi_request", slots={"fraud_stopped": True})
    events, messages = run(ActionMultiRequest(), tracker, domain)
    assert slots_of(events)["queued_flow"] == "none" and "骗局" in texts(messages)
