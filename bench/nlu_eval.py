"""Held-out NLU evaluation of the trained Anxin model, fallback included.

Run by scripts/nlu-eval.sh in .venv-rasa after `rasa test nlu`. `rasa test nlu` undoes the
FallbackClassifier's decision before scoring, so its intent_report.json shows the classifier
alone. This driver parses every held-out message again through the whole model, as the
running assistant would, and scores the intent the dialogue really receives:

* an in-scope message answered with `nlu_fallback` is an ERROR;
* an out-of-scope message answered with `out_of_scope` or `nlu_fallback` is CAUGHT.

Exit status 1 when a goal is missed: intent accuracy >= 95 %, out-of-scope caught >= 90 %,
no out-of-scope message classified as transfer_money or open_time_deposit.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

GOAL_ACCURACY = 0.95
GOAL_OOS_CAUGHT = 0.90
DANGEROUS = ("transfer_money", "open_time_deposit")
OOS = "out_of_scope"
FALLBACK = "nlu_fallback"
ROOT = Path(__file__).resolve().parents[1]
# The assistant's custom components (and the money package they use) import from the repository root.
for _p in (ROOT, ROOT / "assistant"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))


def load_examples(path: str) -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(path)
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


async def predict(model: str, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    agent = Agent.load(model)
    out = []
    for text in texts:
        parsed = await agent.parse_message(text)
        ranking = parsed.get("intent_ranking") or []
        out.append(
            {
                "intent": (parsed.get("intent") or {}).get("name"),
                "confidence": (parsed.get("intent") or {}).get("confidence"),
                "ranking": [(r.get("name"), round(float(r.get("confidence") or 0), 4)) for r in ranking[:3]],
            }
        )
    return out


def pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--test", default="tests/nlu/heldout.yml")
    ap.add_argument("--out", default="results/nlu")
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    examples = load_examples(args.test)
    preds = asyncio.run(predict(args.model, [t for t, _ in examples]))
    rows = [
        {"text": t, "gold": g, **p} for (t, g), p in zip(examples, preds, strict=True)
    ]
    (out / "predictions_with_fallback.json").write_text(
        json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8"
    )

    def correct(r: dict) -> bool:
        if r["gold"] == OOS:
            return r["intent"] in (OOS, FALLBACK)
        return r["intent"] == r["gold"]

    n = len(rows)
    n_ok = sum(correct(r) for r in rows)
    accuracy = n_ok / n if n else 0.0
    oos = [r for r in rows if r["gold"] == OOS]
    caught = sum(r["intent"] in (OOS, FALLBACK) for r in oos)
    oos_rate = caught / len(oos) if oos else 0.0
    dangerous = [r for r in oos if r["intent"] in DANGEROUS]
    inscope_fallback = [r for r in rows if r["gold"] != OOS and r["intent"] == FALLBACK]

    # Per-intent precision / recall of the classifier alone (rasa test nlu, fallback undone).
    report_path = out / "intent_report.json"
    print()
    print("=== Held-out NLU evaluation:", args.test, f"({n} messages)  model:", args.model)
    if report_path.exists():
        report = json.loads(report_path.read_text(encoding="utf-8"))
        print()
        print("Per intent, classifier alone (rasa test nlu; it undoes the fallback) - from", report_path)
        print(f"  {'intent':22s} {'precision':>9s} {'recall':>7s} {'f1':>6s} {'support':>7s}")
        for name in sorted(k for k, v in report.items() if isinstance(v, dict) and "support" in v
                           and k not in ("micro avg", "macro avg", "weighted avg")):
            v = report[name]
            print(f"  {name:22s} {pct(v['precision']):>9s} {pct(v['recall']):>7s} "
                  f"{pct(v['f1-score']):>6s} {v['support']:>7d}")
        if "accuracy" in report:
            print(f"  classifier accuracy (fallback undone): {pct(report['accuracy'])}")
    else:
        print("(no", report_path, "- did rasa test nlu run?)")

    # Per-intent recall with the fallback applied, as the dialogue sees it.
    by_gold: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_gold[r["gold"]].append(r)
    predicted = Counter(r["intent"] for r in rows)
    print()
    print("Per intent, whole model WITH the fallback (what the dialogue receives):")
    print(f"  {'intent':22s} {'recall':>7s} {'precision':>9s} {'fallback':>8s}")
    for name in sorted(by_gold):
        rs = by_gold[name]
        rec = sum(correct(r) for r in rs) / len(rs)
        tp = sum(1 for r in rows if r["intent"] == name and r["gold"] == name)
        prec = tp / predicted[name] if predicted[name] else 0.0
        fb = sum(r["intent"] == FALLBACK for r in rs)
        print(f"  {name:22s} {pct(rec):>7s} {pct(prec):>9s} {fb:>8d}")

    print()
    print("Errors (gold -> predicted, confidence, top-3):")
    for r in rows:
        if not correct(r):
            print(f"  [{r['gold']} -> {r['intent']} {r['confidence']:.2f}] {r['text']}   {r['ranking']}")

    print()
    print(f"Intent accuracy with fallback: {pct(accuracy)} ({n_ok}/{n}); "
          f"nlu_fallback on an in-scope message counts as an error ({len(inscope_fallback)} such)")
    print(f"Out-of-scope caught (out_of_scope or nlu_fallback): {pct(oos_rate)} ({caught}/{len(oos)})")
    print(f"Out-of-scope classified as transfer_money/open_time_deposit: {len(dangerous)}"
          + "".join(f"\n    {r['intent']}: {r['text']}" for r in dangerous))
    matrix = out / "intent_confusion_matrix.png"
    print(f"Confusion matrix (classifier alone): {matrix if matrix.exists() else '(not rendered)'}")
    print(f"Per-message predictions with fallback: {out / 'predictions_with_fallback.json'}")

    failures = []
    if accuracy < GOAL_ACCURACY:
        failures.append(f"intent accuracy {pct(accuracy)} < {pct(GOAL_ACCURACY)}")
    if oos_rate < GOAL_OOS_CAUGHT:
        failures.append(f"out-of-scope caught {pct(oos_rate)} < {pct(GOAL_OOS_CAUGHT)}")
    if dangerous:
        failures.append(f"{len(dangerous)} out-of-scope message(s) taken as transfer_money/open_time_deposit")
    print()
    if failures:
        print("NLU GOALS MISSED: " + "; ".join(failures))
        return 1
    print("NLU goals met (accuracy >= 95%, out-of-scope caught >= 90%, none taken as a money movement)")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
