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
  // Its width in em (digits about 0.6, a CJK character 1): CSS shrinks the part to fit its bubble with it.
  function width(text) {
    var w = 0;
    for (var i = 0; i < text.length; i++) w += text.charCodeAt(i) > 0x2e80 ? 1 : text[i] === " " ? 0.3 : 0.62;
    return w;
  }
  function part(cls, text, w) {
    var n = A.el("span", { class: cls, text: text });
    n.style.setProperty("--w", String(Math.max(1, Math.round((w || width(text)) * 100) / 100)));  // CSSOM: allowed by the CSP
    return n;
  }
  // Long capitals ("（壹万壹仟捌佰柒拾壹元肆角）") do not fit a 320 px phone on one line even at 24 px: they go on two
  // lines at 万/亿, as one writes them, each line whole and both the same size.
  function capsParts(text) {
    var at = Math.max(text.lastIndexOf("万"), text.lastIndexOf("亿"));
    if (width(text) <= 10 || at < 1 || at >= text.length - 2) return [part("amount-caps", text)];
    var a = text.slice(0, at + 1), b = text.slice(at + 1), w = Math.max(width(a), width(b));
    return [part("amount-caps", a, w), part("amount-caps", b, w)];
  }
  A.keep = function (text) { return part("keep", text); };  // a phone number: one line, shrunk to fit
  A.withAmounts = function (text) {
    var frag = document.createDocumentFragment();
    var last = 0;
    text.replace(AMOUNT, function (m, digits, caps, alone, at) {
      if (at > last) frag.append(text.slice(last, at));
      var span = A.el("span", { class: "amount" });
      if (digits) span.append(part("amount-digits", digits));
      if (caps || alone) capsParts(caps || alone).forEach(function (n) { span.append(n); });
      frag.append(span);
      last = at + m.length;
      return m;
    });
    if (last < text.length) frag.append(text.slice(last));
    return frag;
  };

  // ------------------------------------------------------------ 字大一点 / 字小一点
  // The button just tapped stays where the finger is (the page is scrolled back by what the new size moved
  // it), and the size is said in words beside it ("字号：大"), never in pixels.
  var SIZES = [24, 30, 36, 42, 48, 56];
  var NAMES = ["标准", "较大", "大", "很大", "特大", "最大"];
  var relayout = [];  // the conversation's bottom bar measures itself again after a size change
  A.onRelayout = function (fn) { relayout.push(fn); };
  A.relayout = function () { relayout.forEach(function (fn) { fn(); }); };
  A.fontControls = function (up, down, status, persist) {
    var i = 0;
    try { if (persist) i = Math.max(0, SIZES.indexOf(+localStorage.getItem("anxin.fontSize"))); } catch (e) { i = 0; }
    function apply(tapped) {
      var before = tapped ? tapped.getBoundingClientRect().top : 0;
      document.documentElement.style.setProperty("--fs", SIZES[i] + "px");
      try { if (persist) localStorage.setItem("anxin.fontSize", String(SIZES[i])); } catch (e) { /* private mode */ }
      status.textContent = "字号：" + NAMES[i];
      A.relayout();
      if (tapped) {
        var moved = tapped.getBoundingClientRect().top - before;
        if (Math.abs(moved) > 0.5) window.scrollBy(0, moved);
      }
    }
    up.addEventListener("click", function () { i = Math.min(SIZES.length - 1, i + 1); apply(up); });
    down.addEventListener("click", function () { i = Math.max(0, i - 1); apply(down); });
    apply(null);
    return { reset: function () { i = 0; apply(null); } };
  };

  // ------------------------------------------------------------ sound
  // The bubble being read says so on its button ("■ 停止朗读", filled), which stops it.
  var playing = null, playingBtn = null;
  var queue = [];
  var READ = "▶ 朗读这句", STOP = "■ 停止朗读";
  function mark(btn, on) {
    if (!btn) return;
    btn.textContent = on ? STOP : READ;
    btn.classList.toggle("primary", on);
    btn.classList.toggle("playing", on);
  }
  A.play = function (url, onError, btn) {
    A.stopSound();
    playing = new Audio(url);
    playingBtn = btn || null;
    mark(playingBtn, true);
    playing.addEventListener("ended", function () {
      mark(playingBtn, false);
      playing = playingBtn = null;
      if (queue.length) { var next = queue.shift(); A.play(next.url, onError, next.btn); }
    });
    playing.play().catch(function () { mark(playingBtn, false); if (onError) onError("声音放不出来，请看屏幕上的字。"); });
  };
  A.playAll = function (items, onError) {  // [{url, btn}]
    items = items.filter(function (x) { return x.url; });
    if (!items.length) return;
    A.play(items[0].url, onError, items[0].btn);
    queue = items.slice(1);
  };
  A.isPlaying = function (btn) { return !!playing && playingBtn === btn; };
  A.stopSound = function () {
    queue = [];
    mark(playingBtn, false);
    if (playing) { playing.pause(); }
    playing = playingBtn = null;
  };

  // A short beep (WebAudio, no file): the kiosk's countdown is heard, not only seen.
  var ctx = null;
  A.beep = function () {
    try {
      ctx = ctx || new (window.AudioContext || window.webkitAudioContext)();
      var osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 660;  // low enough for ears that lost the high tones
      gain.gain.value = 0.3;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.4);
      A.beeps = (A.beeps || 0) + 1;
    } catch (e) { /* no sound device: the countdown is on screen */ }
  };
  // Spoken by the browser's own voice where it has one (offline on most systems); silent otherwise.
  A.speakLocal = function (text) {
    try {
      if (!window.speechSynthesis || !window.SpeechSynthesisUtterance) return;
      var u = new SpeechSynthesisUtterance(text);
      u.lang = "zh-CN"; u.rate = 0.8;
      window.speechSynthesis.speak(u);
    } catch (e) { /* no voice: the beep and the screen remain */ }
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
    var deadline = 0, warn = 30, tick = null, local = false, chimed = false;
    function hide() { box.hidden = true; }
    function step() {
      var left = Math.ceil((deadline - Date.now()) / 1000);
      if (left <= 0) { stop(); opts.onExpire(); return; }
      if (left <= warn) {
        count.textContent = String(left);
        if (box.hidden) {
          box.hidden = false;
          more.focus();
          if (opts.audible) { A.beep(); A.speakLocal("还有" + left + "秒就要自动退出了。还要办，请点：需要更多时间。"); }
          chimed = false;
        }
        if (opts.audible && left <= 10 && !chimed) { chimed = true; A.beep(); }
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
    var log = A.$("log"), status = A.$("chat-status") || A.$("status");
    var busy = false;
    var autoRead = false;

    function onSoundError(text) { A.say(status, text, "notice"); reveal(status); }

    // The slim bar ("再说一遍", "转人工") is fixed at the bottom at every size; the page keeps its height free
    // (--dock-h) so no reply hides under it. The text field sits in the bar only while bar and field together
    // take at most 30% of the screen; otherwise it goes into the page, under the conversation.
    var dock = A.$("dock"), form = A.$("ask"), home = A.$("ask-home");
    function fitDock() {
      if (!dock || !dock.getClientRects().length) return;  // (a fixed element has no offsetParent)
      if (form.parentNode !== dock) dock.append(form);
      if (dock.offsetHeight > window.innerHeight * 0.3) home.append(form);
      document.documentElement.style.setProperty("--dock-h", dock.offsetHeight + 8 + "px");
      document.documentElement.style.scrollPaddingBottom = dock.offsetHeight + 8 + "px";
      document.body.classList.add("docked");
    }
    A.onRelayout(fitDock);
    window.addEventListener("resize", fitDock);

    // The part of the screen not under the bottom bar.
    function visibleBottom() { return window.innerHeight - (dock && dock.getClientRects().length ? dock.offsetHeight : 0); }
    // Shows a node from its top when any of it is out of sight (the first new bubble, not the last: the
    // answer is usually in the first one).
    function reveal(node) {
      if (!node || !node.getBoundingClientRect) return;
      var r = node.getBoundingClientRect();
      if (r.top < 0 || r.bottom > visibleBottom()) node.scrollIntoView({ block: "start" });
    }

    function addMe(text) {
      var li = A.el("li", { class: "msg me" }, A.el("span", { class: "from", text: "我说：" }), A.el("p", {}, A.withAmounts(text)));
      log.append(li);
      return li;
    }

    // Beside a fraud warning or a request for a person on the web: a person to call, with one tap (tel: links
    // work on every phone); the hotline only beside a fraud warning.
    function callPerson(route, fraud) {
      return A.el("div", { class: "call-person", role: "group", "aria-label": "找真人帮忙" },
        A.el("p", { text: fraud ? "先挂断那个人的电话。想找真人问一问，请打：" : "想马上和真人说话，请打：" }),
        A.el("a", { class: "tel", href: route.bank_tel }, "☎ 银行客服 ", A.keep(route.bank_phone)),
        fraud && route.hotline_tel ? A.el("a", { class: "tel", href: route.hotline_tel }, "☎ 反诈专线 ", A.keep(route.hotline)) : null);
    }

    // A money decision: two different buttons that say what they do ("是，转出200.00元" / "不转"), far apart.
    var YES = /^\/affirm\b/, NO = /^\/deny\b/;
    // What the pending record is, from the reply's fields: a bill payment, a transfer, else a deposit.
    function moneyLabel(reply, b) {
      // A decision about a transfer already made (taking back a next-day one): the dialogue's own words
      // ("是，撤回" / "不撤回"), styled as a money decision.
      if (!reply.pending_id && reply.transfer_id && reply.key_figure) {
        if (YES.test(b.payload || "")) return { text: b.title, cls: "yes" };
        if (NO.test(b.payload || "")) return { text: b.title, cls: "no" };
        return null;
      }
      if (!reply.pending_id || !reply.key_figure) return null;
      var words = reply.bill_payment_id ? ["是，交", "不交"] : reply.transfer_id ? ["是，转出", "不转"] : ["是，存入", "不存"];
      if (YES.test(b.payload || "")) return { text: words[0] + reply.key_figure, cls: "yes", verb: words[0] };
      if (NO.test(b.payload || "")) return { text: words[1], cls: "no" };
      return null;
    }

    function readButton(url) {
      var btn = A.el("button", { type: "button", class: "read", "data-audio": url, text: "▶ 朗读这句" });
      btn.addEventListener("click", function () {
        if (A.isPlaying(btn)) A.stopSound(); else A.play(url, onSoundError, btn);
      });
      return btn;
    }

    // `how.repeat`: the answer to "再说一遍", labelled as such and without a second receipt button (it is the
    // same transfer, not a new one).
    function addBot(reply, how) {
      how = how || {};
      var from = reply.risk ? "安心助手（防骗提醒）：" : how.repeat ? "刚才说的是：" : "安心助手：";
      var li = A.el("li", { class: "msg bot" + (reply.risk ? " risk" : "") + (how.repeat ? " repeat" : "") },
        A.el("span", { class: "from", text: from }));
      if (reply.text) li.append(A.el("p", {}, A.withAmounts(reply.text)));
      if (reply.buttons && reply.buttons.length) {
        var labels = reply.buttons.map(function (b) { return moneyLabel(reply, b); });
        var money = labels.some(Boolean);
        var choices = A.el("div", { class: money ? "choices money" : "choices", role: "group",
          "aria-label": money ? "请决定这笔钱" : "可以选择" });
        reply.buttons.forEach(function (b, k) {
          // A press goes as the offered payload in its own field; the gateway checks it was offered.
          var label = labels[k];
          var btn = A.el("button", { type: "button", class: label ? label.cls : "" },
            label && label.verb ? label.verb : label ? label.text : b.title,
            label && label.verb ? A.withAmounts(reply.key_figure) : null);  // the amount kept whole
          btn.addEventListener("click", function () {
            send({ payload: b.payload || b.title, title: label ? label.text : b.title }, btn);
          });
          choices.append(btn);
        });
        li.append(choices);
      }
      var acts = A.el("div", { class: "acts" });
      if (reply.audio_url) acts.append(readButton(reply.audio_url));
      // The reply says what it is (docs/contracts.md, reply contract): never guessed from its words.
      var receipt = reply.receipt || {};
      if (!how.repeat && (receipt.transfer_id || (receipt.kind === "bill_payment" && receipt.bill_payment_id)) && opts.onReceipt) {
        acts.append(A.el("button", { type: "button", text: "查看回单", onclick: function () { opts.onReceipt(receipt, li); } }));
      }
      if (acts.childNodes.length) li.append(acts);
      if (reply.call_person) li.append(callPerson(reply.call_person, !!reply.risk));
      if (reply.queued) {
        li.append(A.el("p", { class: "waiting", role: "status",
          text: "正在等工作人员：已经把您排上了，工作人员会尽快打电话给您。" }));
      }
      if (reply.staff_alerted) li.append(A.el("p", { class: "notice", role: "status", text: "已经请工作人员马上过来帮您。" }));
      log.append(li);
      return li;
    }

    // Every answered choice in the history is closed: an old "是" must not look like it still works.
    function closeChoices(pressed) {
      log.querySelectorAll(".choices button").forEach(function (b) {
        b.disabled = true;
        if (b === pressed) b.classList.add("chosen");
      });
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
      for (var k = 0; k < items.length; k++) {
        var t = items[k];
        if (held.indexOf(t.id) < 0 || t.status === "held") continue;
        held.splice(held.indexOf(t.id), 1);
        // The gateway words the decision like every amount message (with capitals and its audio).
        var d = await A.api("GET", "/api/transfers/" + encodeURIComponent(t.id) + "?decision=1");
        // Approved: done at once, or (a delayed arrival) on its way and revocable until it arrives.
        var approved = t.status === "completed" || t.status === "scheduled";
        var notice = d.ok && d.data.decision ? d.data.decision : {
          text: approved ? "工作人员已经核对好了。" : "工作人员没有通过这笔转账，钱没有转出。" };
        var li = addBot(approved ? Object.assign({ transfer_id: t.id, receipt: { transfer_id: t.id } }, notice) : notice);
        reveal(li);
      }
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
    async function send(what, pressed) {
      var press = typeof what === "object" && what !== null;
      var text = press ? what.title : (what || "").trim();
      if (!text || busy) return;
      busy = true;
      A.stopSound();
      A.say(status, "");
      closeChoices(pressed);
      var repeat = !press && text === "再说一遍";
      addMe(text);
      var wait = A.el("li", { class: "msg bot thinking", "aria-busy": "true" }, A.el("p", { text: "安心助手正在想，请稍等…" }));
      log.append(wait);
      reveal(wait);
      var r = await A.api("POST", "/api/chat", press ? { payload: what.payload } : { text: text });
      wait.remove();
      busy = false;
      if (!r.ok) {
        if (r.status === 401) { opts.onSignedOut(r.data.message); return; }
        A.say(status, r.data.message);
        reveal(status);
        return;
      }
      var added = r.data.replies.map(function (x) { return addBot(x, { repeat: repeat }); });
      if (added.length) reveal(added[0]);
      // A reply about a transfer that neither asks to confirm it nor reports it done: held for staff.
      if (!repeat && r.data.replies.some(function (x) { return x.transfer_id && !x.pending_id && !x.receipt; })) watchHeld();
      if (autoRead) {
        A.playAll(r.data.replies.map(function (x, k) {
          return { url: x.audio_url, btn: added[k] && added[k].querySelector("button.read") };
        }), onSoundError);
      }
      if (opts.onReplies) opts.onReplies(r.data);
    }

    form.addEventListener("submit", function (e) {
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
    // A microphone error shows beside the conversation, where the customer is looking.
    A.mic(A.$("mic"), function (t) { send(t); }, function (m) { A.say(status, m); reveal(status); });

    return {
      send: send,
      addBot: function (reply) { var li = addBot(reply); fitDock(); reveal(li); return li; },
      fit: fitDock,
      clear: function () { stopWatching(); A.stopSound(); log.replaceChildren(); A.say(status, ""); A.$("text").value = ""; },
    };
  };

  // ------------------------------------------------------------ receipts (print CSS shows only the one printed)
  function receiptCard(title, rows, after) {
    var dl = A.el("dl");
    rows.forEach(function (row) {
      dl.append(A.el("dt", { text: row[0] }), A.el("dd", {}, row[0] === "金额" ? A.withAmounts(row[1]) : row[1]));
    });
    var card = A.el("section", { class: "receipt", "aria-label": title }, A.el("h3", { text: "安心 " + title }), dl);
    card.append(A.el("div", { class: "acts" }, A.el("button", { type: "button", class: "primary", text: "打印回单",
      onclick: function () {
        document.querySelectorAll(".print-me").forEach(function (n) { n.classList.remove("print-me"); });
        card.classList.add("print-me");
        window.print();
      } })));
    after.append(card);  // inside the reply's list item: a list holds only items
    card.scrollIntoView({ block: "start" });
  }

  // A bill payment's receipt (reply field receipt.kind "bill_payment"): the backend's record through the gateway,
  // the 户号 masked there.
  A.billReceipt = async function (billPaymentId, after, status) {
    var r = await A.api("GET", "/api/bill-payments/" + encodeURIComponent(billPaymentId));
    if (!r.ok) { A.say(status, r.data.message); return; }
    var b = r.data.bill_payment;
    var rows = [["客户", r.data.customer_name],
      ["缴费项目", b.biller + (b.label ? "（" + b.label + "）" : "")],
      [b.account_word, A.keep(b.account_no_masked)],
      ["金额", b.amount + " 元" + (b.amount_capitals ? "（" + b.amount_capitals + "）" : "")]];
    if (b.period_text) rows.push(["账期", b.period_text]);
    rows.push(["状态", b.status_text], ["收据号", b.receipt_no || ""], ["时间", r.data.time_local || ""],
      ["打印时间", r.data.printed_at]);
    receiptCard("缴费回单", rows, after);
  };

  var STATUS = { completed: "已完成", held: "等待工作人员核对", pending: "等待确认", cancelled: "已取消", rejected: "未通过",
    scheduled: "已转出，还没到账（到账前可以撤回）", revoked: "已撤回，钱已回到您的账户", expired: "已失效" };
  // `what`: the reply's receipt ({transfer_id} or {kind: "bill_payment", bill_payment_id}), or a transfer id.
  A.receipt = async function (what, after, status) {
    if (what && what.kind === "bill_payment") return A.billReceipt(what.bill_payment_id, after, status);
    var transferId = what && typeof what === "object" ? what.transfer_id : what;
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
    receiptCard("转账回单", [["客户", r.data.customer_name], ["收款人", (p.relationship ? p.relationship + " " : "") + (p.name || "")],
     ["收款银行", p.bank || ""], ["收款账号", p.account_masked || ""],
     ["金额", t.amount + " 元" + (r.data.amount_capitals ? "（" + r.data.amount_capitals + "）" : "")],
     ["状态", STATUS[t.status] || t.status], ["转账编号", String(t.id)],
     ["时间", r.data.time_local || ""]].concat(r.data.arrives_local && t.status === "scheduled" ? [["到账时间", r.data.arrives_local]] : [], [
     ["打印时间", r.data.printed_at]]), after);
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
