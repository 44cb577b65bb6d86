"""Anxin's production profile on one machine: real PostgreSQL and Redis, several instances of every service,
nginx in front. `python -m cluster` (scripts/run-cluster.sh) runs it; tests/cluster and bench/load reuse it."""
