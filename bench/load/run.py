"""Load benchmark: the same simulated customers against 1 and then N instances of every service, side by side.

    .venv/bin/python -m bench.load.run [--users 50,100] [--duration 60] [--instances 2] [--mode auto] [--synth inline]

Starts the production profile (cluster/launch.py), then for each configuration routes nginx to the first n
instances of every tier, seeds fresh load customers (so runs never share books or rate-limit windows), runs
Locust headless (bench/load/locustfile.py), and checks the bank's books. Prints conversations/s, turn latency
p50/p95/p99, sign-in latency, errors and the books verdict per configuration. Exit status 1 if any
configuration had errors or bad books.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.load.customers import LoadCustomer, seed_load_customers
from cluster.books import check_books
from cluster.launch import Cluster, running_cluster
from rules.secrets import generate_all
from tests.security.log_scan import account_numbers, find_leaks
from tests.support.stack import MODEL, ROOT

LOCUST = ROOT / ".venv" / "bin" / "locust"
LOCUSTFILE = ROOT / "bench" / "load" / "locustfile.py"


@dataclass
class RunFigures:
    instances: int
    duration_s: float
    conversations: int = 0
    turns: list[float] = field(default_factory=list)
    sign_ins: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    books: list[str] = field(default_factory=list)
    customers: list[LoadCustomer] = field(default_factory=list)
    cpu_s: dict[str, float] = field(default_factory=dict)  # CPU seconds used during the run, per part
    users: int = 0  # concurrent customers of this run
    audio: list[float] = field(default_factory=list)  # fetches of the replies' audio (gateway mode)

    @staticmethod
    def pct(values: list[float], p: float) -> float:
        if not values:
            return float("nan")
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def pick_mode(requested: str) -> str:
    if requested != "auto":
        return requested
    web = (ROOT / "gateway" / "routes" / "web.py").read_text()
    if '"/api/chat"' in web and MODEL.exists():
        return "gateway"
    return "rasa" if MODEL.exists() else "api"


def run_once(cluster: Cluster, mode: str, n: int, users: int, duration_s: int, first_customer: int,
             workdir: Path, think: str = "2-4", spawn_rate: float = 2.0) -> RunFigures:
    cluster.use_instances(n)
    customers = seed_load_customers(cluster.database_url, users, first=first_customer)
    results = workdir / f"results-{n}.json"
    host = cluster.entry_url if mode == "gateway" else cluster.url("backend")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ANXIN_LOAD_MODE": mode,
        "ANXIN_LOAD_CUSTOMERS": json.dumps([c.as_dict() for c in customers]),
        "ANXIN_LOAD_BACKEND_URL": cluster.url("backend"),
        "ANXIN_LOAD_RASA_URL": cluster.url("rasa") if mode != "api" else "",
        "ANXIN_LOAD_RESULTS": str(results),
        "ANXIN_LOAD_THINK_S": think,
    }
    cpu_before = cluster.cpu_seconds()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run(
        [str(LOCUST), "-f", str(LOCUSTFILE), "--headless", "-u", str(users), "-r", str(spawn_rate),
         "-t", f"{duration_s}s", "--host", host, "--only-summary", "--loglevel", "WARNING",
         # Conversations running when the time is up finish (they are not cut in half), within this bound.
         "--stop-timeout", "180"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(workdir / f"locust-{n}.log", "wb"),
        check=False,
    )
    elapsed = time.monotonic() - started
    cpu_after = cluster.cpu_seconds()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu: dict[str, float] = {}
    for name, seconds in cpu_after.items():
        part = name.rstrip("0123456789")  # backend1, backend2 -> backend
        cpu[part] = cpu.get(part, 0.0) + seconds - cpu_before.get(name, 0.0)
    cpu["locust"] = (children_after.ru_utime + children_after.ru_stime
                     - children_before.ru_utime - children_before.ru_stime)
    data = json.loads(results.read_text()) if results.exists() else {}
    figures = RunFigures(n, elapsed, customers=customers, cpu_s=cpu)
    figures.conversations = sum(data.get("finished", {}).values())
    figures.turns = data.get("latency_ms", {}).get("turn", [])
    figures.sign_ins = data.get("latency_ms", {}).get("sign-in", [])
    figures.audio = data.get("latency_ms", {}).get("audio", [])
    figures.errors = data.get("errors", {})
    figures.error_samples = data.get("error_samples", [])
    figures.books = check_books(cluster.pg, data.get("confirmed", {})).problems
    return figures


def report(mode: str, users: int, duration_s: int, runs: list[RunFigures], think: str = "2-4",
           spawn_rate: float = 2.0) -> str:
    header = f"{'':34}" + "".join(f"{f'{r.instances} instance(s)':>16}" for r in runs)
    lines = [
        f"Anxin load test: mode={mode}, {users} simulated customers (arriving {spawn_rate:g}/s, think {think} s "
        f"per turn), {duration_s} s "
        f"per configuration (then running conversations finish), {os.cpu_count()} CPU cores, one machine",
        header,
    ]

    def row(label: str, values: list[str]) -> None:
        lines.append(f"{label:34}" + "".join(f"{v:>16}" for v in values))

    row("conversations finished", [str(r.conversations) for r in runs])
    row("conversations/s", [f"{r.conversations / r.duration_s:.2f}" for r in runs])
    row("turns", [str(len(r.turns)) for r in runs])
    row("turns/s", [f"{len(r.turns) / r.duration_s:.1f}" for r in runs])
    for p in (50, 95, 99):
        row(f"turn latency p{p} (ms)", [f"{r.pct(r.turns, p):.0f}" for r in runs])
    if any(r.audio for r in runs):
        row("audio fetch p50 / p95 (ms)", [f"{r.pct(r.audio, 50):.0f} / {r.pct(r.audio, 95):.0f}" for r in runs])
    row("sign-in latency p50 / p95 (ms)", [f"{r.pct(r.sign_ins, 50):.0f} / {r.pct(r.sign_ins, 95):.0f}" for r in runs])
    row("errors", [str(sum(r.errors.values())) for r in runs])
    parts = sorted({p for r in runs for p in r.cpu_s}, key=lambda p: -sum(r.cpu_s.get(p, 0) for r in runs))
    for part in parts:
        row(f"CPU ms per turn: {part}", [f"{1000 * r.cpu_s.get(part, 0) / max(1, len(r.turns)):.0f}" for r in runs])
    row("books (conserved, each once)", ["OK" if not r.books else "WRONG" for r in runs])
    for r in runs:
        for name, count in sorted(r.errors.items()):
            lines.append(f"  [{r.instances}] errors in {name}: {count}")
        for sample in r.error_samples[:5]:
            lines.append(f"  [{r.instances}] e.g. {sample}")
        for problem in r.books:
            lines.append(f"  [{r.instances}] books: {problem}")
    goal = [r for r in runs if r.pct(r.turns, 95) <= 150 and not r.errors and not r.books]
    lines.append(f"goal (issue 14: {users} customers, turn p95 <= 150 ms, no errors): "
                 + ", ".join(f"{r.instances} instance(s) {'met' if r in goal else 'NOT met'}" for r in runs))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="50,100",
                        help="concurrent customers; a comma list runs each count against 1 and N instances")
    parser.add_argument("--duration", type=int, default=60, help="seconds per configuration")
    parser.add_argument("--instances", type=int, default=2, help="the larger configuration (the other is 1)")
    parser.add_argument("--mode", choices=["auto", "gateway", "rasa", "api"], default="auto")
    parser.add_argument("--think", default="2-4", help="seconds a customer thinks before each turn, low-high")
    # Customers arrive over time; 50 sign-ins in the same second is a stampede of argon2 hashes, not a day.
    parser.add_argument("--spawn-rate", type=float, default=2.0, help="new customers per second")
    # Issue 14: where the gateway synthesises a reply's speech (gateway/routes/audio.py). inline = inside the
    # turn, as before; background = after the reply is sent (the default); fetch = when the audio is asked for.
    parser.add_argument("--synth", choices=["background", "fetch", "inline"], default=None,
                        help="ANXIN_AUDIO_SYNTH for the gateways (default: the gateway's own default)")
    args = parser.parse_args()
    if args.synth:
        os.environ["ANXIN_AUDIO_SYNTH"] = args.synth  # the cluster passes ANXIN_* on to every instance
    user_counts = [int(u) for u in str(args.users).split(",") if u.strip()]
    mode = pick_mode(args.mode)
    workdir = Path(tempfile.mkdtemp(prefix="anxin-load-"))
    print(f"Starting the cluster ({args.instances} instances of every service, mode {mode}) ...", flush=True)
    runs: list[RunFigures] = []
    # Sign-in limits stay at their defaults: every simulated customer has its own phone and client address
    # (X-Forwarded-For, passed on by nginx and the gateway), as real customers do.
    # The operator's secrets when set, else fresh throwaway ones: the cluster has no demo mode.
    throwaway = {k: v for k, v in generate_all().items() if not os.environ.get(k)}
    with running_cluster(args.instances, assistant=mode != "api", gateway=mode == "gateway",
                         **throwaway) as cluster:
        i = 0
        for users in user_counts:
            for n in sorted({1, args.instances}):
                print(f"Running {users} customers for {args.duration} s against {n} instance(s) ...", flush=True)
                runs.append(run_once(cluster, mode, n, users, args.duration, i * max(user_counts), workdir,
                                     args.think, args.spawn_rate))
                runs[-1].users = users
                i += 1
        # Issue 10: the one log scan over every log this load run made the cluster write.
        leaks = scan_cluster_logs(cluster, [c.pin for r in runs for c in r.customers])
    if os.environ.get("ANXIN_KEEP_STACK_LOGS") != "1":
        shutil.rmtree(workdir, ignore_errors=True)  # Locust's logs and raw figures
    print(f"\nspeech synthesis: {os.environ.get('ANXIN_AUDIO_SYNTH', 'background (default)')}; "
          f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for users in user_counts:
        print()
        print(report(mode, users, args.duration, [r for r in runs if r.users == users],
                     args.think, args.spawn_rate))
    print(f"log scan (tokens, PINs, account numbers, secrets): {'; '.join(leaks) if leaks else 'clean'}")
    return 0 if all(not r.errors and not r.books for r in runs) and not leaks else 1


def scan_cluster_logs(cluster: Cluster, pins: list[str]) -> list[str]:
    """tests/security/log_scan.find_leaks over every log of the cluster (with its killed incarnations)."""
    secrets = [cluster.stack.env.get(k, "") for k in ("ANXIN_TOKEN_SECRET", "ANXIN_RASA_TOKEN",
                                                       "ANXIN_ACTIONS_SECRET")]
    return find_leaks(cluster.logs(), set(pins), account_numbers(cluster.pg), [*secrets, cluster.pg.password])


if __name__ == "__main__":
    sys.exit(main())
