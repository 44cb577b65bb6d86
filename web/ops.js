/* 安心 operations page (/kiosk/staff/ops): per channel, the last 24 hours of conversations from the event stream
   (turns per hour, misunderstood turns, handoffs, scam stops, held transfers). The plots are inline SVG drawn
   here (no library, no CDN); every figure is also written as text, so it reads at any text size and to a
   screen reader. Needs a staff panel sign-in (the same session as /kiosk/staff). */
(function () {
  "use strict";
  var A = window.Anxin;
  var SVG = "http://www.w3.org/2000/svg";
  var INK = "#111111", BAR = "#0b3a80", GRID = "#595959";
  var NAMES = { web: "网上", kiosk: "自助机", phone: "电话", unknown: "其他" };
  var status = A.$("status");

  A.fontControls(A.$("font-up"), A.$("font-down"), A.$("size-status"), true);

  function name(channel) { return NAMES[channel] || channel; }
  function percent(share) { return (Math.round(share * 1000) / 10).toFixed(1) + "%"; }
  function svg(tag, attrs, text) {
    var n = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text != null) n.textContent = text;
    return n;
  }
  function hourLabel(iso) {  // the bank's day is China's: show Beijing time
    var d = new Date(iso);
    return String((d.getUTCHours() + 8) % 24).padStart(2, "0") + ":00";
  }

  // One block per channel, a line per figure: it reflows at any text size and width (a table would not).
  function summary(channels) {
    var box = A.el("div");
    channels.forEach(function (c) {
      var list = A.el("ul");
      [["对话轮数", String(c.turns)], ["没听懂", c.misunderstood + "轮（" + percent(c.misunderstood_share) + "）"],
       ["转人工", c.handoffs + "次"], ["拦下的诈骗", c.scam_stops + "次"], ["等审批的转账", c.held_transfers + "笔"]]
        .forEach(function (kv) { list.append(A.el("li", { text: kv[0] + "：" + kv[1] })); });
      box.append(A.el("h3", { text: name(c.channel) }), list);
    });
    return box;
  }

  // The plots are drawn in CSS pixels at the page's own text size (no viewBox scaling), so their labels are as
  // large as the text around them at every 字大一点 step and every screen width; drawn again on each change.
  function fs() { return parseFloat(getComputedStyle(document.documentElement).fontSize) || 24; }
  function widthOf(node) { return Math.max(200, node.clientWidth || 320); }

  // Horizontal bars: per channel its name, then a bar as long as its misunderstood share with the value after it.
  function missedPlot(channels, width) {
    var f = fs(), rowH = Math.round(f * 3.6), valueW = Math.round(f * 3.4), barW = Math.max(f, width - valueW);
    var h = rowH * channels.length;
    var top = Math.max(0.1, Math.max.apply(null, channels.map(function (c) { return c.misunderstood_share; })));
    var root = svg("svg", { width: width, height: h, viewBox: "0 0 " + width + " " + h, role: "img",
      "aria-label": "没听懂的比例：" + channels.map(function (c) { return name(c.channel) + percent(c.misunderstood_share); }).join("，") });
    channels.forEach(function (c, i) {
      var y = i * rowH, len = Math.max(2, Math.round(barW * c.misunderstood_share / top));
      root.append(svg("text", { x: 0, y: y + f * 1.1, "font-size": f, fill: INK }, name(c.channel)));
      root.append(svg("rect", { x: 0, y: y + f * 1.5, width: len, height: f * 1.4, fill: BAR }));
      root.append(svg("text", { x: len + f * 0.3, y: y + f * 2.6, "font-size": f, fill: INK },
        percent(c.misunderstood_share)));
    });
    return root;
  }

  // Vertical bars: turns in each hour; as many hour labels under them as fit at this text size.
  function hoursPlot(c, hours, width) {
    var f = fs(), left = Math.round(f * 2.2), bottom = Math.round(f * 1.8), plotH = Math.round(f * 7);
    var h = plotH + bottom + Math.round(f * 0.8), n = c.turns_per_hour.length, plotW = width - left - 4;
    var max = Math.max(1, Math.max.apply(null, c.turns_per_hour)), step = plotW / n, y0 = Math.round(f * 0.8) + plotH;
    var every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(plotW / (f * 3.4)))));
    var busiest = c.turns_per_hour.indexOf(Math.max.apply(null, c.turns_per_hour));
    var root = svg("svg", { width: width, height: h, viewBox: "0 0 " + width + " " + h, role: "img",
      "aria-label": name(c.channel) + "：24小时共" + c.turns + "轮，最忙的是" + hourLabel(hours[busiest]) +
        "那一小时，" + c.turns_per_hour[busiest] + "轮" });
    root.append(svg("line", { x1: left, y1: y0, x2: width - 4, y2: y0, stroke: GRID, "stroke-width": 2 }));
    root.append(svg("text", { x: left - f * 0.3, y: f * 1.3, "font-size": f, fill: INK, "text-anchor": "end" }, String(max)));
    root.append(svg("text", { x: left - f * 0.3, y: y0, "font-size": f, fill: INK, "text-anchor": "end" }, "0"));
    c.turns_per_hour.forEach(function (v, i) {
      var bh = Math.round(plotH * v / max), x = left + i * step + 1;
      var bar = svg("rect", { x: x, y: y0 - bh, width: Math.max(step - 2, 1), height: bh, fill: BAR });
      bar.append(svg("title", null, hourLabel(hours[i]) + "：" + v + "轮"));
      root.append(bar);
      if (i % every === 0 && x + f * 3 <= width) {
        root.append(svg("text", { x: x, y: h - f * 0.3, "font-size": f, fill: INK }, hourLabel(hours[i])));
      }
    });
    return root;
  }

  var last = null;
  function draw() {
    if (!last) return;
    var channels = last.channels || [];
    var missed = A.$("ops-missed"), hoursBox = A.$("ops-hours");
    if (!channels.length) {
      A.$("ops-summary").replaceChildren(A.el("p", { text: "最近24小时还没有对话。" }));
      missed.replaceChildren();
      hoursBox.replaceChildren();
      return;
    }
    A.$("ops-summary").replaceChildren(summary(channels));
    missed.replaceChildren(missedPlot(channels, widthOf(missed)));
    hoursBox.replaceChildren.apply(hoursBox, channels.map(function (c) {
      // A plain block (a <figure> would indent the plot by its default margins, past the measured width).
      return A.el("div", null, A.el("h3", { text: name(c.channel) + "：共" + c.turns + "轮" }),
        hoursPlot(c, last.hours, widthOf(hoursBox)));
    }));
  }

  async function refresh() {
    var r = await A.api("GET", "/api/staff/ops");
    if (!r.ok) {
      A.say(status, r.status === 401 ? "请先在工作人员面板登录，再打开这一页。" : r.data.message);
      return;
    }
    A.say(status, "");
    last = r.data;
    A.$("ops-when").textContent = "从 " + hourLabel(r.data.since) + " 起（北京时间），每次刷新重新统计。";
    draw();
  }

  A.onRelayout(draw);
  window.addEventListener("resize", draw);
  A.$("ops-refresh").addEventListener("click", refresh);
  refresh();
  setInterval(refresh, 60000);
})();
