/* 安心 staff panel (/kiosk/staff): the pending approvals (approve/reject with the staff member's own sign-in,
   which the backend records) and the live transcripts of the kiosks. Polls every 2 s while open. */
(function () {
  "use strict";
  var A = window.Anxin;
  var status = A.$("status");
  var REASONS = { NEW_PAYEE: "新收款人", LARGE_AMOUNT: "大额转账" };
  var poller = null;

  A.fontControls(A.$("font-up"), A.$("font-down"), status, true);

  function signedIn(s) {
    A.$("staff-view").hidden = true;
    A.$("panel").hidden = false;
    A.$("staff-out").hidden = false;
    A.$("station").hidden = false;
    A.$("station").textContent = "工作人员：" + s.staff.name;
    refresh();
    poller = setInterval(refresh, 2000);
  }
  function signedOut(message) {
    lastA = lastT = "";
    if (poller) clearInterval(poller);
    poller = null;
    A.$("approvals").replaceChildren();
    A.$("transcripts").replaceChildren();
    A.$("panel").hidden = true;
    A.$("staff-out").hidden = true;
    A.$("station").hidden = true;
    A.$("staff-view").hidden = false;
    if (message) A.say(status, message, "notice");
  }

  async function decide(item, decision, card) {
    card.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    var r = await A.api("POST", "/api/staff/approvals/" + item.id + "/" + decision, { note: "" });
    if (!r.ok) { A.say(status, r.data.message); card.querySelectorAll("button").forEach(function (b) { b.disabled = false; }); return; }
    A.say(status, (decision === "approve" ? "已批准：" : "已拒绝：") + item.customer_name + " 的转账 " + item.transfer.amount + " 元", "notice");
    refresh();
  }

  function approvalCard(item) {
    var t = item.transfer || {}, p = t.payee || {};
    var card = A.el("article", { class: "card", "data-approval": String(item.id), "aria-label": "审批 " + item.id });
    card.append(
      A.el("h3", { text: item.customer_name + " → " + (p.relationship ? p.relationship + " " : "") + (p.name || "") }),
      A.el("p", {}, A.withAmounts(t.amount + " 元" + (t.amount_capitals ? "（" + t.amount_capitals + "）" : ""))),
      A.el("p", { text: "原因：" + (REASONS[item.reason] || REASONS[t.hold_reason] || item.reason || "需要核对") }),
      A.el("p", { text: "收款账号：" + (p.bank || "") + " " + (p.account_masked || "") }),
      A.el("div", { class: "acts" },
        A.el("button", { type: "button", class: "primary", text: "✔ 批准", onclick: function () { decide(item, "approve", card); } }),
        A.el("button", { type: "button", class: "danger", text: "✖ 拒绝", onclick: function () { decide(item, "reject", card); } })));
    return card;
  }

  function transcriptCard(t) {
    var lines = A.el("ol", { class: "lines" });
    var WHO = { customer: "客户", assistant: "助手", system: "提示" };
    t.lines.forEach(function (l) { lines.append(A.el("li", { text: l.at + " " + (WHO[l.who] || "") + "：" + l.text })); });
    var wantsPerson = t.lines.some(function (l) { return l.who === "system" && l.text.indexOf("转人工") >= 0; });
    return A.el("article", { class: "card", "data-conversation": t.conversation_id },
      A.el("h3", { text: t.customer_name + "（" + t.started + " 开始）" }),
      wantsPerson ? A.el("p", { class: "error", text: "客户要求转人工，请过去帮忙。" }) : null, lines);
  }

  var lastA = "", lastT = "";  // re-render only on change: a card must not vanish under the staff's finger
  async function refresh() {
    var a = await A.api("GET", "/api/staff/approvals");
    if (!a.ok) { if (a.status === 401) { signedOut(a.data.message); } else A.say(status, a.data.message); return; }
    var keyA = JSON.stringify(a.data.items);
    if (keyA !== lastA) {
    lastA = keyA;
    A.$("appr-count").textContent = "（" + a.data.items.length + " 笔）";
    var list = a.data.items.map(approvalCard);
    A.$("approvals").replaceChildren.apply(A.$("approvals"), list.length ? list : [A.el("p", { text: "现在没有待审批的转账。" })]);
    }
    var t = await A.api("GET", "/api/staff/transcripts");
    if (!t.ok) return;
    var keyT = JSON.stringify(t.data.items);
    if (keyT === lastT) return;
    lastT = keyT;
    var cards = t.data.items.map(transcriptCard);
    A.$("transcripts").replaceChildren.apply(A.$("transcripts"), cards.length ? cards : [A.el("p", { text: "现在没有客户在自助机上办理。" })]);
  }

  A.$("staff-form").addEventListener("submit", async function (e) {
    e.preventDefault();
    var r = await A.api("POST", "/api/staff/login",
      { username: A.$("staff-user").value, password: A.$("staff-pass").value, role: "panel" });
    A.$("staff-pass").value = "";
    if (!r.ok) { A.say(A.$("staff-error"), r.data.message); return; }
    A.say(A.$("staff-error"), "");
    signedIn(r.data);
  });
  A.$("staff-out").addEventListener("click", async function () {
    await A.api("POST", "/api/staff/logout");
    signedOut("已退出。");
  });
  A.api("GET", "/api/session").then(function (r) {
    if (r.ok && r.data.staff && r.data.staff.role === "panel") signedIn(r.data); else signedOut();
  });
})();
