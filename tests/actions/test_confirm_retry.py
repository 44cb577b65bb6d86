"""A "是" delivered again after the bank already executed the read-back record (the Rasa server died before it
could answer, issue 10 with the cluster's fault test) reports the one transfer, and never pays twice."""
from __future__ import annotations

from actions.transfer import ActionTransferSubmit
from tests.actions.conftest import make_tracker, run, slots_of, texts
from tests.actions.test_transfer import CONFIRMED, read_back


def test_a_retried_yes_reports_the_completed_record_once(backend, domain):
    slots, _ = read_back(backend, domain)
    tracker_slots = {**CONFIRMED, **slots}
    first, _ = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=tracker_slots), domain)
    assert slots_of(first)["outcome"] == "completed"

    again, messages = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots=tracker_slots), domain)
    assert slots_of(again)["outcome"] == "completed"
    assert "转好了" in texts(messages)
    assert len(backend.moved()) == 1


def test_a_yes_for_a_cancelled_record_is_refused(backend, domain):
    slots, _ = read_back(backend, domain)
    backend.transfers[int(slots["pending_transfer_id"])]["status"] = "cancelled"
    events, messages = run(ActionTransferSubmit(), make_tracker("是", "affirm", slots={**CONFIRMED, **slots}), domain)
    assert slots_of(events)["outcome"] == "refused"
    assert backend.moved() == [] and "转好了" not in texts(messages)
