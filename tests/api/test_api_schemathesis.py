"""The OpenAPI contract: schemathesis drives every operation of /api/v1/openapi.json
through the WSGI app (examples, coverage and fuzzing phases; positive and negative
data) against the demo data, and every check must pass.

Bounded (a few dozen cases per operation) so that CI stays fast. The schema is
the one /api/v1/openapi.json serves (``test_served_schema_is_the_tested_one``);
it is generated from code, so it is built here at collection, without a database.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from schemathesis import GenerationMode

MAX_EXAMPLES = 25

pytestmark = pytest.mark.django_db


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(_schema())
schema.app = get_wsgi_application()
schema.location = "/api/v1/openapi.json"
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
    database="none",
)
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Requests go through the WSGI handler, which closes the database connection
    when a request finishes; the test's transaction lives on it (Django's test
    client disconnects the same handlers)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def demo_data(shared_demo, db, _keep_test_connection, monkeypatch):
    """The demo (loaded once for the module: these requests only read it)."""
    from django.core.cache import cache

    from meetings.api.throttling import ClientRateThrottle

    cache.clear()
    # The contract is under test here, not the limit (test_api_meetings has the 429).
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", {"api": "100000/minute"})


def test_served_schema_is_the_tested_one(client):
    import json

    served = client.get("/api/v1/openapi.json").json()
    assert json.loads(json.dumps(_schema())) == served
    assert len(list(schema.get_all_operations())) == 6


@schema.parametrize()
def test_api_conforms_to_its_openapi_schema(case):
    case.call_and_validate()
