#!/usr/bin/env bash
# Runs every benchmark under bench/ and prints its figures. They are slow and load the whole machine:
# run them on a quiet machine for figures worth quoting. Not part of `make test`.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1 TF_CPP_MIN_LOG_LEVEL=2
status=0
run() { echo; echo "=== $*"; "$@" || { echo "FAILED: $*"; status=1; }; }
run .venv/bin/python bench/bench_transfers.py
run .venv/bin/python bench/bench_tts.py
run bash -c "scripts/asr-env.sh && .venv/bin/python bench/bench_speech_asr.py --configs default,old-default"
run .venv/bin/python bench/bench_lighthouse.py
run .venv/bin/python bench/bench_assistant.py
run scripts/nlu-eval.sh
# Issue 14: whole conversations at 50 and 100 customers against 1 and 2 instances (one run, ~6 min), capacity
# with synthesis in the turn vs after it (~4 min), soak of 20,000 conversations on one instance (~10-20 min).
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
run .venv/bin/python -m bench.load.run --users 50,100 --duration 60
run .venv/bin/python bench/bench_capacity.py
run .venv/bin/python bench/bench_soak.py
exit $status
