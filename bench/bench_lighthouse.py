"""Lighthouse (pinned 12.2.3, npm, node 20) on the chat page, the kiosk and the staff panel, mobile, 3G-class.

    .venv/bin/python bench/bench_lighthouse.py [--pages / /kiosk]

Installs lighthouse@12.2.3 under var/lighthouse (npm, once), starts the real stack on free loopback ports (as
the tests do), and runs Lighthouse in Debian's Chromium with a 3G-class profile of its own: simulated round trip
300 ms, 700 kbit/s down, CPU slowed 4x (Lighthouse's default mobile profile is a faster "slow 4G"). Prints each
category's score and the bytes transferred, and writes the JSON reports to var/bench/lighthouse/.
"""
from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VERSION = "12.2.3"
TOOL_DIR = ROOT / "var" / "lighthouse"
OUT_DIR = ROOT / "var" / "bench" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
THROTTLING = ["--throttling-method=simulate", "--throttling.rttMs=300", "--throttling.throughputKbps=700",
              "--throttling.cpuSlowdownMultiplier=4"]
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
                "--disable-background-networking --disable-component-update --disable-sync")


def lighthouse_bin() -> Path:
    binary = TOOL_DIR / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        TOOL_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(TOOL_DIR),
                        f"lighthouse@{VERSION}"], check=True, capture_output=True)
    return binary


def run_one(binary: Path, url: str, name: str) -> dict[str, object]:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    report = OUT_DIR / f"{name}.json"
    subprocess.run([str(binary), url, "--quiet", "--output=json", f"--output-path={report}",
                    "--form-factor=mobile", "--screenEmulation.mobile", *THROTTLING,
                    f"--chrome-flags={CHROME_FLAGS}"],
                   check=True, capture_output=True, env={"CHROME_PATH": CHROMIUM, "PATH": "/usr/bin:/bin",
                                                         "HOME": str(TOOL_DIR)})
    data = json.loads(report.read_text())
    scores = {key: round((cat.get("score") or 0) * 100) for key, cat in data["categories"].items()}
    weight = data["audits"].get("total-byte-weight", {}).get("numericValue")
    return {"scores": scores, "transfer_kib": round(weight / 1024, 1) if weight else None,
            "lcp_ms": round(data["audits"]["largest-contentful-paint"]["numericValue"])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", nargs="*", default=["/", "/kiosk", "/kiosk/staff"])
    args = parser.parse_args(argv)
    if not shutil.which("npm") or not Path(CHROMIUM).exists():
        print("bench_lighthouse: needs npm and /usr/bin/chromium", file=sys.stderr)
        return 2
    binary = lighthouse_bin()
    from tests.support.stack import running_stack

    env = {name: secrets.token_urlsafe(32)
           for name in ("ANXIN_TOKEN_SECRET", "ANXIN_TWILIO_AUTH_TOKEN", "ANXIN_RASA_TOKEN", "ANXIN_ACTIONS_SECRET")}
    with running_stack(**env) as stack:
        print(f"Lighthouse {VERSION}, mobile, 3G-class (RTT 300 ms, 700 kbit/s, CPU x4), Chromium at {CHROMIUM}")
        print(f"{'page':<14} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5} {'bytes (KiB)':>12} {'LCP ms':>8}")
        for page in args.pages:
            name = page.strip("/").replace("/", "-") or "chat"
            result = run_one(binary, stack.gateway_url + page, name)
            s = result["scores"]
            print(f"{page:<14} {s.get('performance', 0):>5} {s.get('accessibility', 0):>5} "
                  f"{s.get('best-practices', 0):>5} {s.get('seo', 0):>5} {result['transfer_kib']!s:>12} "
                  f"{result['lcp_ms']:>8}")
    print(f"reports: {OUT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
