"""Accessibility checks run inside the page: axe-core (AAA contrast on) and Anxin's own size checks.

axe-core comes from the PyPI package axe-playwright-python (the `test` extra), which ships axe.min.js: a
clean clone gets it with `pip install -e .[test]`, no CDN. It is evaluated over CDP, which the pages' strict
Content-Security-Policy does not block.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import axe_playwright_python

AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# (state, axe version, violations) of every check in this run, printed at the end (tests/browser/conftest.py).
AXE_LOG: list[tuple[str, str, int]] = []

MIN_FONT_PX = 24
MIN_LINE_HEIGHT = 1.5
MIN_TARGET_PX = 64

# AA and AAA rules, WCAG 2.2, and the experimental ones (label-content-name-mismatch: WCAG 2.5.3, the visible
# label is part of the accessible name) switched on besides axe's defaults.
_AXE_RUN = """async () => {
  const rules = {"color-contrast-enhanced": {enabled: true}, "color-contrast": {enabled: true},
                 "label-content-name-mismatch": {enabled: true}};
  for (const r of axe.getRules(["wcag2aaa", "wcag21aaa", "wcag22aa", "experimental"])) rules[r.ruleId] = {enabled: true};
  const r = await axe.run(document, {rules, resultTypes: ["violations"]});
  return JSON.stringify({version: axe.version, violations: r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target, summary: n.failureSummary}))}))});
}"""

# Every visible element that shows text: font size and line height. Every visible control: target size.
_OWN = """(t) => {
  const bad = {font: [], line: [], target: []};
  const seen = (el) => {
    const cs = getComputedStyle(el);
    if (cs.visibility === "hidden" || cs.display === "none") return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + (el.textContent || "").trim().slice(0, 20);
  for (const el of document.body.querySelectorAll("*")) {
    if (!seen(el)) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const cs = getComputedStyle(el);
    const fs = parseFloat(cs.fontSize);
    if (own || el.matches("input")) {
      if (fs < t.font) bad.font.push(name(el) + " " + fs + "px");
      const lh = cs.lineHeight === "normal" ? 1.2 * fs : parseFloat(cs.lineHeight);
      if (lh + 0.01 < t.line * fs) bad.line.push(name(el) + " " + lh + "/" + fs);
    }
    if (el.matches("button, a[href], input, select, [role=button]")) {
      const r = el.getBoundingClientRect();
      if (r.width + 0.5 < t.target || r.height + 0.5 < t.target)
        bad.target.push(name(el) + " " + Math.round(r.width) + "x" + Math.round(r.height));
    }
  }
  return bad;
}"""
_LIMITS = {"font": MIN_FONT_PX, "line": MIN_LINE_HEIGHT, "target": MIN_TARGET_PX}


def axe(page: Any) -> dict[str, Any]:
    """Runs axe-core in the page (or frame); returns {"version", "violations"}."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS)
    return json.loads(page.evaluate(_AXE_RUN))


def assert_accessible(page: Any, state: str, own_checks: bool = True) -> None:
    """0 axe violations (AA and AAA contrast on) and Anxin's own font, line-height and target checks.

    own_checks=False for somebody else's page that merely hosts the widget: its text is not ours.
    """
    report = axe(page)
    AXE_LOG.append((state, report["version"], len(report["violations"])))
    assert report["violations"] == [], f"axe {report['version']} on {state}: " + json.dumps(
        report["violations"], ensure_ascii=False, indent=1)
    if not own_checks:
        return
    own = page.evaluate(_OWN, _LIMITS)
    assert own == {"font": [], "line": [], "target": []}, f"size checks on {state}: {own}"


def no_horizontal_scroll(page: Any) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"horizontal scroll: content {widths[0]} px in {widths[1]} px"


def screenshot(page: Any, name: str, **kw: Any) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), **kw)
    return path


def keypad_sign_in(page: Any, phone: str, pin: str) -> None:
    """Types phone and PIN on the on-screen keypad (as a customer would) and signs in."""
    pad = page.locator("#keypad")
    page.locator("#phone").click()
    for digit in phone:
        pad.get_by_role("button", name=digit, exact=True).click()
    # The keypad moves on to the PIN by itself after 11 digits.
    for digit in pin:
        pad.get_by_role("button", name=digit, exact=True).click()
    page.get_by_role("button", name="登录", exact=True).click()
    page.locator("#chat-view").wait_for(state="visible")


# Every visible control, scrolled into view, is inside the screen, shows all its text and is the element under
# its centre (nothing covers it: not the bottom bar, not another control). Amounts sit on one line, whole.
_LAYOUT = """() => {
  const bad = [];
  const de = document.documentElement;
  const vw = de.clientWidth, vh = window.innerHeight;
  if (de.scrollWidth > vw) bad.push("horizontal scroll: " + de.scrollWidth + " > " + vw);
  const shown = (el) => {
    const cs = getComputedStyle(el);
    if (cs.display === "none" || cs.visibility === "hidden") return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const name = (el) => el ? el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " +
    (el.textContent || el.value || "").trim().slice(0, 16) : "nothing";
  const y0 = window.scrollY;
  for (const el of document.querySelectorAll("button, a[href], input")) {
    if (!shown(el) || el.matches(".skip")) continue;  // the skip link shows only when focused
    if (!el.closest("#dock")) el.scrollIntoView({block: "center"});
    const r = el.getBoundingClientRect();
    if (r.left < -0.5 || r.right > vw + 0.5 || r.top < -0.5 || r.bottom > vh + 0.5)
      bad.push("off-screen " + name(el) + " " + [r.left, r.top, r.right, r.bottom].map(Math.round));
    if (el.tagName !== "INPUT" && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1))
      bad.push("text clipped " + name(el));
    const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    if (!hit || !(hit === el || el.contains(hit))) bad.push("covered " + name(el) + " by " + name(hit));
  }
  for (const a of document.querySelectorAll(".amount-digits, .amount-caps, .keep")) {
    if (!shown(a)) continue;
    const r = a.getBoundingClientRect();
    const lh = parseFloat(getComputedStyle(a).lineHeight);
    if (a.getClientRects().length !== 1 || r.height > 1.5 * lh)
      bad.push("amount broken " + a.textContent + " " + Math.round(r.width) + "x" + Math.round(r.height));
    const box = (a.closest("button, .msg, .receipt, .card") || document.body).getBoundingClientRect();
    if (r.right > Math.min(vw, box.right) + 0.5 || r.left < box.left - 0.5) bad.push("amount sticks out " + a.textContent);
  }
  window.scrollTo(0, y0);
  return bad;
}"""


def layout_problems(page: Any) -> list[str]:
    """What is wrong with the layout at the current size (empty: nothing)."""
    return list(page.evaluate(_LAYOUT))


def in_view(page: Any, selector: str, whole: bool = True) -> bool:
    """Whether the element is on screen and not under the fixed bottom bar (its top, or all of it)."""
    return bool(page.evaluate("""([sel, whole]) => {
      const el = document.querySelector(sel);
      if (!el) return false;
      const r = el.getBoundingClientRect();
      const dock = document.getElementById("dock");
      const inDock = dock && dock.contains(el);
      const bottom = window.innerHeight - (dock && dock.getClientRects().length && !inDock ? dock.offsetHeight : 0);
      return r.top >= -0.5 && r.top < bottom && (!whole || r.bottom <= bottom + 0.5) && r.left >= -0.5
        && r.right <= document.documentElement.clientWidth + 0.5;
    }""", [selector, whole]))
