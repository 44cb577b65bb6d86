"""Transfer throughput through the HTTP API, on SQLite and on PostgreSQL, next to pgbench on the same server.

    .venv/bin/python bench/bench_transfers.py                 # 16 clients, 10 s per run, 2 backend workers
    .venv/bin/python bench/bench_transfers.py --backends postgresql --servers uvicorn,granian
    .venv/bin/python bench/bench_transfers.py --clients 8 --duration 20 --workers 1 --backends postgresql

Each run starts a throwaway PostgreSQL (durable: fsync on) and the backend with the command of the service
table (deploy/services.py; `--servers` also runs other HTTP servers against the same database in the same run)
on free ports, creates 200 customers (--accounts), and has N concurrent clients (threads spread over
load-generator processes) POST /transfers with fresh Idempotency-Keys for a fixed time. Then `pgbench -i` and
`pgbench -c N -j 2 -T <duration> -b tpcb-like` run against the same server. Prints, for the issue-14 goals:
transfers/s on PostgreSQL, pgbench's tps and the ratio, p95 at half the maximum rate, and, as the ceiling any
endpoint can reach on this machine, the rate of GET /health (no database) with the same clients; and the CPU
milliseconds one transfer costs in the backend, in PostgreSQL and in the load generator.

Everything runs on this machine: the load generators, the backend and PostgreSQL share its cores. The load
generator is a plain keep-alive `http.client` connection per thread (`--client httpx` for httpx): pgbench's
client is C, and a heavy Python client takes cores the backend then lacks, which the ratio would charge to it.
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing as mp
import os
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402

from backend.core.db import make_engine, run_migrations  # noqa: E402
from deploy import services  # noqa: E402
from tests.backend import server as test_server  # noqa: E402
from tests.backend.conftest import FAST_HASHING, TEST_SECRET, make_settings  # noqa: E402
from tests.backend.factories import create_customer  # noqa: E402
from tests.support.postgres import PostgresServer, running_postgres  # noqa: E402

Job = tuple[str, int, int]  # token, paying account id, payee id


@dataclass
class HttpResult:
    backend: str
    transfers: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    cpu_s: dict[str, float] = field(default_factory=dict)  # part -> CPU seconds during the run

    @property
    def rate(self) -> float:
        return self.transfers / self.seconds

    def p(self, q: float) -> float:
        lat = sorted(self.latencies_ms)
        return lat[min(len(lat) - 1, int(len(lat) * q))] if lat else float("nan")


def server_command(server: str, port: int, workers: int) -> list[str]:
    """The backend's command: uvicorn as the service table starts it, or another ASGI server to compare
    (`NAME@DIR`: that server on the code of another checkout, e.g. the previous commit, for a before/after)."""
    server = server.partition("@")[0]
    if server == "uvicorn":
        cmd = services.command("backend", port=port, python=sys.executable)
        return cmd + ["--no-access-log", "--log-level", "warning"] + (["--workers", str(workers)] if workers > 1 else [])
    if server == "granian":
        return [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(workers), "--no-ws", "--log-level", "warning", "backend.main:app"]
    raise ValueError(f"unknown server {server!r}")


@contextlib.contextmanager
def running_server(server: str, env_overrides: dict[str, str], workers: int) -> Iterator[tuple[str, int]]:
    """Yields (base URL `http://127.0.0.1:PORT/api/v1`, the server's pid); the database must be migrated."""
    tree = Path(server.partition("@")[2] or ROOT)
    with test_server.running_server(lambda port: server_command(server, port, workers), env_overrides, cwd=tree,
                                    name="bench-backend") as running:
        yield running


def _tree_cpu(pid: int, name_part: str = "") -> float:
    """CPU seconds (user + system) of a process and its descendants (those whose name has `name_part`)."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            if name_part and name_part not in proc.name():
                continue
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def _postgres_cpu() -> float:
    """CPU seconds of every postgres process this benchmark started (they descend from this process),
    including connections that have ended (reaped by the postmaster: its children's times)."""
    total = _tree_cpu(os.getpid(), "postgres")
    for proc in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            if "postgres" in proc.name():
                times = proc.cpu_times()
                total += times.children_user + times.children_system
    return total


def _transfer_body(account_id: int, payee_id: int) -> bytes:
    return json.dumps({"from_account_id": account_id, "payee_id": payee_id, "amount": "0.01"}).encode()


def _client_process(base_url: str, jobs: list[Job], threads: int, seconds: float, out: mp.Queue, probe: str,
                    per_thread_rate: float, client: str) -> None:
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    counts = {"ok": 0, "err": 0}
    latencies: list[float] = []
    url = urlsplit(base_url)
    started_cpu = time.process_time()

    def send_raw(conn: http.client.HTTPConnection, job: Job) -> int:
        token, account_id, payee_id = job
        if probe == "health":
            conn.request("GET", f"{url.path}/health")
        else:
            conn.request("POST", f"{url.path}/transfers", body=_transfer_body(account_id, payee_id), headers={
                "Content-Type": "application/json", "Authorization": f"Bearer {token}",
                "Idempotency-Key": secrets.token_hex(12)})
        response = conn.getresponse()
        response.read()
        return response.status

    def send_httpx(http: httpx.Client, job: Job) -> int:
        token, account_id, payee_id = job
        if probe == "health":
            return http.get("/health").status_code
        return http.post("/transfers", content=_transfer_body(account_id, payee_id), headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {token}",
            "Idempotency-Key": secrets.token_hex(12)}).status_code

    def loop(offset: int) -> None:
        if client == "httpx":
            session: object = httpx.Client(base_url=base_url, timeout=30)
            send = send_httpx
        else:
            session = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
            send = send_raw
        i = offset
        # Paced (issue 14: latency at half the maximum rate): each thread sends on a fixed schedule, spread.
        interval = 1.0 / per_thread_rate if per_thread_rate > 0 else 0.0
        next_at = time.monotonic() + interval * (offset / max(1, threads))
        try:
            while time.monotonic() < stop_at:
                if interval:
                    delay = next_at - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    next_at += interval
                job = jobs[i % len(jobs)]
                i += threads
                started = time.perf_counter()
                status = send(session, job)  # type: ignore[arg-type]
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if status in (200, 201):
                        counts["ok"] += 1
                        latencies.append(elapsed)
                    else:
                        counts["err"] += 1
        finally:
            session.close()  # type: ignore[attr-defined]

    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((counts["ok"], counts["err"], latencies, time.process_time() - started_cpu))


def _load(base_url: str, jobs: list[Job], clients: int, seconds: float, load_processes: int, probe: str,
          client: str, server_pid: int, rate: float = 0.0) -> tuple[int, int, list[float], float, dict[str, float]]:
    """`rate` > 0: that many requests per second in all, paced; else as fast as the clients can."""
    ctx = mp.get_context("fork")
    out: mp.Queue = ctx.Queue()
    per_process = [clients // load_processes + (1 if n < clients % load_processes else 0)
                   for n in range(load_processes)]
    server_cpu, pg_cpu = _tree_cpu(server_pid), _postgres_cpu()
    started = time.monotonic()
    procs = [ctx.Process(target=_client_process,
                         args=(base_url, jobs[n::load_processes] or jobs, threads, seconds, out, probe,
                               rate / clients if rate > 0 else 0.0, client))
             for n, threads in enumerate(per_process) if threads]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = time.monotonic() - started
    cpu = {"backend": _tree_cpu(server_pid) - server_cpu, "PostgreSQL": _postgres_cpu() - pg_cpu,
           "load generator": sum(r[3] for r in results)}
    latencies = [lat for *_, lats, _cpu in results for lat in lats]
    return sum(r[0] for r in results), sum(r[1] for r in results), latencies, elapsed, cpu


def make_jobs(url: str, accounts: int) -> list[Job]:
    run_migrations(url)
    settings = make_settings(url)
    engine = make_engine(settings)
    customers = [create_customer(engine, settings, f"压测{i}", {"demand": 10_000_000_00}, {"王小明": 365})
                 for i in range(accounts)]
    engine.dispose()
    return [(c.token, c.accounts["demand"], c.payees["王小明"]) for c in customers]


def run_http(backend: str, url: str, jobs: list[Job], clients: int, seconds: float, workers: int,
             load_processes: int, client: str, server: str = "uvicorn", ceiling: bool = False,
             half_rate: bool = False) -> list[HttpResult]:
    env = {"ANXIN_DATABASE_URL": url, "ANXIN_TOKEN_SECRET": TEST_SECRET, "ANXIN_DAILY_LIMIT_FEN": str(10**15),
           "ANXIN_DB_POOL_SIZE": str(max(4, clients // workers + 2))}
    env |= {f"ANXIN_{k.upper()}": str(v) for k, v in FAST_HASHING.items()}
    label = f"{backend}, {server}, {client} client"
    with running_server(server, env, workers) as (base_url, pid):
        # Warm-up: every customer once, then the full concurrency for a moment, so that every worker has opened
        # its pool connections, imported lazily loaded code and prepared its statements (psycopg prepares a
        # statement on its 5th use per connection); without it the first server of a run measured slower.
        with httpx.Client(base_url=base_url) as http:
            for token, account_id, payee_id in jobs:
                http.post("/transfers", content=_transfer_body(account_id, payee_id),
                          headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}",
                                   "Idempotency-Key": secrets.token_hex(12)})
        _load(base_url, jobs, clients, min(3.0, seconds), load_processes, "transfer", client, pid)
        results = []
        if ceiling:
            ok, err, lat, elapsed, cpu = _load(base_url, jobs, clients, seconds, load_processes, "health", client, pid)
            results.append(HttpResult(f"no database (GET /health), {server}, {client} client", ok, err, elapsed,
                                      lat, cpu))
        ok, err, lat, elapsed, cpu = _load(base_url, jobs, clients, seconds, load_processes, "transfer", client, pid)
        results.append(HttpResult(label, ok, err, elapsed, lat, cpu))
        if half_rate and results[-1].rate > 0:
            target = results[-1].rate / 2
            ok, err, lat, elapsed, cpu = _load(base_url, jobs, clients, seconds, load_processes, "transfer", client,
                                               pid, target)
            results.append(HttpResult(f"{label} at {target:.0f}/s (half the max)", ok, err, elapsed, lat, cpu))
    return results


def run_pgbench(server: PostgresServer, clients: int, seconds: float) -> tuple[float, float]:
    """pgbench's tps and the CPU seconds PostgreSQL spent meanwhile (pgbench itself not counted)."""
    server.create_database("pgbench")
    server.run_tool("pgbench", "-i", "-q", "pgbench")
    before = _postgres_cpu()
    result = server.run_tool("pgbench", "-c", str(clients), "-j", "2", "-T", str(int(seconds)), "-b", "tpcb-like",
                             "pgbench")
    pg_cpu = _postgres_cpu() - before
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", result.stdout)
    if match is None:
        raise RuntimeError(f"could not read pgbench's tps:\n{result.stdout}")
    return float(match.group(1)), pg_cpu


def describe(result: HttpResult) -> str:
    lat = result.latencies_ms
    p50 = statistics.median(lat) if lat else float("nan")
    what = (f"GET /health ({result.backend.partition(', ')[2]})" if result.backend.startswith("no database")
            else f"POST /transfers on {result.backend}")
    unit = "requests" if "health" in what else "transfers"
    cpu = ", ".join(f"{part} {seconds * 1000 / max(1, result.transfers):.2f}"
                    for part, seconds in result.cpu_s.items())
    return (f"HTTP {what:<50}: {result.rate:8.1f} {unit}/s "
            f"({result.transfers} in {result.seconds:.1f} s, {result.errors} errors, "
            f"p50 {p50:.1f} ms, p95 {result.p(0.95):.1f} ms; CPU ms per request: {cpu})")


def _load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--workers", type=int, default=2, help="backend worker processes (PostgreSQL run)")
    parser.add_argument("--sqlite-workers", type=int, default=1,
                        help="backend worker processes for the SQLite run (one file, one writer: 1 is best)")
    parser.add_argument("--load-processes", type=int, default=2, help="load-generator processes")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--servers", default="uvicorn",
                        help="HTTP servers for the PostgreSQL runs, the first is the headline (uvicorn,granian; "
                        "uvicorn@DIR runs the code checked out in DIR, e.g. `git archive HEAD~1 | tar -x -C DIR`)")
    parser.add_argument("--client", default="raw",
                        help="load generator's HTTP client(s), the first is the headline: raw (http.client), httpx")
    parser.add_argument("--accounts", type=int, default=200,
                        help="paying customers; each transfer takes its customer's lock, so few customers serialize")
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    clients = [c.strip() for c in args.client.split(",") if c.strip()]
    if set(clients) - {"raw", "httpx"}:
        parser.error("--client: raw, httpx")
    runs = [(server, client) for server in servers for client in clients]

    print(f"bench_transfers: {args.clients} clients ({', '.join(clients)}), {args.duration:.0f} s per run, backend workers: "
          f"{args.sqlite_workers} (SQLite) / {args.workers} (PostgreSQL), servers {', '.join(servers)}, "
          f"{args.load_processes} load process(es), {args.accounts} accounts; load average {_load_average()}",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="anxin-bench-") as tmp:
        if "sqlite" in backends:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            for result in run_http("sqlite", url, make_jobs(url, args.accounts), args.clients, args.duration,
                                   args.sqlite_workers, args.load_processes, clients[0], ceiling=True):
                print(describe(result), flush=True)
        if "postgresql" not in backends:
            return
        with running_postgres(durable=True) as server:
            url = server.create_database("bench")
            jobs = make_jobs(url, args.accounts)
            headline: list[HttpResult] = []
            for n, (name, client) in enumerate(runs):
                # The ceiling and the half-rate latency for the headline; the others compare at the maximum rate.
                results = run_http("postgresql", url, jobs, args.clients, args.duration, args.workers,
                                   args.load_processes, client, name, ceiling=n == 0, half_rate=n == 0)
                for result in results:
                    print(describe(result), flush=True)
                half = [r for r in results if "half the max" in r.backend]
                if half:
                    print(f"p95 at half the maximum rate ({name}, {client} client): {half[0].p(0.95):.1f} ms "
                          "(goal <= 50 ms)", flush=True)
                if n == 0:
                    headline = results
            tps, pg_cpu = run_pgbench(server, args.clients, args.duration)
            print(f"pgbench tpcb-like (-c {args.clients} -j 2), same server:  {tps:8.1f} tps "
                  f"(PostgreSQL CPU ms per transaction {pg_cpu * 1000 / max(1.0, tps * args.duration):.2f})",
                  flush=True)
            transfers = next(r for r in headline if not r.backend.startswith("no database") and "half" not in r.backend)
            health = next(r for r in headline if r.backend.startswith("no database"))
            half_p95 = next((r.p(0.95) for r in headline if "half the max" in r.backend), float("nan"))
            print("--- issue 14 ---")
            print(f"HTTP transfers/s on PostgreSQL ({transfers.backend}): {transfers.rate:.1f}; pgbench tpcb-like {tps:.1f} tps; "
                  f"ratio {transfers.rate / tps:.1%} (goal >= 50%)")
            print(f"p95 at half the maximum rate: {half_p95:.1f} ms (goal <= 50 ms); "
                  f"GET /health ceiling {health.rate:.0f} requests/s; load average {_load_average()}", flush=True)


if __name__ == "__main__":
    main()
