"""One production-profile cluster for the whole cluster suite (starting two Rasa servers takes a while).

The suite's sign-in limits are lowered (ANXIN_LOGIN_LIMIT_*) so the rate-limit tests stay short; every other
test signs in from its own simulated client address (X-Forwarded-For), as real customers would.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from cluster.launch import Cluster, running_cluster
from rules.secrets import generate_all
from tests.support.stack import MODEL

PER_PHONE = 8
PER_ADDRESS = 20


# Package scope: the cluster (two Rasa servers among others) stops when this suite ends, not with the session.
@pytest.fixture(scope="package")
def cluster() -> Iterator[Cluster]:
    # Without a model the banking-tier tests still run; the dialogue ones fail through `rasa_cluster`.
    with running_cluster(
        instances=2,
        assistant=MODEL.exists(),
        ANXIN_LOGIN_LIMIT_PER_PHONE=f"{PER_PHONE}/300",
        ANXIN_LOGIN_LIMIT_PER_ADDRESS=f"{PER_ADDRESS}/300",
        # No wait after the 3rd wrong PIN (services/auth.py; tested in tests/backend/test_signin_abuse.py): the
        # lock-out test here tries five wrong PINs in a row against both instances.
        ANXIN_PIN_COOLDOWN_SECONDS="0",
        # The production profile has no demo mode: it refuses to start without real secrets (fresh ones here).
        **generate_all(),
    ) as c:
        yield c


@pytest.fixture
def rasa_cluster(cluster: Cluster) -> Cluster:
    if not cluster.assistant:
        raise RuntimeError(f"No trained model at {MODEL}: run `make model` (make test does it first).")
    return cluster
