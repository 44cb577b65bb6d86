"""A scripted stand-in for Rasa's REST channel, for browser tests that run before (or without) the model.

It speaks the contract of docs/contracts.md (POST /webhooks/rest/webhook with the token in the metadata, and
the reply contract's `custom` fields: risk, handoff, transfer_id, pending_id, receipt, end_call) and does real
banking through the real backend with that token, so the widget, the gateway and the backend are exercised for
real; only the language understanding is a few keyword rules.
"""
from __future__ import annotations

import re
import threading
import time
import uuid
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request

from money import parse_amount, to_capitals

SCAM_CUES = ("安全账户", "民警", "公安")
FRAUD_WARNING = ("这很像冒充公检法的骗局。\n公检法不会让您把钱转到“安全账户”。\n请马上挂断那个电话，钱一分也不要转。\n"
                 "有疑问请打反诈专线96110。")


def _yuan(amount: str) -> str:
    return f"{amount} 元（{to_capitals(amount)}）"


class Script:
    """Per-conversation state: the pending transfer and the last replies (for 再说一遍)."""

    def __init__(self, backend_url: str) -> None:
        self.backend = backend_url.rstrip("/") + "/api/v1"
        self.pending: dict[str, int] = {}
        self.pending_bill: dict[str, int] = {}  # the bill payment a "是" confirms (issue 12)
        self.revocable: dict[str, int] = {}  # the scheduled transfer a "是" takes back
        self.last: dict[str, list[dict[str, Any]]] = {}
        self.metadata_seen: list[dict[str, Any]] = []
        self.messages_seen: list[dict[str, str]] = []

    def _get(self, path: str, token: str) -> Any:
        return httpx.get(self.backend + path, headers={"Authorization": f"Bearer {token}"}, timeout=10).json()

    def _post(self, path: str, token: str, json: Any = None, key: bool = False) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        return httpx.post(self.backend + path, headers=headers, json=json, timeout=10)

    def reply(self, sender: str, text: str, token: str) -> list[dict[str, Any]]:
        if "再说一遍" in text and sender in self.last:
            return self.last[sender]
        out = self._answer(sender, text, token)
        self.last[sender] = out
        return out

    def _answer(self, sender: str, text: str, token: str) -> list[dict[str, Any]]:
        if any(cue in text for cue in SCAM_CUES):
            # The fraud stop: the pending transfer is cancelled, nothing moves, a person is offered.
            if sender in self.pending:
                self._post(f"/transfers/{self.pending.pop(sender)}/cancel", token)
            return [{"text": FRAUD_WARNING, "custom": {
                "risk": {"kind": "fraud", "family": "authority", "level": "stop"},
                "handoff": {"reason": "fraud", "summary": "客户说民警让他把钱转到安全账户"}}}]
        if "再见" in text:
            return [{"text": "好的，再见。祝您身体健康。", "custom": {"end_call": True}}]
        if "人工" in text:
            return [{"text": "好的，正在为您转人工，请稍等。", "custom": {"handoff": {"reason": "asked", "summary": ""}}}]
        if "余额" in text:
            acct = self._get("/accounts", token)[0]
            return [{"text": f"您的{acct['name']}余额是 {_yuan(acct['balance'])}。"}]
        bill = self._bill(sender, text, token)
        if bill is not None:
            return bill
        revoke = self._revoke(sender, text, token)
        if revoke is not None:
            return revoke
        if text == "/affirm" and sender in self.pending:
            tid = self.pending.pop(sender)
            t = self._post(f"/transfers/{tid}/confirm", token).json()
            if t["status"] == "held":
                return [{"text": "这笔转账需要工作人员核对。核对好以后就会转出。", "custom": {"transfer_id": tid}}]
            if t["status"] == "scheduled":  # a delayed arrival: revocable until it arrives
                return [{"text": f"{t['message']}\n到账以前，说“刚才那笔撤回”就能撤回。",
                         "custom": {"transfer_id": tid, "receipt": {"transfer_id": tid}}}]
            return [{"text": f"办好了，{t['payee']['name']}会收到 {_yuan(t['amount'])}。",
                     "custom": {"transfer_id": tid, "receipt": {"transfer_id": tid}}}]
        if text == "/deny" and sender in self.pending:
            self._post(f"/transfers/{self.pending.pop(sender)}/cancel", token)
            return [{"text": "好的，这笔不转了。"}]
        payees = self._get("/payees", token)
        payee = next((p for p in payees if p["name"] in text or p["relationship"] in text), None)
        amount = parse_amount(text)
        if "转" in text and (payee is None or amount.kind != "exact"):
            return [{"text": "您要转给谁？转多少钱？请说，比如“给儿子转500元”。",
                     "buttons": [{"title": f"{p['relationship']} {p['name']}", "payload": f"给{p['name']}转100元"}
                                 for p in payees]}]
        if payee is not None and amount.kind == "exact":
            acct = self._get("/accounts", token)[0]
            resp = self._post("/transfers", token, key=True, json={
                "from_account_id": acct["id"], "payee_id": payee["id"], "amount": str(amount.yuan),
                "require_confirmation": True, **({"arrival_mode": "next_day"} if "明天到" in text else {})})
            if resp.status_code >= 400:
                return [{"text": resp.json()["message"]}]
            t = resp.json()
            self.pending[sender] = t["id"]
            return [{"text": f"请您核对：从{acct['name']}转给{payee['relationship']}{payee['name']} "
                             f"{_yuan(t['amount'])}。对吗？",
                     "buttons": [{"title": "对，转吧", "payload": "/affirm"}, {"title": "不转了", "payload": "/deny"}],
                     "custom": {"transfer_id": t["id"], "pending_id": t["id"], "key_figure": f"{t['amount']}元"}}]
        return [{"text": "对不起，我没听懂。您可以选下面的事。",
                 "buttons": [{"title": "查余额", "payload": "查余额"}, {"title": "转人工", "payload": "转人工"}]}]

    def _bill(self, sender: str, text: str, token: str) -> list[dict[str, Any]] | None:
        """交电费: the saved 电费 account's bill, a pending bill payment read back; 是 pays it, with its receipt."""
        if text == "/affirm" and sender in self.pending_bill:
            record = self._post(f"/bill-payments/{self.pending_bill.pop(sender)}/confirm", token).json()
            if record.get("status") != "completed":
                return [{"text": f"这笔没有交成。\n{record.get('message', '')}"}]
            return [{"text": f"交好了。\n{record['message']}\n收据号{record['receipt_no']}。",
                     "custom": {"key_figure": f"{record['amount']}元", "bill_payment_id": record["id"],
                                "receipt": {"bill_payment_id": record["id"], "kind": "bill_payment",
                                            "receipt_no": record["receipt_no"]}}}]
        if text in ("/deny", "算了") and sender in self.pending_bill:
            self._post(f"/bill-payments/{self.pending_bill.pop(sender)}/cancel", token)
            return [{"text": "好的，这笔不交了。\n钱没有动。"}]
        if "电费" not in text:
            return None
        saved = next(a for a in self._get("/bill-accounts", token) if a["biller"]["code"] == "POWER")
        quote = self._get(f"/bill-accounts/{saved['id']}/bill", token)
        if quote["status"] != "due":
            return [{"text": quote["message"]}]
        acct = self._get("/accounts", token)[0]
        resp = self._post("/bill-payments", token, key=True, json={
            "bill_account_id": saved["id"], "from_account_id": acct["id"], "require_confirmation": True})
        record = resp.json()
        if resp.status_code >= 400:
            return [{"text": record["message"]}]
        self.pending_bill[sender] = record["id"]
        return [{"text": f"交{quote['period'][5:].lstrip('0')}月电费，{saved['label']}。\n{_yuan(record['amount'])}。\n"
                         f"从{acct['name']}出钱。\n对吗？",
                 "buttons": [{"title": "是", "payload": "/affirm"}, {"title": "否", "payload": "/deny"}],
                 "custom": {"key_figure": f"{record['amount']}元", "bill_payment_id": record["id"],
                            "pending_id": record["id"]}}]

    def _revoke(self, sender: str, text: str, token: str) -> list[dict[str, Any]] | None:
        """刚才那笔撤回: the latest scheduled (not yet arrived) transfer, read back; 是 takes it back. Its "done"
        offers the transfer's receipt (saying 已撤回); the real dialogue's (actions/revoke.py) carries none yet."""
        if text == "/affirm" and sender in self.revocable:
            tid = self.revocable.pop(sender)
            t = self._post(f"/transfers/{tid}/revoke", token).json()
            if t.get("status") != "revoked":
                return [{"text": t.get("message", "这笔撤不回来了。")}]
            return [{"text": f"撤回好了。\n{_yuan(t['amount'])}已经回到您的账户。",
                     "custom": {"transfer_id": tid, "receipt": {"transfer_id": tid}}}]
        if text == "/deny" and sender in self.revocable:
            self.revocable.pop(sender)
            return [{"text": "好的，不撤回，这笔照常到账。"}]
        if "撤回" not in text:
            return None
        scheduled = self._get("/transfers?status=scheduled", token)
        if not scheduled:
            return [{"text": "现在没有能撤回的转账。"}]
        t = scheduled[0]
        self.revocable[sender] = t["id"]
        return [{"text": f"要撤回给{t['payee']['relationship']}{t['payee']['name']}的 {_yuan(t['amount'])}吗？\n"
                         "这笔还没有到账。",
                 "buttons": [{"title": "是，撤回", "payload": "/affirm"}, {"title": "不撤回", "payload": "/deny"}],
                 "custom": {"transfer_id": t["id"], "key_figure": f"{t['amount']}元"}}]


def make_app(script: Script) -> FastAPI:
    app = FastAPI()

    @app.post("/webhooks/rest/webhook")
    async def webhook(request: Request) -> list[dict[str, Any]]:
        body = await request.json()
        meta = body.get("metadata") or {}
        script.metadata_seen.append({k: v for k, v in meta.items() if k != "token"} | {"has_token": "token" in meta})
        sender = body["sender"]
        script.messages_seen.append({"sender": sender, "text": str(body.get("message") or "")})
        out = script.reply(sender, str(body.get("message") or ""), meta.get("token", ""))
        return [{"recipient_id": sender, **item} for item in out]

    @app.get("/status")
    def status() -> dict[str, str]:
        return {"status": "ok"}

    return app


class FakeRasa:
    def __init__(self, backend_url: str, port: int) -> None:
        self.script = Script(backend_url)
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(make_app(self.script), host="127.0.0.1", port=port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> FakeRasa:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake Rasa did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def amount_text(text: str) -> str | None:
    """The first "N 元（大写）" of a text, as the widget styles it."""
    m = re.search(r"\d[\d,]*(?:\.\d{1,2})?\s*元（[^）]+）", text)
    return m.group(0) if m else None
