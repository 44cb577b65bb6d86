#!/usr/bin/env bash
# The fraud guard's held-out red-team figures, end to end through the real stack (one command).
#   scripts/fraud-eval.sh [--workers N] [--limit N] [--no-parse] [--out DIR]
# Starts backend, action server, Rasa and gateway on free ports with a throwaway SQLite database, plays
# tests/fraud/redteam_scam.tsv (opening, inside the transfer form, at the confirmation), redteam_benign.tsv and
# ood_heldout.tsv through the gateway's web API, prints per-family recall, the benign block rate, the
# out-of-domain catch rate and the goals, and writes var/fraud-eval/{results.json,failures.txt,confusion.png}.
# Exit 0 when every goal is met, 1 when one is missed, 2 when the stack could not be run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1 TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore
if [ ! -x .venv/bin/python ] || [ ! -x .venv-rasa/bin/rasa ]; then
  echo "fraud-eval: .venv and .venv-rasa are needed (make setup)" >&2
  exit 2
fi
if [ ! -f assistant/models/anxin.tar.gz ]; then
  echo "fraud-eval: no trained model at assistant/models/anxin.tar.gz (scripts/train.sh or make model)" >&2
  exit 2
fi
exec .venv/bin/python bench/fraud_eval.py "$@"
