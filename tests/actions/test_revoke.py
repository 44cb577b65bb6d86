"""Taking back a delayed-arrival transfer (actions/revoke.py, issue 12) against a fake of the bank's transfer
routes: the read-back is the bank's record, "是" revokes that id only, "不" keeps it, nothing revocable is said
plainly, and a revoke without an answer is never reported done."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from actions.backend_client import BackendError, BackendNoAnswer, BackendRefused, BackendUnavailable
from actions.revoke import ActionAskRevokeConfirmed, ActionRevokeStart, ActionRevokeSubmit, RevokeClient
from tests.actions.conftest import make_tracker, run, slots_of, texts


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def record(transfer_id: int, status: str, amount: str = "300.00", hours: float = 24) -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    return {"id": transfer_id, "status": status, "amount": amount, "from_account_id": 1,
            "payee": {"id": 13, "name": "周强", "relationship": "外甥"}, "hold_reason": None,
            "created_at": iso(now), "executed_at": iso(now), "arrival_mode": "next_day",
            "arrives_at": iso(now + timedelta(hours=hours)), "message": ""}


@dataclass
class FakeTransfers:
    """The bank's transfer routes behind `RevokeClient._send` (the client's HTTP itself, timeouts and error
    sorting, is tested in test_backend_client_pool.py and with conftest's fake server)."""

    transfers: list[dict[str, Any]] = field(default_factory=list)  # newest first, as GET /transfers
    revoke_answer: dict[str, Any] | None = None
    failure: BackendError | None = None  # raised by every call when set
    requests: list[tuple[str, str]] = field(default_factory=list)

    def posts(self) -> list[str]:
        return [path for method, path in self.requests if method == "POST"]

    def answer(self, method: str, path: str) -> Any:
        self.requests.append((method, path))
        if self.failure is not None:
            raise self.failure
        route, _, query = path.partition("?")
        parts = route.strip("/").split("/")
        if parts == ["transfers"]:
            wanted = query.removeprefix("status=") or None
            return [t for t in self.transfers if wanted in (None, t["status"])]
        row = next((t for t in self.transfers if str(t["id"]) == parts[1]), None)
        if row is None:
            raise BackendRefused(404, "NOT_FOUND", "没有找到这条转账。")
        if len(parts) == 2:
            return row
        if self.revoke_answer is not None:
            return self.revoke_answer
        if row["status"] != "scheduled":
            raise BackendRefused(409, "NOT_REVOCABLE", "这笔钱已经到了对方账户，不能撤回了。")
        row["status"] = "revoked"
        return row


@pytest.fixture
def bank(monkeypatch: pytest.MonkeyPatch) -> FakeTransfers:
    fake = FakeTransfers()

    async def send(self: RevokeClient, method: str, path: str, json: Any, idempotency_key: str | None) -> Any:
        return fake.answer(method, path)

    monkeypatch.setattr(RevokeClient, "_send", send)
    return fake


def test_the_latest_scheduled_transfer_is_read_back_from_the_bank(bank: FakeTransfers, domain: dict):
    bank.transfers = [record(8, "completed"), record(7, "scheduled"), record(5, "scheduled", "50.00")]
    events, messages = run(ActionRevokeStart(), make_tracker("刚才那笔撤回", "revoke_transfer"), domain)
    assert slots_of(events) == {"revoke_transfer_id": "7", "revoke_confirmed": None, "outcome": "ready"}
    assert messages == []  # the form's question is the read-back
    _, messages = run(ActionAskRevokeConfirmed(), make_tracker(slots={"revoke_transfer_id": "7"}), domain)
    said = texts(messages)
    assert "外甥周强" in said and "300.00元" in said and "叁佰元整" in said
    assert "明天" in said and "要撤回这笔吗？" in said
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert messages[0]["custom"]["transfer_id"] == 7 and messages[0]["custom"]["key_figure"] == "300.00元"
    assert bank.posts() == []  # nothing moves before "是"


def test_yes_revokes_that_transfer_and_says_the_money_is_back(bank: FakeTransfers, domain: dict):
    bank.transfers = [record(7, "scheduled"), record(5, "scheduled")]
    tracker = make_tracker("是", "affirm", slots={"revoke_transfer_id": "7", "revoke_confirmed": True})
    events, messages = run(ActionRevokeSubmit(), tracker, domain)
    assert bank.posts() == ["/transfers/7/revoke"]
    assert slots_of(events) == {"revoke_transfer_id": None, "revoke_confirmed": None, "outcome": "completed"}
    assert "撤回了" in texts(messages) and "回到了您的账户" in texts(messages) and "300.00元" in texts(messages)
    assert bank.transfers[1]["status"] == "scheduled"  # only the one read back
    # The channels offer the revoked transfer's receipt (kiosk print, web receipt) from this field alone.
    assert messages[-1]["custom"]["receipt"] == {"kind": "transfer", "transfer_id": 7}


def test_no_keeps_it_and_says_when_it_arrives(bank: FakeTransfers, domain: dict):
    bank.transfers = [record(7, "scheduled", hours=2)]
    tracker = make_tracker("不撤了", "deny", slots={"revoke_transfer_id": "7", "revoke_confirmed": False})
    events, messages = run(ActionRevokeSubmit(), tracker, domain)
    assert bank.posts() == []
    assert slots_of(events)["outcome"] == "cancelled"
    said = texts(messages)
    assert "不撤回" in said and ("今天" in said or "明天" in said)  # two hours from now, China time
    assert "外甥周强" in said


def test_arrived_meanwhile_is_said_and_a_person_offered(bank: FakeTransfers, domain: dict):
    bank.transfers = [record(7, "completed")]
    tracker = make_tracker("是", "affirm", slots={"revoke_transfer_id": "7", "revoke_confirmed": True})
    events, messages = run(ActionRevokeSubmit(), tracker, domain)
    assert slots_of(events)["outcome"] == "refused"
    assert "到账" in texts(messages) and "撤不回来" in texts(messages)
    assert messages[0]["buttons"] == [{"title": "转人工", "payload": "/human_handoff"}]


@pytest.mark.parametrize(("latest", "words", "person"), [
    ("completed", "已经到账了", True),
    ("revoked", "已经撤回了", False),
    ("held", "还在等银行工作人员核对", True),
    (None, "没有可以撤回的转账", True),
])
def test_nothing_to_revoke_is_said_plainly(bank: FakeTransfers, domain: dict, latest: str | None, words: str,
                                           person: bool):
    bank.transfers = [record(9, latest)] if latest else []
    events, messages = run(ActionRevokeStart(), make_tracker("刚才那笔撤回", "revoke_transfer"), domain)
    assert slots_of(events)["outcome"] == "refused"
    assert slots_of(events)["revoke_transfer_id"] is None
    assert words in texts(messages)
    assert ({"title": "转人工", "payload": "/human_handoff"} in messages[0]["buttons"]) is person
    assert bank.posts() == []


def test_a_revoke_without_an_answer_is_never_reported_done(bank: FakeTransfers, domain: dict):
    bank.transfers = [record(7, "scheduled")]
    bank.revoke_answer = {"id": 7, "status": "scheduled"}  # not what a revoke answers
    tracker = make_tracker("是", "affirm", slots={"revoke_transfer_id": "7", "revoke_confirmed": True})
    events, messages = run(ActionRevokeSubmit(), tracker, domain)
    assert slots_of(events)["outcome"] == "unknown"
    assert "撤回了" not in texts(messages) and "还没收到银行的结果" in texts(messages)
    bank.revoke_answer = None
    bank.failure = BackendNoAnswer("/transfers/7/revoke")  # sent, no answer in time: it may have been done
    events, messages = run(ActionRevokeSubmit(), tracker, domain)
    assert slots_of(events)["outcome"] == "unknown" and "还没收到银行的结果" in texts(messages)


def test_signed_out_and_bank_down(bank: FakeTransfers, domain: dict):
    events, messages = run(ActionRevokeStart(), make_tracker("撤回", "revoke_transfer", token=None), domain)
    assert slots_of(events)["outcome"] == "not_signed_in"
    tracker = make_tracker("是", "affirm", token=None, slots={"revoke_transfer_id": "7", "revoke_confirmed": True})
    assert slots_of(run(ActionRevokeSubmit(), tracker, domain)[0])["outcome"] == "not_signed_in"
    bank.failure = BackendUnavailable("/transfers")
    events, messages = run(ActionRevokeStart(), make_tracker("撤回", "revoke_transfer"), domain)
    assert slots_of(events)["outcome"] == "backend_down"
    assert messages and messages[0]["custom"]["speech_rate"] == 1.0
    tracker = make_tracker("是", "affirm", slots={"revoke_transfer_id": "7", "revoke_confirmed": True})
    events, messages = run(ActionRevokeSubmit(), tracker, domain)
    assert slots_of(events)["outcome"] == "backend_down" and messages[0]["response"] == "utter_backend_down"


def test_a_tampered_id_never_reaches_another_path(bank: FakeTransfers, domain: dict):
    tracker = make_tracker("是", "affirm", slots={"revoke_transfer_id": "7/../../accounts", "revoke_confirmed": True})
    events, _ = run(ActionRevokeSubmit(), tracker, domain)
    assert slots_of(events)["outcome"] == "refused"
    assert bank.posts() == []
