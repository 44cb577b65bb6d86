/* 安心 kiosk: staff sign the device in, then one customer after another. After the idle time (a visible
   countdown with "需要更多时间") the customer's session ends and the page is reloaded: nothing of them stays. */
(function () {
  "use strict";
  var A = window.Anxin;
  var status = A.$("status");
  var idle = 120, warn = 30;

  function view(name) {
    ["staff-view", "login-view", "chat-view"].forEach(function (v) { A.$(v).hidden = v !== name; });
    A.$("sign-out").hidden = name !== "chat-view";
  }
  function showChat(s) {
    A.$("who").textContent = s.name || "";
    view("chat-view");
    timer.set(s.seconds_left, s.warn_s);
    chat.fit();
    chat.addBot(s.greeting || { text: "您好！想办什么？",
      buttons: ["查余额", "转账", "存定期"].map(function (t) { return { title: t, payload: t }; }) });
  }
  // The end of a customer's visit: the server forgets them, the screen and storage are wiped, the page reloads.
  async function endVisit() {
    timer.stop();
    await A.api("POST", "/api/logout");
    try { localStorage.clear(); } catch (e) { /* storage blocked */ }
    A.wipe("/kiosk");
  }

  A.fontControls(A.$("font-up"), A.$("font-down"), A.$("size-status"), false);
  var timer = A.Timer({
    onExpire: function () {
      if (!A.$("chat-view").hidden) { endVisit(); return; }
      login.clear();  // digits typed by someone who walked away
    },
    localSeconds: function () { return idle; },
    audible: true,  // a kiosk is in a busy hall: the countdown beeps and speaks, not only shows
  });
  var chat = A.Chat({
    onSignedOut: function () { endVisit(); },
    onReplies: function (d) { if (d.seconds_left) timer.set(d.seconds_left, d.warn_s); },
    onReceipt: function (receipt, li) { A.receipt(receipt, li, A.$("chat-status")); },
  });
  var login = A.login({
    kiosk: true,
    onSignedIn: function (s) { showChat(s); },
    // The station's staff sign-in ended: back to the staff sign-in, with nothing typed left behind.
    onRefused: function (r) {
      if (r.data.code !== "STAFF_REQUIRED") return;
      A.$("phone").value = "";
      setTimeout(function () { A.wipe("/kiosk"); }, 3000);  // time to read why
    },
    // Half-typed digits also time out, with the same countdown.
    onInput: function () { timer.set(idle, warn, true); },
  });
  A.$("sign-out").addEventListener("click", endVisit);

  A.$("staff-form").addEventListener("submit", async function (e) {
    e.preventDefault();
    var err = A.$("staff-error");
    var r = await A.api("POST", "/api/staff/login",
      { username: A.$("staff-user").value, password: A.$("staff-pass").value, role: "station" });
    A.$("staff-pass").value = "";
    if (!r.ok) { A.say(err, r.data.message); return; }
    A.say(err, "");
    A.$("staff-user").value = "";
    // A kiosk runs full-screen; the browser allows it only from this click, and may refuse: no harm then.
    if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(function () {});
    start(r.data);
  });
  A.$("staff-out").addEventListener("click", async function () {
    await A.api("POST", "/api/staff/logout");
    A.wipe("/kiosk");
  });

  function start(s) {
    idle = s.kiosk_idle_timeout_s || idle;
    warn = Math.min(s.warn_s || warn, Math.max(1, idle - 1));
    // The time limit is said at sign-in, in minutes when it is whole minutes ("2 分钟").
    A.$("limit").textContent = "为了安全，" + (idle % 60 ? idle + " 秒" : idle / 60 + " 分钟") + "不操作会自动退出，之前会响铃提醒。";
    var staff = s.staff && s.staff.role === "station" ? s.staff : null;
    A.$("station").hidden = !staff;
    A.$("station").textContent = staff ? "工作人员：" + staff.name : "";
    if (!staff) view("staff-view");
    else if (s.signed_in) showChat(s);
    else view("login-view");
  }
  A.api("GET", "/api/session").then(function (r) { start(r.ok ? r.data : {}); });
})();
