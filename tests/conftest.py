"""Fixtures shared across the suites. Each suite keeps its own conftest for what only it needs.

The stack helpers are imported inside the fixtures: this file is also loaded by the suites that run in
.venv-rasa (python3.10), which has neither httpx nor the gateway's dependencies.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.support.stack import Stack


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The whole assistant (backend, action server, Rasa, gateway) on free ports, with the demo data."""
    from tests.support.stack import running_stack

    with running_stack() as s:
        yield s


@pytest.fixture(scope="session")
def stack_without_assistant() -> Iterator[Stack]:
    """Backend and gateway only, for tests that fake or do not need the dialogue engine."""
    from tests.support.stack import running_stack

    with running_stack(assistant=False) as s:
        yield s
