"""Fixtures shared across the suites. Each suite keeps its own conftest for what only it needs."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import Stack, running_stack


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The whole assistant (backend, action server, Rasa, gateway) on free ports, with the demo data."""
    with running_stack() as s:
        yield s


@pytest.fixture(scope="session")
def stack_without_assistant() -> Iterator[Stack]:
    """Backend and gateway only, for tests that fake or do not need the dialogue engine."""
    with running_stack(assistant=False) as s:
        yield s
