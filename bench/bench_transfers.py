"""Transfer throughput through the HTTP API, on SQLite and on PostgreSQL, next to pgbench on the same server.

    .venv/bin/python bench/bench_transfers.py                 # 16 clients, 10 s per run, 2 uvicorn workers
    .venv/bin/python bench/bench_transfers.py --clients 8 --duration 20 --workers 1 --backends postgresql

Each run starts a throwaway PostgreSQL (durable: fsync on) and a real uvicorn on free ports, creates 200
customers (--accounts), and has N concurrent clients (threads spread over load-generator processes) POST /transfers with
fresh Idempotency-Keys for a fixed time. Then `pgbench -i` and `pgbench -c N -j 2 -T <duration> -b tpcb-like`
run against the same server. Prints transfers/s, latencies, pgbench's tps and the ratio HTTP-on-PostgreSQL /
pgbench, and, as the ceiling any endpoint can reach on this machine, the rate of GET /health (no database) with
the same clients. Everything runs on this machine: the load generators, uvicorn and PostgreSQL share its cores.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from backend.core.db import make_engine, run_migrations  # noqa: E402
from tests.backend.conftest import FAST_HASHING, TEST_SECRET, make_settings  # noqa: E402
from tests.backend.factories import create_customer  # noqa: E402
from tests.backend.server import running_backend  # noqa: E402
from tests.support.postgres import PostgresServer, running_postgres  # noqa: E402


@dataclass
class HttpResult:
    backend: str
    transfers: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.transfers / self.seconds


def _client_process(base_url: str, jobs: list[tuple[str, int, int]], threads: int, seconds: float,
                    out: mp.Queue, probe: str, per_thread_rate: float = 0.0) -> None:
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    counts = {"ok": 0, "err": 0}
    latencies: list[float] = []

    def loop(offset: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            i = offset
            # Paced (issue 14: latency at half the maximum rate): each thread sends on a fixed schedule, spread.
            interval = 1.0 / per_thread_rate if per_thread_rate > 0 else 0.0
            next_at = time.monotonic() + interval * (offset / max(1, threads))
            while time.monotonic() < stop_at:
                if interval:
                    delay = next_at - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    next_at += interval
                token, account_id, payee_id = jobs[i % len(jobs)]
                i += threads
                started = time.perf_counter()
                if probe == "health":
                    response = http.get("/health")
                else:
                    response = http.post(
                        "/transfers",
                        json={"from_account_id": account_id, "payee_id": payee_id, "amount": "0.01"},
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": secrets.token_hex(12)},
                    )
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if response.status_code in (200, 201):
                        counts["ok"] += 1
                        latencies.append(elapsed)
                    else:
                        counts["err"] += 1

    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((counts["ok"], counts["err"], latencies))


def _load(base_url: str, jobs: list[tuple[str, int, int]], clients: int, seconds: float, load_processes: int,
          probe: str, rate: float = 0.0) -> tuple[int, int, list[float], float]:
    """`rate` > 0: that many requests per second in all, paced; else as fast as the clients can."""
    ctx = mp.get_context("fork")
    out: mp.Queue = ctx.Queue()
    per_process = [clients // load_processes + (1 if n < clients % load_processes else 0)
                   for n in range(load_processes)]
    started = time.monotonic()
    procs = [ctx.Process(target=_client_process,
                         args=(base_url, jobs[n::load_processes] or jobs, threads, seconds, out, probe,
                               rate / clients if rate > 0 else 0.0))
             for n, threads in enumerate(per_process) if threads]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = time.monotonic() - started
    latencies = [lat for _, _, lats in results for lat in lats]
    return sum(r[0] for r in results), sum(r[1] for r in results), latencies, elapsed


def run_http(backend: str, url: str, clients: int, seconds: float, uvicorn_workers: int,
             load_processes: int, accounts: int, ceiling: bool = False, half_rate: bool = False) -> list[HttpResult]:
    run_migrations(url)
    settings = make_settings(url)
    engine = make_engine(settings)
    customers = [create_customer(engine, settings, f"压测{i}", {"demand": 10_000_000_00}, {"王小明": 365})
                 for i in range(accounts)]
    engine.dispose()
    jobs = [(c.token, c.accounts["demand"], c.payees["王小明"]) for c in customers]
    env = {"ANXIN_DATABASE_URL": url, "ANXIN_TOKEN_SECRET": TEST_SECRET, "ANXIN_DAILY_LIMIT_FEN": str(10**15),
           "ANXIN_DB_POOL_SIZE": str(max(4, clients // uvicorn_workers + 2))}
    env |= {f"ANXIN_{k.upper()}": str(v) for k, v in FAST_HASHING.items()}
    with running_backend(env, workers=uvicorn_workers) as base_url:
        # Warm-up: every worker opens its pool connections and imports lazily loaded code.
        with httpx.Client(base_url=base_url) as http:
            for token, account_id, payee_id in jobs:
                http.post("/transfers", json={"from_account_id": account_id, "payee_id": payee_id, "amount": "0.01"},
                          headers={"Authorization": f"Bearer {token}", "Idempotency-Key": secrets.token_hex(12)})
        results = []
        if ceiling:
            ok, err, lat, elapsed = _load(base_url, jobs, clients, seconds, load_processes, "health")
            results.append(HttpResult("no database (GET /health)", ok, err, elapsed, lat))
        ok, err, lat, elapsed = _load(base_url, jobs, clients, seconds, load_processes, "transfer")
        results.append(HttpResult(backend, ok, err, elapsed, lat))
        if half_rate and results[-1].rate > 0:
            target = results[-1].rate / 2
            ok, err, lat, elapsed = _load(base_url, jobs, clients, seconds, load_processes, "transfer", target)
            results.append(HttpResult(f"{backend} at {target:.0f}/s (half the max)", ok, err, elapsed, lat))
    return results


def run_pgbench(server: PostgresServer, clients: int, seconds: float) -> float:
    server.create_database("pgbench")
    server.run_tool("pgbench", "-i", "-q", "pgbench")
    result = server.run_tool("pgbench", "-c", str(clients), "-j", "2", "-T", str(int(seconds)), "-b", "tpcb-like",
                             "pgbench")
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", result.stdout)
    if match is None:
        raise RuntimeError(f"could not read pgbench's tps:\n{result.stdout}")
    return float(match.group(1))


def describe(result: HttpResult) -> str:
    lat = sorted(result.latencies_ms)
    p50 = statistics.median(lat) if lat else float("nan")
    p95 = lat[int(len(lat) * 0.95)] if lat else float("nan")
    what = "GET /health" if result.backend.startswith("no database") else f"POST /transfers on {result.backend}"
    return (f"HTTP {what:<44}: {result.rate:8.1f} {'requests' if 'health' in what else 'transfers'}/s "
            f"({result.transfers} in {result.seconds:.1f} s, {result.errors} errors, "
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (PostgreSQL run)")
    parser.add_argument("--sqlite-workers", type=int, default=1,
                        help="uvicorn worker processes for the SQLite run (one file, one writer: 1 is best)")
    parser.add_argument("--load-processes", type=int, default=2, help="load-generator processes")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--accounts", type=int, default=200,
                        help="paying customers; each transfer takes its customer's lock, so few customers serialize")
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]

    print(f"bench_transfers: {args.clients} clients, {args.duration:.0f} s per run, uvicorn workers: "
          f"{args.sqlite_workers} (SQLite) / {args.workers} (PostgreSQL), {args.load_processes} load process(es), "
          f"{args.accounts} accounts", flush=True)
    lines: list[str] = []
    http_pg: HttpResult | None = None
    with tempfile.TemporaryDirectory(prefix="anxin-bench-") as tmp:
        if "sqlite" in backends:
            for result in run_http("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.clients, args.duration,
                                   args.sqlite_workers, args.load_processes, args.accounts, ceiling=True):
                lines.append(describe(result))
                print(lines[-1], flush=True)
        if "postgresql" in backends:
            with running_postgres(durable=True) as server:
                pg_results = run_http("postgresql", server.create_database("bench"), args.clients, args.duration,
                                      args.workers, args.load_processes, args.accounts,
                                      ceiling="sqlite" not in backends, half_rate=True)
                for result in pg_results:
                    lines.append(describe(result))
                    print(lines[-1], flush=True)
                http_pg = next(r for r in pg_results if r.backend == "postgresql")
                half = [r for r in pg_results if "half the max" in r.backend]
                if half:
                    lat = sorted(half[0].latencies_ms)
                    p95 = lat[int(len(lat) * 0.95)] if lat else float("nan")
                    lines.append(f"p95 at half the maximum rate: {p95:.1f} ms (goal <= 50 ms)")
                    print(lines[-1], flush=True)
                tps = run_pgbench(server, args.clients, args.duration)
                lines.append(f"pgbench tpcb-like (-c {args.clients} -j 2), same server:  {tps:8.1f} tps")
                print(lines[-1], flush=True)
                ratio = http_pg.rate / tps
                lines.append(f"ratio HTTP-on-PostgreSQL / pgbench: {ratio:.1%} (goal >= 50%)")
                print(lines[-1], flush=True)


if __name__ == "__main__":
    main()
