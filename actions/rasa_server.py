"""The Rasa server: `python -m actions.rasa_server --port 5005 --model ... --endpoints ... --credentials ...`.

`rasa run --enable-api` without `--auth-token` lets anyone on the host read a conversation's tracker, add
events to it (change the amount after the read-back) or replace the model. This launcher:

- refuses to start without usable ANXIN_RASA_TOKEN and ANXIN_ACTIONS_SECRET outside demo mode (rules.secrets);
- runs `rasa run --enable-api --auth-token <ANXIN_RASA_TOKEN> -i 127.0.0.1` in this process, so the token is
  in no command line (`ps` shows this launcher's arguments, not the token). The HTTP API then answers 401
  without `?token=`; the REST channel webhook the gateway uses stays as it was;
- redacts every log record first (Rasa logs a failing action request at ERROR, tracker metadata included);
- leaves ANXIN_ACTIONS_SECRET in the environment, where the endpoints file's `${ANXIN_ACTIONS_SECRET}` finds it.

Every other argument goes to `rasa run` unchanged. It lives beside the action server's launcher because both
run in .venv-rasa (importing the `actions` package on the way costs well under a second).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backend.core import log_redaction  # noqa: E402  (standard library + rules only)
from rules import secrets  # noqa: E402


def rasa_argv(token: str, host: str, rest: list[str]) -> list[str]:
    for flag in ("--auth-token", "-i", "--interface", "--enable-api"):
        if any(arg == flag or arg.startswith(f"{flag}=") for arg in rest):
            raise SystemExit(f"anxin rasa: {flag} is set by this launcher, do not pass it")
    # "--flag=value": a token is URL-safe base64 and may begin with "-", which argparse would take for a flag.
    return ["rasa", "run", "--enable-api", f"--auth-token={token}", f"--interface={host}", *rest]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Anxin's Rasa server (HTTP API behind ANXIN_RASA_TOKEN)",
                                     add_help=False)
    parser.add_argument("--host", default="127.0.0.1")
    known, rest = parser.parse_known_args(argv)

    log_redaction.install()
    chosen = secrets.require("rasa")
    from actions.settings import log_startup
    from rules.settings import SettingsError, refuse

    try:
        log_startup("rasa")  # Rasa's settings (its tracker store's), once, secrets masked
    except SettingsError as exc:
        refuse("rasa", exc)
    # Rasa's usage telemetry is on by default; a bank's assistant reports nothing home unless asked to.
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    sys.argv = rasa_argv(chosen[secrets.RASA_TOKEN], known.host, rest)

    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
