"""Anxin's Rasa launcher hands Rasa its token so that Rasa's own argument parser reads it back unchanged."""
from __future__ import annotations

import pytest
from rasa.__main__ import create_argument_parser

from actions.rasa_server import rasa_argv


# Tokens are URL-safe base64: 1 in 64 begins with "-", which argparse took for a flag and Rasa refused to start.
@pytest.mark.parametrize("token", ["-Ab3_xYz" * 5, "--" + "k" * 38, "Zm9vYmFy" * 5])
def test_rasa_reads_back_the_token_exactly(token):
    argv = rasa_argv(token, "127.0.0.1", ["--port", "5005"])
    parsed = create_argument_parser().parse_args(argv[1:])
    assert parsed.auth_token == token
    assert parsed.interface == "127.0.0.1" and parsed.enable_api is True and parsed.port == 5005


@pytest.mark.parametrize("rest", [["--auth-token", "x"], ["--auth-token=x"], ["-i", "0.0.0.0"],
                                  ["--interface=0.0.0.0"], ["--enable-api"]])
def test_what_the_launcher_sets_cannot_be_passed_again(rest):
    with pytest.raises(SystemExit):
        rasa_argv("t" * 40, "127.0.0.1", rest)
