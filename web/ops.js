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

  function summary(channels) {
    var head = A.el("tr");
    ["渠道", "对话轮数", "没听懂", "转人工", "拦下的诈骗", "等审批的转账"].forEach(function (t) {
      head.append(A.el("th", { scope: "col", text: t }));
    });
    var rows = channels.map(function (c) {
      return A.el("tr", null, A.el("th", { scope: "row", text: name(c.channel) }),
        A.el("td", { text: String(c.turns) }),
        A.el("td", { text: c.misunderstood + "（" + percent(c.misunderstood_share) + "）" }),
        A.el("td", { text: String(c.handoffs) }), A.el("td", { text: String(c.scam_stops) }),
        A.el("td", { text: String(c.held_transfers) }));
    });
    var table = A.el("table", { class: "ops-table" }, A.el("thead", null, head), A.el("tbody", null));
    rows.forEach(function (r) { table.tBodies[0].append(r); });
    return table;
  }

  // Horizontal bars: one per channel, its misunderstood share; the value is written at the end of the bar.
  function missedPlot(channels) {
    var rowH = 60, labelW = 170, barW = 520, w = labelW + barW + 160;
    var h = rowH * channels.length + 10;
    var top = Math.max(0.1, Math.max.apply(null, channels.map(function (c) { return c.misunderstood_share; })));
    var root = svg("svg", { viewBox: "0 0 " + w + " " + h, width: "100%", role: "img",
      "aria-label": "没听懂的比例：" + channels.map(function (c) { return name(c.channel) + percent(c.misunderstood_share); }).join("，") });
    channels.forEach(function (c, i) {
      var y = i * rowH + 10, len = Math.round(barW * c.misunderstood_share / top);
      root.append(svg("text", { x: 0, y: y + 36, "font-size": 30, fill: INK }, name(c.channel)));
      root.append(svg("rect", { x: labelW, y: y, width: Math.max(len, 2), height: rowH - 16, fill: BAR }));
      root.append(svg("text", { x: labelW + Math.max(len, 2) + 12, y: y + 36, "font-size": 30, fill: INK },
        percent(c.misunderstood_share)));
    });
    return root;
  }

  // Vertical bars: turns in each of the 24 hours, the hour under every sixth bar, the largest count on the axis.
  function hoursPlot(c, hours) {
    var w = 960, h = 330, left = 70, bottom = 60, plotH = h - bottom - 20, n = c.turns_per_hour.length;
    var max = Math.max(1, Math.max.apply(null, c.turns_per_hour));
    var step = (w - left - 10) / n;
    var busiest = c.turns_per_hour.indexOf(Math.max.apply(null, c.turns_per_hour));
    var root = svg("svg", { viewBox: "0 0 " + w + " " + h, width: "100%", role: "img",
      "aria-label": name(c.channel) + "：24小时共" + c.turns + "轮，最忙的是" + hourLabel(hours[busiest]) +
        "那一小时，" + c.turns_per_hour[busiest] + "轮" });
    root.append(svg("line", { x1: left, y1: 20 + plotH, x2: w - 10, y2: 20 + plotH, stroke: GRID, "stroke-width": 2 }));
    root.append(svg("text", { x: left - 10, y: 34, "font-size": 26, fill: INK, "text-anchor": "end" }, String(max)));
    root.append(svg("text", { x: left - 10, y: 20 + plotH, "font-size": 26, fill: INK, "text-anchor": "end" }, "0"));
    c.turns_per_hour.forEach(function (v, i) {
      var bh = Math.round(plotH * v / max), x = left + i * step + 2;
      var bar = svg("rect", { x: x, y: 20 + plotH - bh, width: Math.max(step - 4, 1), height: bh, fill: BAR });
      bar.append(svg("title", null, hourLabel(hours[i]) + "：" + v + "轮"));
      root.append(bar);
      if (i % 6 === 0) root.append(svg("text", { x: x, y: h - 20, "font-size": 26, fill: INK }, hourLabel(hours[i])));
    });
    return root;
  }

  async function refresh() {
    var r = await A.api("GET", "/api/staff/ops");
    if (!r.ok) {
      A.say(status, r.status === 401 ? "请先在工作人员面板登录，再打开这一页。" : r.data.message);
      return;
    }
    A.say(status, "");
    var channels = r.data.channels || [];
    A.$("ops-when").textContent = "从 " + hourLabel(r.data.since) + " 起（北京时间），每次刷新重新统计。";
    if (!channels.length) {
      A.$("ops-summary").replaceChildren(A.el("p", { text: "最近24小时还没有对话。" }));
      A.$("ops-missed").replaceChildren();
      A.$("ops-hours").replaceChildren();
      return;
    }
    A.$("ops-summary").replaceChildren(summary(channels));
    A.$("ops-missed").replaceChildren(missedPlot(channels));
    A.$("ops-hours").replaceChildren.apply(A.$("ops-hours"), channels.map(function (c) {
      return A.el("figure", null, A.el("figcaption", { text: name(c.channel) + "：共" + c.turns + "轮" }), hoursPlot(c, r.data.hours));
    }));
  }

  A.$("ops-refresh").addEventListener("click", refresh);
  refresh();
  setInterval(refresh, 60000);
})();
