"""Schemathesis over every route of the in-process app (ASGI, no network): no 5xx, and every
response -- status, content type, headers, body -- as the OpenAPI schema declares it.

Schemathesis reads /openapi.json, generates valid and invalid requests for each operation (bounded
below, so the whole file runs in seconds) and checks each response; POST /api/reload is enabled
with a token so that it is fuzzed too.
"""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from fastapi.routing import APIRoute
from pydantic import SecretStr

from qa.api import create_app
from qa.config import Settings

pytestmark = pytest.mark.model  # the real engine (tests/conftest.py), shared with the other API tests

TOKEN = "fuzz-reload-token"


APP_SETTINGS = {"reload_token": SecretStr(TOKEN), "report_token": TOKEN, "watch_interval": 0}
# The schema is read at collection time from an app without an engine (making the schema needs
# none); the requests go to the same app with the shared engine. (schemathesis.pytest.from_fixture
# would do both from a fixture, but it does not run under pytest 9.)
schema = schemathesis.openapi.from_dict(create_app(Settings(**APP_SETTINGS)).openapi())
# A body over QA_MAX_BODY_BYTES is refused with 413 whatever it holds (checked below: only then).
for check in (schema.config.checks.positive_data_acceptance, schema.config.checks.negative_data_rejection):
    check.expected_statuses = [*check.expected_statuses, "413"]


@schema.auth()
class Token:
    """The token on the routes that declare bearer auth, except in the cases testing its absence."""

    def get(self, case, context):
        return TOKEN

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(scope="module")
def app(engine):
    return create_app(engine.settings.model_copy(update=APP_SETTINGS), engine)


@schema.parametrize()
@settings(max_examples=50, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_every_route_conforms(case, app):
    case.operation.app = case.operation.schema.app = app  # its probes (e.g. the call without auth) too
    response = case.call_and_validate()
    if response.status_code == 413:
        assert len(response.request.body or b"") > app.state.engine.settings.max_body_bytes


def test_every_route_is_fuzzed_and_declares_its_errors(app):
    paths = app.openapi()["paths"]
    routes = {re.sub(r":\w+}", "}", r.path) for r in app.routes if isinstance(r, APIRoute) and r.include_in_schema}
    assert routes == set(paths) >= {"/api/ask", "/api/health", "/api/faq", "/api/documents/{doc_id}", "/api/reload"}
    for path, operations in paths.items():
        for method, op in operations.items():
            codes = {int(c) for c in op["responses"]}
            # no input is a server error; 503 only says the feedback store cannot be written just now
            assert 413 in codes and all(c < 500 or (c == 503 and path == "/api/feedback") for c in codes), \
                (method, path, codes)
            for code in codes - {200, 201}:
                assert op["responses"][str(code)]["content"]["application/json"]["schema"] == \
                       {"$ref": "#/components/schemas/Problem"}, (method, path, code)
    assert {400, 415, 422} <= {int(c) for c in paths["/api/ask"]["post"]["responses"]}
    assert {401, 403} <= {int(c) for c in paths["/api/reload"]["post"]["responses"]}
    assert 404 in {int(c) for c in paths["/api/documents/{doc_id}"]["get"]["responses"]}
