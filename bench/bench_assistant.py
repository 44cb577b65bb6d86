"""Anxin's dialogue engine: model load time, NLU parse latency, and whole-turn latency under load.

    .venv/bin/python bench/bench_assistant.py
    .venv/bin/python bench/bench_assistant.py --model /tmp/diet.tar.gz --skip-turns   # compare a model
    .venv/bin/python bench/bench_assistant.py --think 0 --conversations 10             # stress only

1. Load: in a fresh .venv-rasa python, the time to import Rasa and then to load the model (Agent.load),
   three times; plus the wall time until the backend, the action server and Rasa all answer.
2. Parse: POST /model/parse with everyday sentences, at 1 and 10 concurrent clients (p50 / p95 / max).
3. Turns: conversations through the REST channel (the gateway's path) where every turn runs a custom action
   that calls the backend (balance, recent transactions, the transfer read-back), at 1, 10 and 50
   concurrent conversations, first with a think time between turns (customers read the reply), then
   back-to-back (capacity). Goals: model load < 15 s, p95 < 150 ms at 10 conversations.

Everything runs on this machine (2 cores here): the load generator, Rasa, the action server and the backend
share the CPU, so the figures are an upper bound of what each part costs.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.support import stack as stack_module  # noqa: E402

PARSE_TEXTS = [
    "查一下余额", "给儿子转500块", "俺卡里还有多少钱", "我想存一年定期", "最近的明细", "再说一遍", "说慢点",
    "转人工", "算了不转了", "定期利息多少", "给闺女打两千块钱", "你是机器人吗", "我要办信用卡", "好的谢谢",
]
# One conversation: every turn but the last runs an action that calls the backend over HTTP.
TURNS = ["查余额", "最近的明细", "给儿子转500块", "不对"]

LOAD_SNIPPET = """
import asyncio, sys, time
t0 = time.perf_counter()
from rasa.core.agent import Agent
t1 = time.perf_counter()
agent = Agent.load(sys.argv[1])
t2 = time.perf_counter()
assert agent.is_ready()
print(f"{t1 - t0:.2f} {t2 - t1:.2f}")
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def line(label: str, ms: list[float], seconds: float | None = None) -> str:
    rate = f"  {len(ms) / seconds:6.1f}/s" if seconds else ""
    return (f"  {label:<34} n={len(ms):4d}  p50 {statistics.median(ms):7.1f} ms  p95 {pct(ms, 95):7.1f} ms"
            f"  max {max(ms):7.1f} ms{rate}")


def measure_load(model: Path, runs: int) -> None:
    print(f"Model load ({model.name}), fresh .venv-rasa process each time:")
    py = ROOT / ".venv-rasa" / "bin" / "python"
    env = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    for run in range(1, runs + 1):
        out = subprocess.run([str(py), "-c", LOAD_SNIPPET, str(model)], cwd=ROOT / "assistant", env=env,
                             capture_output=True, text=True, check=True)
        imports, load = out.stdout.split()[-2:]
        print(f"  run {run}: import rasa {imports} s, Agent.load {load} s")


async def parse_latency(rasa_url: str, clients: int, requests_per_client: int,
                        token: str = "") -> tuple[list[float], float]:
    timings: list[float] = []

    async def client(index: int, http: httpx.AsyncClient) -> None:
        for i in range(requests_per_client):
            text = PARSE_TEXTS[(index + i) % len(PARSE_TEXTS)]
            start = time.perf_counter()
            resp = await http.post(f"{rasa_url}/model/parse", json={"text": text})
            timings.append((time.perf_counter() - start) * 1000)
            resp.raise_for_status()

    limits = httpx.Limits(max_connections=clients + 5)
    # /model/parse is Rasa's HTTP API: behind its token (ANXIN_RASA_TOKEN, actions/rasa_server.py).
    async with httpx.AsyncClient(timeout=60, limits=limits, params={"token": token}) as http:
        await http.post(f"{rasa_url}/model/parse", json={"text": "你好"})  # warm-up
        start = time.perf_counter()
        await asyncio.gather(*(client(i, http) for i in range(clients)))
        return timings, time.perf_counter() - start


async def turn_latency(stack: stack_module.Stack, token: str, conversations: int, rounds: int,
                       think_s: float) -> tuple[list[float], float, int]:
    timings: list[float] = []
    failures = 0

    async def conversation(http: httpx.AsyncClient) -> None:
        nonlocal failures
        for _ in range(rounds):
            sender = f"bench-{uuid.uuid4().hex}"
            for text in TURNS:
                start = time.perf_counter()
                resp = await http.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={
                    "sender": sender, "message": text, "metadata": {"token": token, "channel": "web"}})
                timings.append((time.perf_counter() - start) * 1000)
                replies = resp.json() if resp.status_code == 200 else []
                if not replies or any("连不上" in (r.get("text") or "") for r in replies):
                    failures += 1
                if think_s:
                    # A customer reads or hears the reply before answering; staggered so turns do not align.
                    await asyncio.sleep(think_s * random.uniform(0.5, 1.5))

    limits = httpx.Limits(max_connections=conversations + 5)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        start = time.perf_counter()
        await asyncio.gather(*(conversation(http) for _ in range(conversations)))
        return timings, time.perf_counter() - start, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=stack_module.MODEL)
    parser.add_argument("--load-runs", type=int, default=3)
    parser.add_argument("--parse-requests", type=int, default=200, help="per concurrency level")
    parser.add_argument("--conversations", default="1,10,50")
    parser.add_argument("--rounds", type=int, default=3, help="conversations each simulated customer has")
    parser.add_argument("--think", default="1.0,0",
                        help="seconds a customer takes before the next turn (average); 0 = back-to-back stress")
    parser.add_argument("--skip-turns", action="store_true", help="load and parse only")
    args = parser.parse_args()
    model = args.model.resolve()
    if not model.exists():
        print(f"No model at {model}: run `make model` first.", file=sys.stderr)
        return 2

    measure_load(model, args.load_runs)

    stack_module.MODEL = model
    start = time.perf_counter()
    with stack_module.running_stack(assistant=True, gateway=False) as stack:
        print(f"\nStack ready (seeded backend, action server, Rasa) in {time.perf_counter() - start:.1f} s")
        print("\nParse latency, POST /model/parse:")
        for clients in (1, 10):
            ms, seconds = asyncio.run(parse_latency(stack.rasa_url, clients, max(1, args.parse_requests // clients),
                                                   stack.rasa_token))
            print(line(f"{clients} concurrent client(s)", ms, seconds))
        if args.skip_turns:
            return 0
        login = httpx.post(f"{stack.backend_url}/api/v1/auth/login",
                           json={"phone": "13800000001", "pin": "135790"}, timeout=10)
        token = login.json()["access_token"]
        print(f"\nTurn latency, POST /webhooks/rest/webhook (turns: {' / '.join(TURNS)};"
              " each runs a custom action; all but the last call the backend):")
        for think in (float(t) for t in args.think.split(",")):
            print(f" think time {think:.1f} s between turns" + (" (back-to-back: capacity)" if not think else ""))
            for conversations in (int(c) for c in args.conversations.split(",")):
                ms, seconds, failures = asyncio.run(turn_latency(stack, token, conversations, args.rounds, think))
                print(line(f"{conversations} concurrent conversation(s)", ms, seconds)
                      + (f"  FAILED TURNS {failures}" if failures else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
