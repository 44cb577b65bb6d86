/* 安心 web chat widget: embed on any page with ONE tag:
     <script src="https://YOUR-GATEWAY/anxin-widget.js" defer></script>
   It adds a large "安心助手" button (in a shadow DOM, so the host page's CSS cannot shrink it) that opens the
   chat page of the same gateway in an iframe: the conversation and its session stay on the gateway's origin. */
(function () {
  "use strict";
  if (window.__anxinWidget) return;
  window.__anxinWidget = true;
  var script = document.currentScript;
  var origin = new URL(script ? script.src : "/", location.href).origin;

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box}",
    "button{font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;font-size:24px;line-height:1.5;",
    "font-weight:700;min-width:64px;min-height:64px;padding:6px 18px;border-radius:14px;cursor:pointer;",
    "border:3px solid #0b3a80;background:#0b3a80;color:#fff}",
    "button:focus-visible{outline:5px solid #000;outline-offset:3px}",
    ".launch{position:fixed;right:16px;bottom:16px;z-index:2147483000;box-shadow:0 2px 8px rgba(0,0,0,.4)}",
    ".panel{position:fixed;right:16px;bottom:16px;z-index:2147483001;width:min(480px,calc(100vw - 32px));",
    "height:min(760px,calc(100vh - 32px));background:#fff;border:3px solid #0b3a80;border-radius:14px;",
    "display:flex;flex-direction:column;overflow:hidden;box-shadow:0 4px 16px rgba(0,0,0,.45)}",
    ".panel[hidden]{display:none}",
    ".top{display:flex;justify-content:flex-end;padding:4px;border-bottom:3px solid #0b3a80}",
    ".close{background:#fff;color:#0b3a80}",
    "iframe{flex:1;width:100%;border:0}",
    "@media (max-width:520px){.panel{right:0;bottom:0;width:100vw;height:100vh;border:0;border-radius:0}}",
  ].join("");

  function mount() {
    var host = document.createElement("div");
    host.setAttribute("data-anxin-widget", "");
    document.body.appendChild(host);
    var root = host.attachShadow({ mode: "open" });
    var style = document.createElement("style");
    style.textContent = CSS;
    var launch = document.createElement("button");
    launch.type = "button";
    launch.className = "launch";
    launch.textContent = "安心助手";
    launch.setAttribute("aria-expanded", "false");
    var panel = document.createElement("div");
    panel.className = "panel";
    panel.hidden = true;
    panel.setAttribute("role", "region");
    panel.setAttribute("aria-label", "安心助手");
    var top = document.createElement("div");
    top.className = "top";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.textContent = "收起";
    var frame = document.createElement("iframe");
    frame.title = "安心助手对话";
    frame.setAttribute("allow", "microphone; autoplay");
    top.appendChild(close);
    panel.appendChild(top);
    panel.appendChild(frame);
    root.appendChild(style);
    root.appendChild(launch);
    root.appendChild(panel);

    launch.addEventListener("click", function () {
      if (!frame.getAttribute("src")) frame.src = origin + "/chat?embed=1";
      panel.hidden = false;
      launch.hidden = true;
      launch.setAttribute("aria-expanded", "true");
      frame.focus();
    });
    close.addEventListener("click", function () {
      panel.hidden = true;
      launch.hidden = false;
      launch.setAttribute("aria-expanded", "false");
      launch.focus();
    });
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
