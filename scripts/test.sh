#!/usr/bin/env bash
# Runs every test of Anxin. Called by `make test` after the setup; fails when any suite fails or runs nothing.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1 TF_CPP_MIN_LOG_LEVEL=2
status=0
step() { echo; echo "=== $*"; }
run() { "$@"; local rc=$?; if [ $rc -ne 0 ]; then echo "FAILED ($rc): $*"; status=1; fi; }

step "ruff"
run .venv/bin/ruff check .

# Suites that need rasa-sdk run in .venv-rasa (python3.10); everything else in .venv (python3.11).
# pytest's exit code 5 (no test collected) counts as a failure here.
step "pytest (.venv, python3.11)"
run .venv/bin/python -m pytest tests --ignore=tests/actions --ignore=tests/assistant -p no:cacheprovider

step "pytest (.venv-rasa, python3.10)"
run .venv-rasa/bin/python -m pytest tests/actions tests/assistant tests/money tests/rules -p no:cacheprovider

step "rasa data validate + rasa test (stories)"
run scripts/rasa-checks.sh

step "NLU evaluation on the held-out set"
run scripts/nlu-eval.sh

echo
if [ $status -ne 0 ]; then echo "make test: FAILED"; else echo "make test: all suites passed"; fi
exit $status
