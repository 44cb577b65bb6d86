"""Speech synthesis latency: typical replies per engine (first time, cold cache) and the cache hit.

Goals: a typical 30-character reply synthesised offline (MP3 and phone WAV) under 300 ms (median);
a cache hit (what `audio_url` costs for a reply said before) under 10 ms. Exit status 1 when a goal is
missed. gTTS is only tried once: offline it is reported as unavailable (this machine reaches no Google).

    .venv/bin/python bench/bench_tts.py [--rounds 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL_SYNTH_MS = 300.0
GOAL_HIT_MS = 10.0
TYPICAL = [  # about 30 characters each, as the assistant answers
    "您的活期账户余额是12,000.00元。还需要办别的吗？",
    "要给儿子王小明转500元吗？请说是或者否，也可以按1或2。",
    "好的，转账已经完成。王小明会马上收到这笔钱。",
    "一年定期的年利率是百分之一点一。您想存多少钱？",
    "为了您的资金安全，请不要把验证码告诉任何人，包括银行。",
]


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _median_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="fresh caches per reply (cold syntheses)")
    args = parser.parse_args()

    from gateway.routes.audio import audio_url
    from voice.engines import GttsEngine, SpeechError
    from voice.prosody import build_plan
    from voice.speaker import reset_speaker

    ok = True
    print(f"{'engine':<12}{'format':<8}{'median ms':>10}{'p95 ms':>9}{'audio s':>9}{'chars':>7}  (n)")
    hits: list[float] = []
    for fmt in ("mp3", "wav"):
        cold: list[float] = []
        audio_s: list[float] = []
        chars: list[int] = []
        for r in range(args.rounds):
            with tempfile.TemporaryDirectory() as tmp:
                os.environ["ANXIN_AUDIO_DIR"] = tmp
                os.environ["ANXIN_TTS_ENGINE"] = "offline"
                reset_speaker()
                audio_url("预热", None, 1.0, fmt)  # load the library once, as a running gateway has
                for text in TYPICAL:
                    t0 = time.perf_counter()
                    url = audio_url(text, None, 1.0, fmt)
                    cold.append(_ms(time.perf_counter() - t0))
                    if url is None:
                        print(f"offline engine failed for {text!r}")
                        return 1
                    if r == 0:
                        import soundfile

                        audio_s.append(soundfile.info(str(Path(tmp) / url.rsplit("/", 1)[1])).duration)
                        chars.append(build_plan(text).chars)
                    for _ in range(20):
                        t0 = time.perf_counter()
                        audio_url(text, None, 1.0, fmt)
                        hits.append(_ms(time.perf_counter() - t0))
        med, p95 = _median_p95(cold)
        print(f"{'espeak-ng':<12}{fmt:<8}{med:>10.1f}{p95:>9.1f}{statistics.mean(audio_s):>9.2f}"
              f"{statistics.mean(chars):>7.1f}  ({len(cold)})")
        if fmt == "mp3":
            pace = sum(chars) / sum(audio_s) * 60
            print(f"{'':<12}pace heard: {pace:.0f} characters a minute, pauses included (guide: 160-200)")
        if med > GOAL_SYNTH_MS:
            ok = False
            print(f"  GOAL MISSED: median {med:.1f} ms > {GOAL_SYNTH_MS:.0f} ms")

    t0 = time.perf_counter()
    try:
        GttsEngine(timeout_s=2.0).render(build_plan(TYPICAL[0]), 1.0)
        print(f"{'gtts':<12}{'mp3':<8}{_ms(time.perf_counter() - t0):>10.1f}   (one request; online)")
    except SpeechError as exc:
        print(f"{'gtts':<12}{'-':<8}{'unavailable':>10}   ({exc}; failed in {_ms(time.perf_counter() - t0):.0f} ms)")

    med, p95 = _median_p95(hits)
    print(f"{'cache hit':<12}{'both':<8}{med:>10.3f}{p95:>9.3f}{'':>9}{'':>7}  ({len(hits)})")
    if p95 > GOAL_HIT_MS:
        ok = False
        print(f"  GOAL MISSED: cache hit p95 {p95:.3f} ms > {GOAL_HIT_MS:.0f} ms")
    print(f"goals: synthesis median < {GOAL_SYNTH_MS:.0f} ms, cache hit p95 < {GOAL_HIT_MS:.0f} ms: "
          f"{'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
