"""Soak: many conversations through one instance of each service; resident memory of each process as they pile up,
and, after a restart of Rasa and the action server, the conversations still there (issue 14).

    .venv/bin/python bench/bench_soak.py                       # 20,000 conversations, RSS every 5,000
    .venv/bin/python bench/bench_soak.py --conversations 2000 --every 500
    .venv/bin/python bench/bench_soak.py --conversations 2000 --every 500 --memory-store   # the old in-memory store

Starts the real backend (seeded), action server and Rasa on free loopback ports (tests/support/stack.py, the
same commands as `make run`), signs the demo customer in once, and runs conversations back to back from
--clients threads: each a new conversation id and one turn ("我的余额是多少"; --turns 2 adds "再说一遍")
through Rasa's REST channel. Prints each process's RSS (its whole process tree) after a warm-up and every --every conversations,
the growth after warm-up (goal: under 50 MB per process), turns/s, errors, then restarts Rasa and the action
server and reads sampled conversations back from Rasa's tracker API.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402
import yaml  # noqa: E402

from tests.support import stack as stack_mod  # noqa: E402

PHONE, PIN = "13800000001", "135790"  # the demo customer 张桂兰 (backend.seed, demo mode)
SCRIPT = ("我的余额是多少", "再说一遍")
TURNS: tuple[str, ...] = SCRIPT[:1]  # --turns 2 for both
WARM_UP = 50
GOAL_MB = 50.0
RELOGIN_S = 600.0  # tokens live 30 minutes


def rss_mb(pid: int) -> float:
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return float("nan")
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


class Token:
    def __init__(self, backend_url: str) -> None:
        self.url = backend_url
        self.lock = threading.Lock()
        self.value = ""
        self.at = 0.0

    def get(self) -> str:
        with self.lock:
            if not self.value or time.monotonic() - self.at > RELOGIN_S:
                resp = httpx.post(f"{self.url}/api/v1/auth/login", json={"phone": PHONE, "pin": PIN}, timeout=30)
                resp.raise_for_status()
                self.value, self.at = resp.json()["access_token"], time.monotonic()
            return self.value


SAMPLES: list[str] = []


def conversation(http: httpx.Client, rasa_url: str, token: Token, sender: str) -> int:
    """Two turns; returns how many failed (HTTP error, or no reply)."""
    failed = 0
    for text in TURNS:
        try:
            resp = http.post(f"{rasa_url}/webhooks/rest/webhook", timeout=60, json={
                "sender": sender, "message": text, "metadata": {"channel": "web", "token": token.get()}})
            if resp.status_code != 200 or not resp.json():
                failed += 1
                if len(SAMPLES) < 3:
                    SAMPLES.append(f"HTTP {resp.status_code}: {resp.text[:120]}")
        except httpx.HTTPError as exc:
            failed += 1
            if len(SAMPLES) < 3:
                SAMPLES.append(f"{type(exc).__name__}: {str(exc)[:120]}")
    return failed


def use_memory_store() -> None:
    """--memory-store: the stack's Rasa gets the old redacting in-memory store (the "before")."""
    original = stack_mod._rasa_endpoints

    def patched(stack: stack_mod.Stack) -> Path:
        path = original(stack)
        config = yaml.safe_load(path.read_text()) or {}
        config["tracker_store"] = {"type": "assistant.tracker_store.RedactingInMemoryTrackerStore"}
        path.write_text(yaml.safe_dump(config, allow_unicode=True))
        return path

    stack_mod._rasa_endpoints = patched


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--every", type=int, default=5_000, help="print memory every this many conversations")
    parser.add_argument("--clients", type=int, default=8, help="conversations at once")
    parser.add_argument("--memory-store", action="store_true", help="Rasa's in-memory tracker store (before)")
    parser.add_argument("--turns", type=int, choices=[1, 2], default=1, help="turns per conversation")
    parser.add_argument("--sample", type=int, default=20, help="conversations read back after the restart")
    args = parser.parse_args()
    global TURNS
    TURNS = SCRIPT[:args.turns]
    if args.memory_store:
        use_memory_store()
    store = "in-memory (--memory-store)" if args.memory_store else "SQLite (assistant/endpoints.yml)"
    print(f"bench_soak: {args.conversations} conversations x {len(TURNS)} turns, {args.clients} at once, "
          f"tracker store {store}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}", flush=True)
    status = 0
    with stack_mod.running_stack(assistant=True, gateway=False) as stack:
        names = ["backend", "actions", "rasa"]
        token = Token(stack.backend_url)
        http = httpx.Client(limits=httpx.Limits(max_connections=args.clients * 2))
        senders: list[str] = []
        errors = 0
        lock = threading.Lock()

        def one(_: int) -> None:
            nonlocal errors
            sender = f"soak-{uuid.uuid4().hex[:16]}"
            failed = conversation(http, stack.rasa_url, token, sender)
            with lock:
                senders.append(sender)
                errors += failed

        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(one, range(WARM_UP)))
            pids = {n: stack.services[n].proc.pid for n in names}
            rows: list[tuple[int, dict[str, float]]] = [(0, {n: rss_mb(p) for n, p in pids.items()})]
            header = f"{'conversations':>14}" + "".join(f"{n + ' RSS MB':>16}" for n in names) + f"{'turns/s':>10}"
            print(header)
            print(f"{'0 (warm)':>14}" + "".join(f"{rows[0][1][n]:>16.1f}" for n in names), flush=True)
            done = 0
            while done < args.conversations:
                batch = min(args.every, args.conversations - done)
                started = time.monotonic()
                list(pool.map(one, range(batch)))
                rate = batch * len(TURNS) / (time.monotonic() - started)
                done += batch
                rows.append((done, {n: rss_mb(p) for n, p in pids.items()}))
                print(f"{done:>14}" + "".join(f"{rows[-1][1][n]:>16.1f}" for n in names) + f"{rate:>10.1f}",
                      flush=True)
        growth = {n: rows[-1][1][n] - rows[0][1][n] for n in names}
        print("growth after warm-up (MB): " + ", ".join(f"{n} {g:+.1f}" for n, g in growth.items())
              + f" (goal: each under {GOAL_MB:.0f} MB); failed turns: {errors}")
        for sample in SAMPLES:
            print(f"  e.g. {sample}")
        if errors or any(g >= GOAL_MB for g in growth.values()):
            status = 1

        # Restart Rasa and the action server; the conversations must still be there (SQLite tracker store).
        for name in ("rasa", "actions"):
            service = stack.services.pop(name)
            os.killpg(service.proc.pid, 15)
            service.proc.wait(timeout=30)
        stack_mod.start_assistant(stack)
        sample = random.sample(senders, min(args.sample, len(senders)))
        kept = 0
        for sender in sample:
            resp = http.get(f"{stack.rasa_url}/conversations/{sender}/tracker",
                            params={"token": stack.rasa_token}, timeout=30)
            events = resp.json().get("events", []) if resp.status_code == 200 else []
            kept += any(e.get("event") == "user" and e.get("text") == TURNS[0] for e in events)
        print(f"after a restart of Rasa and the action server: {kept} of {len(sample)} sampled conversations "
              f"still there", flush=True)
        if kept != len(sample) and not args.memory_store:
            status = 1
        http.close()
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return status


if __name__ == "__main__":
    sys.exit(main())
