"""Schemathesis over /openapi.json: whatever it sends, the backend never answers 5xx, and every error has the
{code, message} body. Bounded (a few examples per operation) to keep the suite fast."""
from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import DataGenerationMethod
from sqlalchemy import Engine

from backend.core.config import Settings
from tests.backend.factories import create_customer, create_staff

EXAMPLES_PER_OPERATION = 15
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def api_schema(client: TestClient):  # type: ignore[no-untyped-def]
    # FastAPI writes OpenAPI 3.1; schemathesis 3 reads it in its 3.0 mode, which covers what the API uses.
    return schemathesis.from_asgi(
        "/openapi.json", client.app, force_schema_version="30",
        data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
    )


schema = schemathesis.from_pytest_fixture("api_schema")


@pytest.fixture(scope="module")
def tokens(engine: Engine, settings: Settings) -> dict[str, str]:
    customer = create_customer(engine, settings, "模糊测试", {"demand": 1_000_000_00, "pension": 10_00},
                               {"王小明": 365, "新朋友": 0})
    return {"customer": customer.token, "staff": create_staff(engine, settings).token}


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, tokens: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    role = "staff" if case.path.startswith("/api/v1/staff") else "customer"
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {tokens[role]}"}
    response = case.call_asgi()
    assert response.status_code < 500, (case.method, case.path, response.text)
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"code", "message"}, body
        assert body["code"] and body["message"]
