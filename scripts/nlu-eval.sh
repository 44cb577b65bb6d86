#!/usr/bin/env bash
# Evaluates the trained assistant model on the held-out NLU set (tests/nlu/heldout.yml).
#   scripts/nlu-eval.sh [MODEL]     (default assistant/models/anxin.tar.gz, or $ANXIN_NLU_MODEL;
#                                    results in results/nlu, or $ANXIN_NLU_OUT)
# 1. `rasa test nlu` writes results/nlu/ (intent_report.json, intent_confusion_matrix.png, errors);
# 2. bench/nlu_eval.py parses every message again through the whole model, fallback included, and
#    prints per-intent precision/recall, accuracy, out-of-scope catch rate and the dangerous confusions.
# Exits non-zero when a goal is missed: >= 95% intent accuracy (nlu_fallback on an in-scope message
# is an error), >= 90% out-of-scope caught (out_of_scope or nlu_fallback), and no out-of-scope message
# classified as transfer_money or open_time_deposit.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1 TF_CPP_MIN_LOG_LEVEL=3
# Custom components of the assistant are importable whichever way config.yml names them.
export PYTHONPATH="$PWD:$PWD/assistant${PYTHONPATH:+:$PYTHONPATH}"

MODEL="${1:-${ANXIN_NLU_MODEL:-assistant/models/anxin.tar.gz}}"
TEST=tests/nlu/heldout.yml
OUT="${ANXIN_NLU_OUT:-results/nlu}"
RASA=.venv-rasa/bin/rasa
PY=.venv-rasa/bin/python

if [ ! -f "$MODEL" ]; then
  echo "nlu-eval: no trained model at $MODEL (run scripts/train.sh or make model first)" >&2
  exit 2
fi
rm -rf "$OUT"
mkdir -p "$OUT"
echo "nlu-eval: rasa test nlu --nlu $TEST --model $MODEL --out $OUT"
if ! "$RASA" test nlu --nlu "$TEST" --model "$MODEL" --out "$OUT" --successes >"$OUT/rasa-test.log" 2>&1; then
  tail -n 30 "$OUT/rasa-test.log" >&2
  echo "nlu-eval: rasa test nlu failed (log: $OUT/rasa-test.log)" >&2
  exit 2
fi
# The driver's stderr is mostly library warnings: kept in a log, shown only when the driver crashes.
export PYTHONWARNINGS=ignore SQLALCHEMY_SILENCE_UBER_WARNING=1
rc=0
"$PY" bench/nlu_eval.py --model "$MODEL" --test "$TEST" --out "$OUT" 2>"$OUT/driver.log" || rc=$?
if [ "$rc" -gt 1 ]; then
  tail -n 30 "$OUT/driver.log" >&2
  echo "nlu-eval: bench/nlu_eval.py crashed (log: $OUT/driver.log)" >&2
fi
exit "$rc"
