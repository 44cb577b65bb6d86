"""Failover benchmark (issue 13): the HA database tier beside a single PostgreSQL, in the same run.

    nice -n 10 .venv/bin/python -m bench.bench_failover [--kills 10] [--throughput-s 30] [--payers 6]

For each profile (HA: HAProxy -> Patroni primary of 3 x PostgreSQL 15 with synchronous replication, 3 x etcd;
single: one PostgreSQL, fsync on) it starts the cluster (one instance of every service, the assistant
included), then

1. throughput: `--payers` customers move 1.00 yuan back to back for `--throughput-s` seconds (no faults);
   transfers acknowledged per second;
2. kills: during transfer and conversation traffic, `--kills` times SIGKILL the primary's PostgreSQL and its
   Patroni (HA: a standby is promoted, the killed node rejoins) or the one PostgreSQL (single: restarted at
   once, as systemd's Restart=always would); RTO = kill -> first transfer committed after it;
3. checks every acknowledged transfer is in the ledger once and the books balance (tests/cluster/drills.py),
   and scans every log for tokens, PINs and account numbers (tests/security/log_scan.py).

Prints a table and writes var/drills/failover.json. A single PostgreSQL's RTO is a restart on the same disk:
it says nothing about losing the machine, which only the HA profile survives.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load.run import scan_cluster_logs  # noqa: E402
from cluster.launch import Cluster, running_cluster  # noqa: E402
from cluster.patroni import PostgresHA  # noqa: E402
from rules.secrets import generate_all  # noqa: E402
from tests.cluster import drills  # noqa: E402
from tests.cluster.helpers import CREATED  # noqa: E402
from tests.support.stack import MODEL  # noqa: E402

OUT = ROOT / "var" / "drills" / "failover.json"
BETWEEN_KILLS = 40  # transfers acknowledged between two kills


def throughput(cluster: Cluster, payers: int, seconds: float) -> dict[str, Any]:
    traffic = drills.Traffic(cluster, payers=payers, chatters=0).start()
    try:
        start = time.monotonic()
        before = len(traffic.acks)
        time.sleep(seconds)
        done = len(traffic.acks) - before
        elapsed = time.monotonic() - start
    finally:
        traffic.stop()
    latencies = sorted(a.acked_at - a.last_try_at for _, a in traffic.acks)
    return {"transfers_per_s": round(done / elapsed, 1), "p50_ms": round(1000 * latencies[len(latencies) // 2]),
            "p95_ms": round(1000 * latencies[int(len(latencies) * 0.95)]), "payers": payers,
            "pgbench_tps": pgbench(cluster, seconds / 2)}


def pgbench(cluster: Cluster, seconds: float) -> float:
    """The database tier alone: pgbench's simple-update transactions (4 clients), through HAProxy in the HA
    profile, so the cost of a synchronous commit shows without the services' CPU in the way."""
    cluster.pg.create_database("pgbench")
    cluster.pg.run_tool("pgbench", "-i", "-q", "-s", "2", "pgbench")
    out = cluster.pg.run_tool("pgbench", "-N", "-c", "4", "-j", "2", "-T", str(int(seconds)), "pgbench").stdout
    line = next(x for x in out.splitlines() if x.startswith("tps"))
    return round(float(line.split("=")[1].split()[0]), 1)


def kill_single(cluster: Cluster, traffic: drills.Traffic) -> dict[str, Any]:
    """SIGKILL the one PostgreSQL (its whole process group) and start it again on the same data."""
    pg = cluster.pg
    os.killpg(pg.proc.pid, signal.SIGKILL)  # type: ignore[union-attr]
    killed_at = time.monotonic()
    pg.proc.wait(timeout=15)  # type: ignore[union-attr]
    pg.start()  # type: ignore[union-attr]
    return {"rto_s": round(traffic.first_ack_sent_after(killed_at), 2)}


def profile(ha: bool, kills: int, payers: int, seconds: float) -> dict[str, Any]:
    name = "ha" if ha else "single"
    print(f"[{name}] starting the cluster ...", flush=True)
    with running_cluster(instances=1, assistant=MODEL.exists(), ha_postgres=ha, **generate_all()) as cluster:
        print(f"[{name}] throughput for {seconds:.0f} s ...", flush=True)
        figures: dict[str, Any] = {"throughput": throughput(cluster, payers, seconds)}
        traffic = drills.Traffic(cluster, payers=3, chatters=2).start()
        rtos: list[float] = []
        try:
            for i in range(kills):
                kill = drills.drill_kill_primary if isinstance(cluster.pg, PostgresHA) else kill_single
                rtos.append(kill(cluster, traffic)["rto_s"])
                print(f"[{name}] kill {i + 1}/{kills}: RTO {rtos[-1]:.1f} s", flush=True)
                # The same stretch of normal traffic after each recovery in both profiles.
                traffic.wait_for_acks(BETWEEN_KILLS, after=time.monotonic())
        finally:
            traffic.stop()
        figures["rto_s"] = drills.summary(rtos)
        figures["rto_all_s"] = rtos
        figures |= drills.verify(cluster, traffic)
        leaks = scan_cluster_logs(cluster, [c.pin for c in CREATED])
        figures["log_leaks"] = leaks
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--throughput-s", type=float, default=30)
    parser.add_argument("--payers", type=int, default=6)
    args = parser.parse_args()
    started = time.monotonic()
    results = {name: profile(name == "ha", args.kills, args.payers, args.throughput_s) for name in ("ha", "single")}
    results["ha_vs_single_throughput"] = round(
        results["ha"]["throughput"]["transfers_per_s"] / results["single"]["throughput"]["transfers_per_s"], 2)
    results["ha_vs_single_pgbench"] = round(
        results["ha"]["throughput"]["pgbench_tps"] / results["single"]["throughput"]["pgbench_tps"], 2)
    results["elapsed_s"] = round(time.monotonic() - started)
    results["load_average"] = os.getloadavg()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print()
    print("| profile | transfers/s (p50, p95 ms) | pgbench tps | RTO min / median / p99 / max (s), kills | acknowledged / found "
          "| conversations completed / held | failed turns | log scan |")
    print("|---|---|---|---|---|---|---|---|")
    for name in ("ha", "single"):
        r = results[name]
        t, rto = r["throughput"], r["rto_s"]
        print(f"| {name} | {t['transfers_per_s']} ({t['p50_ms']}, {t['p95_ms']}) | {t['pgbench_tps']} | {rto['min']:.1f} / "
              f"{rto['median']:.1f} / {rto['p99']:.1f} / {rto['max']:.1f}, {rto['n']} | {r['acknowledged']} / "
              f"{r['found']} | {r['conversations_completed']} / {r['conversations']} | {r['turns_failed']} | "
              f"{'clean' if not r['log_leaks'] else r['log_leaks']} |")
    print(f"\nHA relative to single PostgreSQL: transfers {results['ha_vs_single_throughput']}x, "
          f"pgbench {results['ha_vs_single_pgbench']}x; "
          f"{results['elapsed_s']} s; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if not results["ha"]["log_leaks"] and not results["single"]["log_leaks"] else 1


if __name__ == "__main__":
    sys.exit(main())
