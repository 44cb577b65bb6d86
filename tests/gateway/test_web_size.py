"""The widget's weight: HTML + CSS + JS of each page under 150 KB gzip-compressed (elderly users on rural
mobile data). Prints the figures; run with -s to see them."""
from __future__ import annotations

import gzip
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"
LIMIT = 150 * 1024
PAGES = {
    "widget (embed script + chat page)": ["anxin-widget.js", "chat.html", "anxin.css", "anxin-core.js", "chat.js"],
    "kiosk": ["kiosk.html", "anxin.css", "anxin-core.js", "kiosk.js"],
    "staff panel": ["staff.html", "anxin.css", "anxin-core.js", "staff.js"],
}


def gz(name: str) -> int:
    return len(gzip.compress((WEB / name).read_bytes(), compresslevel=9))


def test_each_page_weighs_under_150_kb_compressed() -> None:
    for page, files in PAGES.items():
        raw = sum((WEB / f).stat().st_size for f in files)
        packed = sum(gz(f) for f in files)
        print(f"{page}: {raw / 1024:.1f} KB raw, {packed / 1024:.1f} KB gzip ({', '.join(files)})")
        assert packed < LIMIT, f"{page} is {packed} bytes compressed"


SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def test_nothing_is_loaded_from_another_origin() -> None:
    for path in WEB.iterdir():
        # The SVG namespace is a name, never fetched: the ops page draws its plots with createElementNS.
        text = path.read_text(encoding="utf-8").replace(SVG_NAMESPACE, "")
        assert "http://" not in text and "https://" not in text.replace("https://YOUR-GATEWAY", ""), path.name
        assert "@import" not in text and "@font-face" not in text, path.name
