"""`make shell`: chat with Anxin in the terminal as a demo customer, through the same turn as every channel.

Needs `make run` in another terminal. The PIN is read without echo and never printed.
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import uuid

from gateway.backend_client import BackendError, call
from gateway.conversation import plain_text, turn

DEMO_PHONE = "13800000001"


async def chat(phone: str, pin: str) -> None:
    try:
        login = await call("POST", "/auth/login", json={"phone": phone, "pin": pin})
    except BackendError as err:
        print(f"登录没有成功：{err.message}")
        return
    token = login["access_token"]
    sender = f"shell-{uuid.uuid4().hex[:12]}"
    print(f"您好，{login['customer']['name']}。请打字说话，输入“再见”或按 Ctrl-D 结束。按钮可以输入它的序号。")
    buttons: list[dict[str, str]] = []
    while True:
        try:
            text = input("您：").strip()
        except EOFError:
            print()
            return
        if not text:
            continue
        # A typed number picks the button with that number, as a key does on the phone.
        # Typed words are words only (never a raw "/intent{...}"): the payloads come from the buttons shown.
        message = (buttons[int(text) - 1]["payload"] if text.isdigit() and 0 < int(text) <= len(buttons)
                   else plain_text(text))
        if not message:
            continue
        buttons = []
        for reply in await turn(sender, message, token, channel="shell"):
            buttons = reply.buttons or buttons
            print(f"安心：{reply.text}")
            for i, button in enumerate(reply.buttons, start=1):
                print(f"      [{i}] {button['title']}")
        if text in {"再见", "拜拜"}:
            return


def main() -> None:
    parser = argparse.ArgumentParser(description="Chat with Anxin as a demo customer.")
    parser.add_argument("--phone", default=DEMO_PHONE, help="the customer's phone number")
    args = parser.parse_args()
    pin = getpass.getpass("请输入六位密码（演示客户张桂兰：135790）：")
    asyncio.run(chat(args.phone, pin))


if __name__ == "__main__":
    main()
