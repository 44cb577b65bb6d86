/* 安心 Anxin: what the widget and the kiosk share. No framework, no CDN: one small file.
   Text from the assistant is always inserted as text (never as HTML). */
(function () {
  "use strict";
  var A = (window.Anxin = {});

  // ------------------------------------------------------------ the gateway API
  // The embedded widget (iframe on another site) cannot count on its SameSite=Strict cookie, so it keeps the
  // opaque session id in memory only (never in storage) and sends it as a header.
  var sessionHeader = null;
  A.headerMode = false;
  var FALLBACK = { code: "ERROR", message: "出了点问题，请再试一次，或者转人工。" };

  A.api = async function (method, path, body) {
    var headers = { Accept: "application/json" };
    // The gateway takes only JSON for anything that changes state (a cross-site form cannot send it).
    if (body === undefined && method !== "GET") body = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (A.headerMode) {
      headers["X-Anxin-Session-Mode"] = "header";
      if (sessionHeader) headers["X-Anxin-Session"] = sessionHeader;
    }
    var resp;
    try {
      resp = await fetch(path, {
        method: method, headers: headers, credentials: "same-origin", cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      return { ok: false, status: 0, data: { code: "NETWORK", message: "网络连不上，请检查网络后再试。" } };
    }
    var data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    if (!resp.ok) return { ok: false, status: resp.status, data: data && data.message ? data : FALLBACK };
    if (data && data.session) { sessionHeader = data.session; delete data.session; }
    return { ok: true, status: resp.status, data: data || {} };
  };

  // ------------------------------------------------------------ DOM helpers
  A.$ = function (id) { return document.getElementById(id); };
  A.el = function (tag, attrs) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (k === "class") n.className = v;
      else if (k === "text") n.textContent = v;
      else if (k.indexOf("on") === 0) n.addEventListener(k.slice(2), v);
      else if (v === true) n.setAttribute(k, "");
      else if (v !== false && v != null) n.setAttribute(k, v);
    });
    for (var i = 2; i < arguments.length; i++) if (arguments[i] != null) n.append(arguments[i]);
    return n;
  };
  A.say = function (node, text, kind) {  // an error or notice in words (the icon comes from CSS)
    node.className = kind || "error";
    node.textContent = text;
    node.hidden = !text;
  };

  // Amounts in the assistant's words are shown large: "500 元（伍佰元整）", "500元", and capitals standing alone
  // ("伍佰元整。" on their own line, as the actions write them). The figures are never recomputed.
  var CAPS = "[零〇壹贰叁肆伍陆柒捌玖拾佰仟万亿]+[元圆](?:整|正|[零壹贰叁肆伍陆柒捌玖]角(?:[零壹贰叁肆伍陆柒捌玖]分)?|[零壹贰叁肆伍陆柒捌玖]分)?";
  var AMOUNT = new RegExp("(\\d[\\d,]*(?:\\.\\d{1,2})?\\s*元)(\\s*[（(]" + CAPS + "[）)])?|(" + CAPS + ")", "g");
  A.withAmounts = function (text) {
    var frag = document.createDocumentFragment();
    var last = 0;
    text.replace(AMOUNT, function (m, digits, caps, alone, at) {
      if (at > last) frag.append(text.slice(last, at));
      var span = A.el("span", { class: "amount" });
      if (digits) span.append(A.el("span", { class: "amount-digits", text: digits }));
      if (caps || alone) span.append(A.el("span", { class: "amount-caps", text: caps || alone }));
      frag.append(span);
      last = at + m.length;
      return m;
    });
    if (last < text.length) frag.append(text.slice(last));
    return frag;
  };

  // ------------------------------------------------------------ A+ / A-
  var SIZES = [24, 30, 36, 42, 48, 56];
  A.fontControls = function (up, down, status, persist) {
    var i = 0;
    try { if (persist) i = Math.max(0, SIZES.indexOf(+localStorage.getItem("anxin.fontSize"))); } catch (e) { i = 0; }
    function apply(announce) {
      document.documentElement.style.setProperty("--fs", SIZES[i] + "px");
      try { if (persist) localStorage.setItem("anxin.fontSize", String(SIZES[i])); } catch (e) { /* private mode */ }
      if (announce) {
        A.say(status, "字号：" + SIZES[i] + " 像素" + (i === SIZES.length - 1 ? "（最大）" : i === 0 ? "（标准）" : ""), "notice");
        // Keep the latest message in sight: a bigger font pushes it down the page.
        var last = document.querySelector("#log > li:last-child");
        if (last && last.offsetParent) last.scrollIntoView({ block: "end" });
      }
    }
    up.addEventListener("click", function () { i = Math.min(SIZES.length - 1, i + 1); apply(true); });
    down.addEventListener("click", function () { i = Math.max(0, i - 1); apply(true); });
    apply(false);
    return { reset: function () { i = 0; apply(false); } };
  };

  // ------------------------------------------------------------ sound
  var playing = null;
  var queue = [];
  A.play = function (url, onError) {
    A.stopSound();
    playing = new Audio(url);
    playing.addEventListener("ended", function () { playing = null; if (queue.length) A.play(queue.shift(), onError); });
    playing.play().catch(function () { if (onError) onError("声音放不出来，请看屏幕上的字。"); });
  };
  A.playAll = function (urls, onError) {
    urls = urls.filter(Boolean);
    if (!urls.length) return;
    A.play(urls[0], onError);
    queue = urls.slice(1);
  };
  A.stopSound = function () {
    queue = [];
    if (playing) { playing.pause(); playing = null; }
  };

  // ------------------------------------------------------------ voice input (only where the browser has it)
  A.mic = function (btn, onText, onError) {
    var SR = window.SpeechRecognition || window.webkitSpeechRecognition;
    if (!SR) { btn.hidden = true; return; }
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var rec = new SR();
      rec.lang = "zh-CN";
      rec.interimResults = false;
      rec.maxAlternatives = 1;
      rec.onresult = function (e) { onText(e.results[0][0].transcript); };
      rec.onerror = function () { onError("没有听清，请再说一次，或者点按钮、打字。"); };
      rec.onend = function () { btn.setAttribute("aria-pressed", "false"); btn.textContent = "说话"; };
      try { rec.start(); } catch (e) { onError("现在不能听，请点按钮或打字。"); return; }
      btn.setAttribute("aria-pressed", "true");
      btn.textContent = "正在听…";
    });
  };

  // ------------------------------------------------------------ sign-in with the on-screen keypad
  // The keypad types into whichever field is current (phone first, then PIN). A PIN is never read aloud.
  A.login = function (opts) {
    var phone = A.$("phone"), pin = A.$("pin"), pad = A.$("keypad"), err = A.$("login-error");
    var current = phone;
    function mark(field) {
      current = field;
      phone.setAttribute("aria-current", String(field === phone));
      pin.setAttribute("aria-current", String(field === pin));
    }
    function digitsOnly(field, max) { field.value = field.value.replace(/\D/g, "").slice(0, max); }
    phone.addEventListener("focus", function () { mark(phone); });
    pin.addEventListener("focus", function () { mark(pin); });
    phone.addEventListener("input", function () { digitsOnly(phone, 11); if (opts.onInput) opts.onInput(); });
    pin.addEventListener("input", function () { digitsOnly(pin, 6); if (opts.onInput) opts.onInput(); });
    var keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "清空", "0", "删除"];
    keys.forEach(function (k) {
      var label = k === "清空" ? "清空当前这一栏" : k === "删除" ? "删除一位" : k;
      pad.append(A.el("button", {
        type: "button", class: k.length > 1 ? "small" : "", "aria-label": label, text: k,
        onclick: function () {
          var max = current === phone ? 11 : 6;
          if (k === "清空") current.value = "";
          else if (k === "删除") current.value = current.value.slice(0, -1);
          else if (current.value.length < max) current.value += k;
          if (current === phone && phone.value.length === 11 && k !== "删除" && k !== "清空") mark(pin);
          A.say(err, "");
          if (opts.onInput) opts.onInput();
        },
      }));
    });
    mark(phone);
    A.$("login-form").addEventListener("submit", async function (e) {
      e.preventDefault();
      if (!/^1\d{10}$/.test(phone.value)) { A.say(err, "手机号应该是 11 位数字，请再输一次。"); mark(phone); return; }
      if (!/^\d{6}$/.test(pin.value)) { A.say(err, "密码应该是 6 位数字，请再输一次。"); mark(pin); return; }
      A.say(err, "正在登录，请稍等…", "notice");
      var body = { phone: phone.value, pin: pin.value };
      if (opts.kiosk) body.kiosk = true;
      var r = await A.api("POST", "/api/login", body);
      pin.value = "";
      if (!r.ok) {
        A.say(err, r.data.message);
        mark(pin);
        if (opts.onRefused) opts.onRefused(r);
        return;
      }
      phone.value = "";
      A.say(err, "");
      opts.onSignedIn(r.data);
    });
    return { clear: function () { phone.value = ""; pin.value = ""; A.say(err, ""); mark(phone); } };
  };

  // ------------------------------------------------------------ the session clock
  // Never a silent time-out: a countdown shows warn_s seconds before the end, with "需要更多时间".
  A.Timer = function (opts) {
    var box = A.$("timeout"), count = A.$("countdown"), more = A.$("more-time");
    var deadline = 0, warn = 30, tick = null, local = false;
    function hide() { box.hidden = true; }
    function step() {
      var left = Math.ceil((deadline - Date.now()) / 1000);
      if (left <= 0) { stop(); opts.onExpire(); return; }
      if (left <= warn) {
        count.textContent = String(left);
        if (box.hidden) { box.hidden = false; more.focus(); }
      } else hide();
    }
    function stop() { if (tick) clearInterval(tick); tick = null; deadline = 0; hide(); }
    function set(seconds, warnS, isLocal) {
      deadline = Date.now() + seconds * 1000;
      warn = warnS || warn;
      local = !!isLocal;
      if (!tick) tick = setInterval(step, 250);
      step();
    }
    more.addEventListener("click", async function () {
      if (local) { set(opts.localSeconds(), warn, true); return; }
      var r = await A.api("POST", "/api/extend");
      if (r.ok && r.data.seconds_left) set(r.data.seconds_left, r.data.warn_s); else { stop(); opts.onExpire(); }
    });
    // Any touch or key counts as activity: the server's clock is pushed back at most every 5 s.
    var lastPing = 0;
    function activity() {
      if (!deadline || !box.hidden) return;  // once the countdown shows, only the button extends (no surprise)
      if (local) { set(opts.localSeconds(), warn, true); return; }
      if (Date.now() - lastPing < 5000) return;
      lastPing = Date.now();
      A.api("POST", "/api/extend").then(function (r) { if (r.ok && r.data.seconds_left && deadline) set(r.data.seconds_left, r.data.warn_s); });
    }
    document.addEventListener("pointerdown", activity, true);
    document.addEventListener("keydown", activity, true);
    return { set: set, stop: stop, active: function () { return !!deadline; } };
  };

  // ------------------------------------------------------------ the conversation
  A.Chat = function (opts) {
    var log = A.$("log"), status = A.$("status");
    var busy = false;
    var autoRead = false;

    function onSoundError(text) { A.say(status, text, "notice"); }

    // The dock ("再说一遍", "转人工", the input) stays on screen at the bottom; scrolling leaves room for it so
    // the newest reply is never hidden behind it. When very large text makes the dock take half the screen,
    // it goes back into the page flow, so the conversation keeps room to be read.
    var dock = document.querySelector(".dock");
    function fitDock() {
      if (!dock) return;
      var tall = dock.offsetHeight > window.innerHeight * 0.5;
      dock.classList.toggle("static", tall);
      document.documentElement.style.scrollPaddingBottom = tall ? "0px" : dock.offsetHeight + 8 + "px";
    }
    if (dock && window.ResizeObserver) new ResizeObserver(fitDock).observe(dock);
    window.addEventListener("resize", fitDock);

    function addMe(text) {
      log.append(A.el("li", { class: "msg me" }, A.el("span", { class: "from", text: "我说：" }), A.el("p", { text: text })));
      scroll();
    }
    function scroll() { var last = log.lastElementChild; if (last && last.scrollIntoView) last.scrollIntoView({ block: "end" }); }

    // Beside a fraud warning on the web: a person to call, with one tap (tel: links work on every phone).
    function callPerson(route) {
      return A.el("div", { class: "call-person", role: "group", "aria-label": "找真人帮忙" },
        A.el("p", { text: "先挂断那个人的电话。想找真人问一问，请打：" }),
        A.el("a", { class: "tel", href: route.bank_tel, text: "☎ 银行客服 " + route.bank_phone }),
        A.el("a", { class: "tel", href: route.hotline_tel, text: "☎ 反诈专线 " + route.hotline }));
    }

    function addBot(reply) {
      // A fraud stop says so in words (read by screen readers too), with a red frame: never colour alone.
      var li = A.el("li", { class: reply.risk ? "msg bot risk" : "msg bot" },
        A.el("span", { class: "from", text: reply.risk ? "安心助手（防骗提醒）：" : "安心助手：" }));
      if (reply.text) li.append(A.el("p", {}, A.withAmounts(reply.text)));
      if (reply.buttons && reply.buttons.length) {
        var choices = A.el("div", { class: "choices", role: "group", "aria-label": "可以选择" });
        reply.buttons.forEach(function (b) {
          // A press goes as the offered payload in its own field; the gateway checks it was offered.
          choices.append(A.el("button", { type: "button", text: b.title,
            onclick: function () { send({ payload: b.payload || b.title, title: b.title }); } }));
        });
        li.append(choices);
      }
      var acts = A.el("div", { class: "acts" });
      if (reply.audio_url) {
        acts.append(A.el("button", { type: "button", class: "read", "data-audio": reply.audio_url, text: "▶ 朗读这句",
          onclick: function () { A.play(reply.audio_url, onSoundError); } }));
      }
      // The reply says what it is (docs/contracts.md, reply contract): never guessed from its words.
      if (reply.receipt && reply.receipt.transfer_id && opts.onReceipt) {
        acts.append(A.el("button", { type: "button", text: "查看回单", onclick: function () { opts.onReceipt(reply.receipt.transfer_id, li); } }));
      }
      if (acts.childNodes.length) li.append(acts);
      if (reply.call_person) li.append(callPerson(reply.call_person));
      if (reply.staff_alerted) li.append(A.el("p", { class: "notice", role: "status", text: "已经请工作人员马上过来帮您。" }));
      log.append(li);
      scroll();
    }

    // A transfer held for staff: tell the customer on screen as soon as staff have decided, so nobody waits
    // without knowing. Polling reads only; it does not keep the session alive.
    var watching = null, held = null;
    function stopWatching() { if (watching) clearInterval(watching); watching = null; held = null; }
    async function checkHeld() {
      var r = await A.api("GET", "/api/transfers");
      if (!r.ok) { if (r.status === 401) stopWatching(); return; }
      var items = r.data.items || [];
      if (held === null) {
        held = items.filter(function (t) { return t.status === "held"; }).map(function (t) { return t.id; });
      }
      items.forEach(function (t) {
        if (held.indexOf(t.id) < 0 || t.status === "held") return;
        held.splice(held.indexOf(t.id), 1);
        var who = (t.payee && t.payee.name) || "";
        addBot(t.status === "completed"
          ? { text: "工作人员已经核对好了。\n给" + who + "转了" + t.amount + "元。", transfer_id: t.id, receipt: { transfer_id: t.id } }
          : { text: "工作人员没有通过这笔转账，钱没有转出。\n有疑问请问工作人员。" });
      });
      if (!held.length) stopWatching();
    }
    function watchHeld() {
      if (watching) return;
      var started = Date.now();
      held = null;
      checkHeld();
      watching = setInterval(function () {
        if (Date.now() - started > 15 * 60 * 1000) stopWatching(); else checkHeld();
      }, 3000);
    }

    // `what` is the words typed or said, or a button press {payload, title}.
    async function send(what) {
      var press = typeof what === "object" && what !== null;
      var text = press ? what.title : (what || "").trim();
      if (!text || busy) return;
      busy = true;
      A.stopSound();
      A.say(status, "");
      addMe(text);
      var wait = A.el("li", { class: "msg bot thinking", "aria-busy": "true" }, A.el("p", { text: "安心助手正在想，请稍等…" }));
      log.append(wait);
      scroll();
      var r = await A.api("POST", "/api/chat", press ? { payload: what.payload } : { text: text });
      wait.remove();
      busy = false;
      if (!r.ok) {
        if (r.status === 401) { opts.onSignedOut(r.data.message); return; }
        A.say(status, r.data.message);
        return;
      }
      r.data.replies.forEach(addBot);
      // A reply about a transfer that neither asks to confirm it nor reports it done: held for staff.
      if (r.data.replies.some(function (x) { return x.transfer_id && !x.pending_id && !x.receipt; })) watchHeld();
      if (autoRead) A.playAll(r.data.replies.map(function (x) { return x.audio_url; }), onSoundError);
      if (opts.onReplies) opts.onReplies(r.data);
    }

    A.$("ask").addEventListener("submit", function (e) {
      e.preventDefault();
      var input = A.$("text");
      var text = input.value;
      input.value = "";
      send(text);
    });
    A.$("again").addEventListener("click", function () { send("再说一遍"); });
    A.$("human").addEventListener("click", function () { send("转人工"); });
    var auto = A.$("auto-read");
    auto.addEventListener("click", function () {
      autoRead = !autoRead;
      auto.setAttribute("aria-pressed", String(autoRead));
      auto.textContent = autoRead ? "自动朗读：开" : "自动朗读：关";
      if (!autoRead) A.stopSound();
    });
    A.mic(A.$("mic"), function (t) { send(t); }, function (m) { A.say(status, m); });

    return {
      send: send,
      addBot: addBot,
      clear: function () { stopWatching(); A.stopSound(); log.replaceChildren(); A.say(status, ""); A.$("text").value = ""; },
    };
  };

  // ------------------------------------------------------------ receipt of a transfer (print CSS shows only it)
  var STATUS = { completed: "已完成", held: "等待工作人员核对", pending: "等待确认", cancelled: "已取消", rejected: "未通过" };
  A.receipt = async function (transferId, after, status) {
    if (!transferId) {
      var list = await A.api("GET", "/api/transfers");
      if (!list.ok) { A.say(status, list.data.message); return; }
      var done = list.data.items.filter(function (t) { return t.status === "completed"; })[0];
      if (!done) { A.say(status, "还没有完成的转账，没有回单可以打印。"); return; }
      transferId = done.id;
    }
    var r = await A.api("GET", "/api/transfers/" + encodeURIComponent(transferId));
    if (!r.ok) { A.say(status, r.data.message); return; }
    var t = r.data.transfer, p = t.payee || {};
    var dl = A.el("dl");
    [["客户", r.data.customer_name], ["收款人", (p.relationship ? p.relationship + " " : "") + (p.name || "")],
     ["收款银行", p.bank || ""], ["收款账号", p.account_masked || ""],
     ["金额", t.amount + " 元" + (r.data.amount_capitals ? "（" + r.data.amount_capitals + "）" : "")],
     ["状态", STATUS[t.status] || t.status], ["转账编号", String(t.id)],
     ["时间", r.data.time_local || ""],
     ["打印时间", r.data.printed_at]].forEach(function (row) {
      dl.append(A.el("dt", { text: row[0] }), A.el("dd", {}, row[0] === "金额" ? A.withAmounts(row[1]) : row[1]));
    });
    var card = A.el("section", { class: "receipt", "aria-label": "转账回单" }, A.el("h3", { text: "安心 转账回单" }), dl);
    card.append(A.el("div", { class: "acts" }, A.el("button", { type: "button", class: "primary", text: "打印回单",
      onclick: function () {
        document.querySelectorAll(".print-me").forEach(function (n) { n.classList.remove("print-me"); });
        card.classList.add("print-me");
        window.print();
      } })));
    after.append(card);  // inside the reply's list item: a list holds only items
    card.scrollIntoView({ block: "end" });
  };

  // ------------------------------------------------------------ forget everything on this screen
  A.wipe = function (reloadTo) {
    A.stopSound();
    document.querySelectorAll("#log, .receipt").forEach(function (n) { n.replaceChildren(); });
    try { sessionStorage.clear(); } catch (e) { /* storage blocked */ }
    sessionHeader = null;
    if (reloadTo) location.replace(reloadTo);
  };
})();
