/* 安心 web chat: the standalone page (/ and /chat) and, with ?embed=1, the page inside the widget's iframe. */
(function () {
  "use strict";
  var A = window.Anxin;
  var embedded = new URLSearchParams(location.search).get("embed") === "1";
  A.headerMode = embedded;  // a cross-site host page would block our cookie: keep the id in memory instead
  var status = A.$("status");
  var STARTERS = ["查余额", "转账", "存定期"];

  function showLogin() {
    A.$("login-view").hidden = false;
    A.$("chat-view").hidden = true;
    A.$("sign-out").hidden = true;
    A.$("auto-read").hidden = true;  // nothing to read before sign-in: the keypad keeps the room
  }
  function showChat(s) {
    A.$("who").textContent = s.name || "";
    A.$("login-view").hidden = true;
    A.$("chat-view").hidden = false;
    A.$("sign-out").hidden = false;
    A.$("auto-read").hidden = false;
    timer.set(s.seconds_left, s.warn_s);
    chat.fit();
    if (!A.$("log").childElementCount) {
      chat.addBot(s.greeting || { text: "您好！想办什么？", buttons: STARTERS.map(function (t) { return { title: t, payload: t }; }) });
    }
  }
  async function signOut(message) {
    timer.stop();
    await A.api("POST", "/api/logout");
    A.wipe(null);
    A.forgetAll();
    showLogin();
    A.say(status, message || "您已安全退出。", "notice");
  }

  A.forgetAll = function () { chat.clear(); login.clear(); };
  A.fontControls(A.$("font-up"), A.$("font-down"), A.$("size-status"), true);
  var timer = A.Timer({ onExpire: function () { signOut("为了安全，已经自动退出。需要时请重新登录。"); } });
  var chat = A.Chat({
    onSignedOut: function (m) { signOut(m); },
    onReplies: function (d) { if (d.seconds_left) timer.set(d.seconds_left, d.warn_s); },
    onReceipt: function (receipt, li) { A.receipt(receipt, li, A.$("chat-status")); },
  });
  var login = A.login({ onSignedIn: function (s) { A.say(status, ""); showChat(s); } });
  A.$("sign-out").addEventListener("click", function () { signOut(); });

  A.api("GET", "/api/session").then(function (r) {
    if (r.ok && r.data.signed_in && !embedded) showChat(r.data); else showLogin();
  });
})();
