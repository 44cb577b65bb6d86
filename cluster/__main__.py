"""`python -m cluster` (scripts/run-cluster.sh, `make run-cluster`): the production profile on this machine.

By default the whole HA profile (issue 13): PostgreSQL under Patroni (3 nodes, 3 etcd, HAProxy), Redis with
Sentinel, RabbitMQ for the event stream, all rendered from deploy/ into var/cluster/. Ctrl-C stops every
process it started and removes var/cluster (unless --keep).
"""
from __future__ import annotations

import argparse
import signal
import sys
import time

from cluster.launch import running_cluster
from cluster.services import ROOT
from rules.secrets import SecretError


def main() -> int:
    parser = argparse.ArgumentParser(description="Run Anxin's production profile on one machine.")
    parser.add_argument("--instances", type=int, default=2, help="instances of every service (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="public port of the load balancer (default 8080)")
    parser.add_argument("--no-assistant", action="store_true", help="backend and gateway only (no Rasa)")
    parser.add_argument("--keep", action="store_true", help="keep var/cluster (logs, databases) after stopping")
    parser.add_argument("--single-postgres", action="store_true",
                        help="one PostgreSQL instead of Patroni's three (the comparison)")
    parser.add_argument("--single-redis", action="store_true", help="one Redis instead of Sentinel's")
    parser.add_argument("--no-events", action="store_true", help="no RabbitMQ event stream")
    args = parser.parse_args()
    # SIGTERM (honcho, systemd, docker stop) shuts down as cleanly as Ctrl-C; SIGINT too when started from a
    # non-interactive shell in the background, which would otherwise hand it down ignored.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    database = "PostgreSQL" if args.single_postgres else "Patroni (3 x PostgreSQL, 3 x etcd, HAProxy)"
    print(f"Starting {database}, Redis, nginx and {args.instances} instance(s) of every service ...", flush=True)
    try:
        with running_cluster(args.instances, assistant=not args.no_assistant, public_port=args.port,
                             keep=args.keep, ha_postgres=not args.single_postgres,
                             sentinel=not args.single_redis, events=not args.no_events,
                             workdir=ROOT / "var" / "cluster") as cluster:
            print(f"""
  安心 Anxin cluster is up ({args.instances} x backend, actions, rasa, gateway).

  Entry point (load balancer -> gateways)  {cluster.entry_url}/
  Backend tier (internal)                  {cluster.url('backend')}/docs
  PostgreSQL                               {cluster.pg.url_for_display("anxin")}
  Redis                                    {getattr(cluster.redis, "url_for_display", cluster.redis.url)}
  Logs and data                            {cluster.workdir}

  Stop: Ctrl-C.
""", flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        print("Stopping ...", flush=True)
    except SecretError as exc:  # raised before anything was started
        print(f"make run-cluster: refusing to start: {exc}. Set each as a random value of at least 32 "
              "characters in the environment or .env (README, Security).", file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
