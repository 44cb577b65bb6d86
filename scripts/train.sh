#!/usr/bin/env bash
# Trains Anxin's Rasa model into assistant/models/anxin.tar.gz, only when something it is built from
# changed: the spaCy phrase pipeline is rebuilt when nlu_data/entity_patterns.jsonl changed, and the model
# when the training data, config, domain, components or the money parser changed (a fingerprint file next
# to the model records what it was trained from). Called by `make model`; works from a clean clone.
#   scripts/train.sh           train if needed
#   scripts/train.sh --force   train anyway
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv-rasa/bin/python
RASA=.venv-rasa/bin/rasa
SPACY_DIR=var/spacy/anxin_zh
MODEL_DIR=assistant/models
MODEL=$MODEL_DIR/anxin.tar.gz
STAMP=$MODEL_DIR/anxin.fingerprint
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore PYTHONDONTWRITEBYTECODE=1

if [ ! -x "$RASA" ]; then
  echo "train.sh: $RASA is missing; run 'make venvs' first." >&2
  exit 1
fi

"$PY" -m assistant.components.spacy_pipeline --patterns nlu_data/entity_patterns.jsonl --out "$SPACY_DIR" --if-changed

inputs() {
  find assistant/config.yml assistant/domain.yml assistant/data assistant/components nlu_data money \
    -type f \( -name '*.py' -o -name '*.yml' -o -name '*.yaml' -o -name '*.txt' -o -name '*.jsonl' \) \
    -not -path '*/__pycache__/*' | LC_ALL=C sort
}
fingerprint=$(inputs | xargs sha256sum | sha256sum | cut -d' ' -f1)

if [ "${1:-}" != "--force" ] && [ -f "$MODEL" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$fingerprint" ]; then
  echo "Rasa model $MODEL is up to date."
  exit 0
fi

mkdir -p "$MODEL_DIR"
echo "Training the Rasa model (data, config or components changed) ..."
# --force: Rasa's own cache does not know when the spaCy pipeline or the jieba dictionary changed.
"$RASA" train --force \
  --config assistant/config.yml --domain assistant/domain.yml \
  --data assistant/data nlu_data \
  --out "$MODEL_DIR" --fixed-model-name anxin
echo "$fingerprint" > "$STAMP"
echo "Model written to $MODEL"
