/* 安心 staff panel (/kiosk/staff): the pending approvals (approve/reject with the staff member's own sign-in,
   which the backend records) and the live transcripts of the kiosks. Polls every 2 s while open. */
(function () {
  "use strict";
  var A = window.Anxin;
  var status = A.$("status");
  var REASONS = { NEW_PAYEE: "新收款人", LARGE_AMOUNT: "大额转账", SCAM_RISK: "疑似诈骗冷静期", CUMULATIVE_AMOUNT: "当天累计金额大" };
  var poller = null;

  A.fontControls(A.$("font-up"), A.$("font-down"), A.$("size-status"), true);

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
    A.$("queue").replaceChildren();
    forgetFamily();
    A.say(A.$("alarm"), "");
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
    var fam = item.family_contact;
    card.append(
      A.el("h3", { text: item.customer_name + " → " + (p.relationship ? p.relationship + " " : "") + (p.name || "") }),
      A.el("p", {}, A.withAmounts(t.amount + " 元" + (t.amount_capitals ? "（" + t.amount_capitals + "）" : ""))),
      A.el("p", { class: item.reason === "SCAM_RISK" ? "alert-text" : "",
        text: "原因：" + (item.reason_text || REASONS[item.reason] || REASONS[t.hold_reason] || "需要核对") }),
      A.el("p", { text: "时间：" + (item.time_local || "") }),
      A.el("p", { text: "转账编号：" + (t.id || "") }),
      A.el("p", { text: "在哪里：" + (item.where || "网上或电话（不在自助机）") }),
      A.el("p", { text: "收款账号：" + (p.bank || "") + " " + (p.account_masked || "") }),
      fam && fam.phone ? A.el("p", {}, "家人：" + (fam.relationship || "") + " " + (fam.name || "") + " ",
        A.el("a", { class: "tel", href: "tel:" + String(fam.phone).replace(/[^\d+]/g, ""), text: "☎ " + fam.phone })) : null,
      A.el("div", { class: "acts" },
        A.el("button", { type: "button", class: "primary", text: "✔ 批准", onclick: function () { decide(item, "approve", card); } }),
        A.el("button", { type: "button", class: "danger", text: "✖ 拒绝", onclick: function () { decide(item, "reject", card); } })));
    return card;
  }

  // A conversation the fraud guard stopped comes first (the gateway sorts it to the top), framed and in words.
  function transcriptCard(t) {
    var lines = A.el("ol", { class: "lines" });
    var WHO = { customer: "客户", assistant: "助手", system: "提示", handoff: "提示" };
    t.lines.forEach(function (l) { lines.append(A.el("li", { text: l.at + " " + (WHO[l.who] || "") + "：" + l.text })); });
    var wantsPerson = t.lines.some(function (l) { return l.who === "handoff"; });  // a field, never the words
    var alert = t.alert ? A.el("p", { class: "alert-text", text: t.alert.text + "（" + t.alert.at + "）" }) : null;
    return A.el("article", { class: t.alert ? "card alert" : "card", "data-conversation": t.conversation_id },
      A.el("h3", { text: t.customer_name + "（" + t.started + " 开始）" }), alert,
      !alert && wantsPerson ? A.el("p", { class: "error", text: "客户要求转人工，请过去帮忙。" }) : null, lines);
  }

  var CHANNEL = { web: "网上", phone: "电话" };
  function queueCard(q) {
    var card = A.el("article", { class: q.reason === "fraud" ? "card alert" : "card", "data-queue": q.id });
    card.append(
      A.el("h3", { text: (CHANNEL[q.channel] || q.channel) + "：" + q.customer_name + "（" + q.at + "）" }),
      A.el("p", { class: q.reason === "fraud" ? "alert-text" : "", text: q.reason_text }),
      q.contact ? A.el("p", { text: "来电号码：" + q.contact }) : null,
      q.summary ? A.el("p", { text: "情况：" + q.summary }) : null,
      A.el("div", { class: "acts" }, A.el("button", { type: "button", text: "✔ 已联系", onclick: async function () {
        card.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        var r = await A.api("POST", "/api/staff/queue/" + encodeURIComponent(q.id) + "/done", {});
        if (!r.ok) A.say(status, r.data.message);
        refresh();
      } })));
    return card;
  }

  function alarm(transcripts, queue) {
    var names = transcripts.filter(function (t) { return t.alert; }).map(function (t) { return "自助机 " + t.customer_name; })
      .concat(queue.filter(function (q) { return q.reason === "fraud"; }).map(function (q) { return (CHANNEL[q.channel] || "") + " " + q.customer_name; }));
    A.say(A.$("alarm"), names.length ? "疑似诈骗，请马上过去：" + names.join("、") : "", "alarm");
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
    var q = await A.api("GET", "/api/staff/queue");
    if (!t.ok || !q.ok) return;
    var keyT = JSON.stringify([t.data.items, q.data.items]);
    if (keyT === lastT) return;
    lastT = keyT;
    alarm(t.data.items, q.data.items);
    var cards = t.data.items.map(transcriptCard);
    A.$("transcripts").replaceChildren.apply(A.$("transcripts"), cards.length ? cards : [A.el("p", { text: "现在没有客户在自助机上办理。" })]);
    A.$("queue-count").textContent = "（" + q.data.items.length + " 位）";
    var waiting = q.data.items.map(queueCard);
    A.$("queue").replaceChildren.apply(A.$("queue"), waiting.length ? waiting : [A.el("p", { text: "现在没有等人工联系的客户。" })]);
  }

  // ------------------------------------------------------------ family contact (亲情联系人), at the counter
  // The staff member finds the customer by the phone number they give, then enters, changes or removes the
  // contact. Checked here in plain words too, so nobody waits for a refusal.
  var family = { id: null };
  function familyError(text) { A.say(A.$("family-error"), text || ""); }
  function showContact(c) {
    var box = A.$("family-current");
    if (!c) { box.replaceChildren(A.el("p", { text: "还没有亲情联系人。" })); return; }
    box.replaceChildren(A.el("p", {}, "现在的亲情联系人：" + c.relationship + " " + c.name + " ",
        A.el("a", { class: "tel", href: "tel:" + String(c.phone).replace(/[^\d+]/g, "") }, "☎ ", A.keep(c.phone))),
      A.el("div", { class: "acts" }, A.el("button", { type: "button", class: "danger", text: "删除亲情联系人",
        onclick: async function () {
          var r = await A.api("DELETE", "/api/staff/customers/" + family.id + "/family-contact", {});
          if (!r.ok) { familyError(r.data.message); return; }
          familyError("");
          A.say(A.$("family-error"), "已删除亲情联系人。", "notice");
          showContact(null);
        } })));
  }
  A.$("family-find").addEventListener("submit", async function (e) {
    e.preventDefault();
    var phone = A.$("family-customer-phone").value.replace(/[\s-]/g, "");
    A.$("family-customer").hidden = true;
    if (!/^1\d{10}$/.test(phone)) { familyError("客户的手机号应该是 11 位数字，以 1 开头。请再输一次。"); return; }
    var r = await A.api("GET", "/api/staff/customers?phone=" + encodeURIComponent(phone));
    if (!r.ok) { familyError(r.data.message); return; }
    var who = r.data.items[0];
    if (!who) { familyError("没有找到用这个手机号的客户。请核对后再输一次。"); return; }
    var c = await A.api("GET", "/api/staff/customers/" + who.id + "/family-contact");
    if (!c.ok) { familyError(c.data.message); return; }
    familyError("");
    family.id = who.id;
    A.$("family-who").textContent = "客户：" + who.name + "（" + who.phone_masked + "）";
    showContact(c.data.contact);
    var now = c.data.contact || {};
    A.$("family-name").value = now.name || "";
    A.$("family-relationship").value = now.relationship || "";
    A.$("family-phone").value = now.phone || "";
    A.$("family-customer").hidden = false;
  });
  A.$("family-form").addEventListener("submit", async function (e) {
    e.preventDefault();
    var body = { name: A.$("family-name").value.trim(), relationship: A.$("family-relationship").value.trim(),
      phone: A.$("family-phone").value.replace(/[\s-]/g, "") };
    if (!body.name) { familyError("请写家人的名字。"); A.$("family-name").focus(); return; }
    if (!body.relationship) { familyError("请写家人和客户的关系，比如“儿子”“女儿”。"); A.$("family-relationship").focus(); return; }
    if (!/^1[3-9]\d{9}$/.test(body.phone)) {
      familyError("家人的手机号应该是 11 位数字，以 13 到 19 开头。请再输一次。");
      A.$("family-phone").focus();
      return;
    }
    var r = await A.api("PUT", "/api/staff/customers/" + family.id + "/family-contact", body);
    if (!r.ok) { familyError(r.data.message); return; }
    familyError("");
    A.say(A.$("family-error"), "已保存亲情联系人：" + r.data.contact.relationship + " " + r.data.contact.name + "。", "notice");
    showContact(r.data.contact);
    lastA = "";  // the approvals list shows the new number at once
    refresh();
  });
  function forgetFamily() {
    family.id = null;
    A.$("family-customer").hidden = true;
    ["family-customer-phone", "family-name", "family-relationship", "family-phone"].forEach(function (id) { A.$(id).value = ""; });
    A.$("family-current").replaceChildren();
    familyError("");
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
