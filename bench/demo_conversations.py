"""The README's conversation table, played for real: starts the stack (as the tests do: backend, actions, Rasa,
gateway on free ports, a throwaway database seeded with the demo customers) and prints, as Markdown rows, what
Anxin answers to each thing a demo customer says.

    .venv/bin/python bench/demo_conversations.py

The replies are whatever the current model and actions say, so the table in the README is a measurement.
"""
from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.fraud_eval import WebChat  # noqa: E402

# (customer phone, PIN, what she says, one conversation per list)
CONVERSATIONS: list[tuple[str, str, list[str]]] = [
    ("13800000001", "135790", ["俺卡里还剩多少钱", "给儿子转500块", "是"]),
    ("13800000001", "135790", ["我想存一年定期", "一万", "到期转活期", "是"]),
    ("13800000001", "135790", ["给女儿转两百", "我卡里还有多少钱", "是"]),
    ("13800000001", "135790", ["查一下余额，然后给儿子转三百", "是"]),
    ("13800000001", "135790", ["交电费", "是"]),
    ("13800000001", "135790", ["给老伴手机充一百块话费", "是"]),
    ("13800000001", "135790", ["给《活着》这本书打五颗星"]),
    ("13800000002", "246802", ["我的退休金打过来没有"]),
    # A payee saved 10 days ago (the seed's 外甥 周强): the money arrives the next day and can be taken back.
    ("13800000001", "135790", ["给外甥转一百", "是", "刚才那笔撤回", "是"]),
    # Last: the stop puts 张桂兰 under the 24-hour cooling-off, which would hold every transfer after it.
    ("13800000001", "135790", ["给儿子转十块", "电话里的民警叫我别跟孩子们讲，把钱交给他们保管", "是"]),
]


def _cell(text: str) -> str:
    return text.replace("\n", "").replace("|", "/")


def main() -> int:
    from tests.support.stack import running_stack

    env = {name: secrets.token_urlsafe(32)
           for name in ("ANXIN_TOKEN_SECRET", "ANXIN_TWILIO_AUTH_TOKEN", "ANXIN_RASA_TOKEN", "ANXIN_ACTIONS_SECRET")}
    env |= {"ANXIN_LOGIN_LIMIT_PER_ADDRESS": "1000/60", "ANXIN_LOGIN_LIMIT_PER_PHONE": "1000/60"}
    with running_stack(**env) as stack:
        # This month's pension for 李大山, as `make run` posts it.
        subprocess.run([sys.executable, "-m", "backend.jobs", "payroll", "--monthly"], cwd=ROOT, check=True,
                       env={**stack.env, "ANXIN_DATABASE_URL": stack.db_url}, capture_output=True)
        print("| she says | Anxin answers (and reads aloud) |\n|---|---|")
        for phone, pin, lines in CONVERSATIONS:
            with WebChat(stack.gateway_url) as chat:
                chat.login(phone, pin)
                for line in lines:
                    turn = chat.say(line)
                    answer = " ".join(_cell(t) for t in turn.texts if t)
                    buttons = [b.get("title") for r in turn.replies for b in (r.get("buttons") or [])
                               if isinstance(b, dict)]
                    shown = answer + (" " + " ".join(f"[{b}]" for b in buttons) if buttons else "")
                    print(f"| {_cell(line)} | {shown} |")
            print("| | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
