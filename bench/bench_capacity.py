"""Capacity: conversations per second back to back on one instance of every service, and CPU milliseconds per turn
by part (gateway, Rasa, actions, backend, PostgreSQL, ...), with speech synthesis inside the turn (before issue
14) and after the reply (now), in one command.

    .venv/bin/python bench/bench_capacity.py                  # 4 customers, no think time, 45 s per setting
    .venv/bin/python bench/bench_capacity.py --users 8 --duration 60 --synth inline,background,fetch

Each setting is one `bench.load.run --mode gateway --instances 1 --think 0-0` (its own cluster, fresh
customers); the replies' audio is fetched after each turn as the page does, so synthesis is paid in every
setting and only its place changes. Absolute figures depend on what else runs on the machine: compare the
settings of one run (the load average is printed).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEEP = re.compile(r"^(conversations/s|turns/s|turn latency|audio fetch|CPU ms per turn|errors|books)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=4, help="customers at once, each back to back")
    parser.add_argument("--duration", type=int, default=45)
    parser.add_argument("--synth", default="inline,background", help="settings of ANXIN_AUDIO_SYNTH to compare")
    args = parser.parse_args()
    status = 0
    summary: dict[str, list[str]] = {}
    for mode in [m.strip() for m in args.synth.split(",") if m.strip()]:
        print(f"=== synthesis {mode}: load average {os.getloadavg()[0]:.2f}", flush=True)
        done = subprocess.run([sys.executable, "-m", "bench.load.run", "--mode", "gateway", "--instances", "1",
                               "--think", "0-0", "--users", str(args.users), "--duration", str(args.duration),
                               "--synth", mode], cwd=ROOT, capture_output=True, text=True)
        print(done.stdout[-6000:], flush=True)
        if done.returncode != 0:
            status = 1
            print(done.stderr[-3000:], flush=True)
        summary[mode] = [line for line in done.stdout.splitlines() if KEEP.match(line)]
    print("\n=== capacity, one instance, back to back (same run):")
    for mode, lines in summary.items():
        print(f"--- synthesis {mode}")
        print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
