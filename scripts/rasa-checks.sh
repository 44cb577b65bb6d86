#!/usr/bin/env bash
# Checks Anxin's dialogue data and model: `rasa data validate` must print no warning at all, and every
# test story in assistant/tests/ must pass `rasa test core`. Called by scripts/test.sh (make test).
set -uo pipefail
cd "$(dirname "$0")/.."
RASA=.venv-rasa/bin/rasa
MODEL=assistant/models/anxin.tar.gz
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONDONTWRITEBYTECODE=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0

echo "--- scripts/train.sh (trains only when something changed)"
if ! scripts/train.sh >"$out/train.log" 2>&1; then
  tail -30 "$out/train.log"
  exit 1
fi
tail -1 "$out/train.log"

echo "--- rasa data validate"
"$RASA" data validate --domain assistant/domain.yml --data assistant/data nlu_data --config assistant/config.yml \
  >"$out/validate.log" 2>&1
rc=$?
# Rasa's own warnings (UserWarning from rasa.*, or log lines at WARNING level); library deprecation noise
# from TensorFlow, SQLAlchemy or pkg_resources is not about our data and is left out.
warnings=$(grep -E "UserWarning|WARNING|rasa.*Warning" "$out/validate.log" \
  | grep -vE "DeprecationWarning|MovedIn20Warning|PyparsingDeprecationWarning|tensorflow|TF-TRT" || true)
if [ $rc -ne 0 ] || [ -n "$warnings" ]; then
  echo "rasa data validate: exit $rc"
  [ -n "$warnings" ] && echo "$warnings"
  [ $rc -ne 0 ] && tail -20 "$out/validate.log"
  status=1
else
  echo "rasa data validate: no warnings"
fi

echo "--- rasa test core --stories assistant/tests/"
"$RASA" test core --stories assistant/tests/ --model "$MODEL" --out "$out/results" --fail-on-prediction-errors \
  >"$out/test.log" 2>&1
rc=$?
failed="$out/results/failed_test_stories.yml"
if [ $rc -ne 0 ] || { [ -f "$failed" ] && grep -q "^- story:" "$failed"; }; then
  echo "rasa test core: FAILED (exit $rc)"
  [ -f "$failed" ] && cat "$failed"
  grep -E "ERROR|Exception" "$out/test.log" | tail -10
  status=1
else
  stories=$(cat assistant/tests/*.yml | grep -c "^- story:")
  echo "rasa test core: all $stories test stories passed"
fi
exit $status
