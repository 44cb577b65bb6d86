"""Where one transfer's time goes, on PostgreSQL (issue 14).

    .venv/bin/python bench/profile_transfer.py                  # round trips + a 15 s py-spy profile
    .venv/bin/python bench/profile_transfer.py --no-py-spy      # round trips only

1. Round trips: an in-process app (the TestClient) makes transfers, and PostgreSQL's own log
   (log_statement = all) says what each one sent: statements, BEGIN, COMMIT, connection checks.
2. CPU: a real uvicorn (one worker) under `--clients` concurrent transfer clients, sampled by py-spy for
   `--duration` seconds; prints the share of samples by layer (HTTP server, FastAPI/pydantic, SQLAlchemy/
   SQLModel, psycopg, JSON, our code) and the top functions by own time.
"""
from __future__ import annotations

import argparse
import collections
import multiprocessing as mp
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import logging  # noqa: E402

import httpx  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from backend.core.db import make_engine, run_migrations  # noqa: E402
from tests.backend.conftest import FAST_HASHING, TEST_SECRET, make_settings  # noqa: E402
from tests.backend.factories import create_customer  # noqa: E402
from tests.support.postgres import PostgresServer, free_port, running_postgres  # noqa: E402

# First matching fragment of a sampled frame's file path -> layer (the order matters: most specific first).
LAYERS = (
    ("uvicorn", "HTTP server (uvicorn/httptools/uvloop)"), ("httptools", "HTTP server (uvicorn/httptools/uvloop)"),
    ("uvloop", "HTTP server (uvicorn/httptools/uvloop)"), ("granian", "HTTP server (granian)"),
    ("asyncio", "asyncio/anyio thread hops"), ("anyio", "asyncio/anyio thread hops"),
    ("psycopg", "psycopg (driver, waiting on the socket)"),
    ("sqlalchemy", "SQLAlchemy/SQLModel"), ("sqlmodel", "SQLAlchemy/SQLModel"),
    ("pydantic", "pydantic"), ("fastapi", "FastAPI/Starlette"), ("starlette", "FastAPI/Starlette"),
    ("json", "JSON"), ("orjson", "JSON"), ("jwt", "token (PyJWT)"), ("backend/", "Anxin backend code"),
    ("rules/", "Anxin rules"),
)


# Frames whose inclusive share is printed: ours, and the server's and framework's steps around the route.
INCLUSIVE = ("backend/", "rules/", "fastapi/routing.py", "fastapi/dependencies/utils.py", "starlette/routing.py",
             "starlette/middleware", "uvicorn/protocols", "anyio/to_thread.py", "starlette/concurrency.py",
             "sqlalchemy/pool", "sqlalchemy/orm/session.py")


def _layer(filename: str) -> str:
    for fragment, name in LAYERS:
        if fragment in filename:
            return name
    return "other (stdlib, threading)"


def count_round_trips(pg: PostgresServer, url: str, transfers: int = 20) -> None:
    """What reaches the server per transfer, read from its own log (log_statement = all): every statement,
    BEGIN, COMMIT and a connection check included, whatever layer sent it."""
    from starlette.testclient import TestClient

    from backend.main import create_app

    database = make_url(url).database or ""
    pg.psql(database, "ALTER SYSTEM SET log_statement = 'all'")
    pg.psql(database, "SELECT pg_reload_conf()")
    settings = make_settings(url, daily_limit_fen=10**15)
    app = create_app(settings, migrate=False)
    customer = create_customer(app.state.engine, settings, "剖析", {"demand": 10_000_000_00}, {"王小明": 365})
    with TestClient(app) as client:
        def one() -> None:
            response = client.post(
                "/api/v1/transfers",
                json={"from_account_id": customer.accounts["demand"], "payee_id": customer.payees["王小明"],
                      "amount": "0.01"},
                headers=customer.idem())
            assert response.status_code == 201, response.text
        for _ in range(10):  # warm-up: imports, caches, psycopg's prepared statements (after 5 uses)
            one()
        time.sleep(0.5)
        start = len(pg.log.read_text(errors="replace"))
        for _ in range(transfers):
            one()
        time.sleep(0.5)
        log = pg.log.read_text(errors="replace")[start:]
    pg.psql(database, "ALTER SYSTEM RESET log_statement")
    pg.psql(database, "SELECT pg_reload_conf()")
    app.state.engine.dispose()
    # A statement's text may span lines: it runs up to the next line that starts with a timestamp.
    sent = re.findall(r"LOG:  (?:statement|execute [^:]*): (.*?)(?=\n\d{4}-\d\d-\d\d |\Z)", log, re.DOTALL)
    per = collections.Counter(" ".join(text.split())[:110] for text in sent)
    print(f"round trips to PostgreSQL per transfer (mean of {transfers}, from the server's log): "
          f"{len(sent) / transfers:.1f}")
    for text, n in per.most_common():
        print(f"  {n / transfers:4.1f} x  {text}")


def _client(base_url: str, jobs: list[tuple[str, int, int]], seconds: float) -> None:
    stop_at = time.monotonic() + seconds
    with httpx.Client(base_url=base_url, timeout=30) as http:
        i = 0
        while time.monotonic() < stop_at:
            token, account_id, payee_id = jobs[i % len(jobs)]
            i += 1
            http.post("/transfers", json={"from_account_id": account_id, "payee_id": payee_id, "amount": "0.01"},
                      headers={"Authorization": f"Bearer {token}", "Idempotency-Key": secrets.token_hex(12)})


def py_spy_profile(url: str, clients: int, seconds: float, server: str, keep: str = "") -> None:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    settings = make_settings(url)
    engine = make_engine(settings)
    customers = [create_customer(engine, settings, f"剖析{i}", {"demand": 10_000_000_00}, {"王小明": 365})
                 for i in range(clients * 4)]
    engine.dispose()
    jobs = [(c.token, c.accounts["demand"], c.payees["王小明"]) for c in customers]
    port = free_port()
    env = os.environ | {"ANXIN_DATABASE_URL": url, "ANXIN_TOKEN_SECRET": TEST_SECRET,
                        "ANXIN_DAILY_LIMIT_FEN": str(10**15), "ANXIN_DB_POOL_SIZE": str(clients + 2),
                        "PYTHONDONTWRITEBYTECODE": "1"} | {f"ANXIN_{k.upper()}": str(v) for k, v in FAST_HASHING.items()}
    if server == "granian":
        cmd = [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
               "--workers", "1", "--log-level", "warning", "--no-ws", "backend.main:app"]
    else:
        cmd = [sys.executable, "-m", "uvicorn", "backend.main:app", "--host", "127.0.0.1", "--port", str(port),
               "--no-access-log", "--log-level", "warning", "--no-proxy-headers"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    raw = Path(tempfile.mkstemp(prefix="anxin-pyspy-", suffix=".txt")[1])
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        ctx = mp.get_context("fork")
        loaders = [ctx.Process(target=_client, args=(base, jobs[n::clients], seconds + 3)) for n in range(clients)]
        for p in loaders:
            p.start()
        time.sleep(1.5)
        subprocess.run([py_spy, "record", "--pid", str(proc.pid), "--duration", str(int(seconds)), "--rate", "200",
                        "--format", "raw", "--output", str(raw), "--gil", "--subprocesses"],
                       check=True, capture_output=True)
        for p in loaders:
            p.join()
        _summarise(raw)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        if keep:
            shutil.copy(raw, keep)
        raw.unlink(missing_ok=True)


def _summarise(raw: Path) -> None:
    """py-spy's raw format: one collapsed stack per line, `frame;frame;... count`, root first."""
    layers: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for frame in {f.rsplit(":", 1)[0] + ")" for f in frames if any(p in f for p in INCLUSIVE)}:
            inclusive[frame] += count
        leaf = frames[-1]
        own[leaf] += count
        filename = leaf[leaf.find("(") + 1:leaf.rfind(")")] if "(" in leaf else leaf
        layers[_layer(filename)] += count
    print(f"py-spy: {total} samples of the thread holding the GIL (Python CPU), share by the layer of the innermost frame:")
    for name, n in layers.most_common():
        print(f"  {n / total:6.1%}  {name}")
    print("top functions by own samples:")
    for name, n in own.most_common(25):
        print(f"  {n / total:6.1%}  {name[:150]}")
    print("Anxin functions by inclusive samples (everything they call):")
    for name, n in inclusive.most_common(30):
        print(f"  {n / total:6.1%}  {name[:150]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn")
    parser.add_argument("--no-py-spy", action="store_true")
    parser.add_argument("--raw", default="", help="keep py-spy's collapsed stacks in this file")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with running_postgres(durable=True) as pg:
        url = pg.create_database("profile")
        run_migrations(url)
        count_round_trips(pg, url)
        if not args.no_py_spy:
            py_spy_profile(url, args.clients, args.duration, args.server, args.raw)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
