"""Schemathesis against /api/v1/openapi.json: every operation, as admin and as a tenant
owner, on PostgreSQL (where out-of-range ids and NUL bytes used to be 500s).

No answer may be a 5xx, and every answer must be one the document lists, in its
content type and schema. `FUZZ_EXAMPLES` bounds the examples per operation and role
(CI keeps it small; raise it for a deeper run).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import Factory, bearer
from tests.fuzz.conftest import COUNTS, OPERATIONS
from tests.payments.helpers import CONFIG as PAYMENTS
from tests.payments.helpers import FakeGateway
from tests.telephony import CONFIG as TELEPHONY

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def app_config() -> dict:
    # SMS configured too (a platform sender): sending itself is a background job, which
    # tests run by hand, so no message leaves; unconfigured SMS answers a deliberate 503.
    return {**TELEPHONY, **PAYMENTS, "TWILIO_SMS_FROM": "+14155550100"}


@pytest.fixture
def fuzz_world(pg_app, clock):
    """An admin, a funded tenant with a seat and lists, another tenant; their tokens."""
    pg_app.extensions["stripe_gateway"] = FakeGateway()
    factory = Factory(pg_app, clock)
    tenant = factory.tenant(balance="100.00")
    factory.tenant()
    admin = factory.admin_token()
    owner = factory.token(tenant.owner_email)
    client = pg_app.test_client()
    client.post(f"/api/v1/tenants/{tenant.id}/seats", json={"count": 1},
                headers=bearer(admin))
    client.post(f"/api/v1/tenants/{tenant.id}/consents", headers=bearer(owner),
                json={"numbers": ["+442079460000"], "source": "web"})
    return {"admin": admin, "owner": owner}


@pytest.fixture
def api_schema(pg_app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", pg_app)


schema = schemathesis.pytest.from_fixture("api_schema")


FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


def _call(case, role: str, token: str) -> None:
    OPERATIONS.add((role, case.operation.label))
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    COUNTS["requests"] += 1
    COUNTS[str(response.status_code)] += 1
    if response.status_code >= 500:
        COUNTS["5xx"] += 1
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_as_admin_no_5xx_and_no_undocumented_answer(case, fuzz_world):
    _call(case, "admin", fuzz_world["admin"])


@schema.parametrize()
@FUZZ
def test_as_owner_no_5xx_and_no_undocumented_answer(case, fuzz_world):
    _call(case, "owner", fuzz_world["owner"])
