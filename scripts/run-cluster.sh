#!/usr/bin/env bash
# `make run-cluster`: Anxin's production profile on one machine (real PostgreSQL and Redis on loopback,
# 2 instances of backend, rasa, actions and gateway, nginx in front). See docs/scale-out.md.
# Extra arguments go to `python -m cluster` (--instances N, --port P, --keep, --no-assistant).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1 TF_CPP_MIN_LOG_LEVEL=2
exec .venv/bin/python -m cluster "$@"
