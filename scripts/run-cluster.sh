#!/usr/bin/env bash
# `make run-cluster`: Anxin's production profile on one machine, on loopback, from the files under deploy/
# rendered into var/cluster/: PostgreSQL 15 x 3 under Patroni (etcd x 3, HAProxy to the primary, synchronous
# replication), Redis with Sentinel, RabbitMQ for the event stream, 2 instances of backend, rasa, actions and
# gateway, nginx in front. It refuses to start without real secrets (rules/secrets.py). See README, "High
# availability", and docs/scale-out.md. Extra arguments go to `python -m cluster` (--instances N, --port P,
# --keep, --no-assistant, --single-postgres, --single-redis, --no-events).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1 TF_CPP_MIN_LOG_LEVEL=2
exec .venv/bin/python -m cluster "$@"
