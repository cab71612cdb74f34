"""The REST API against its own OpenAPI schema: schemathesis generates requests from the schema
(valid and invalid), sends them to the app in-process (WSGI), and checks that no request ends
in a server error and that every response (status, content type, body) is one the schema
declares. Bounded: a few examples per operation, so the whole run stays short in `make test`.

The schema is the one /api/schema/ serves (drf-spectacular, generated here without HTTP).
Each operation runs as a rheumatologist and as a rules admin, by token, on a small cohort, so
both the allowed and the refused paths are exercised.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from cadm.services.api_tokens import api_token_create
from cadm.services.evaluation import patient_reevaluate
from tests.cadm.rulesets.builders import mda5_patient
from tests.factories import SiteFactory, UserFactory

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 8  # per operation and role: enough to reach every branch of the refusals


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django closes the database connection when a request ends; its own test client turns
    that off, schemathesis's WSGI client does not. On PostgreSQL that would close the test's
    transaction under it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["rheumatologist", "rules_admin"])
def token(request, db):
    site = SiteFactory(code="north", name="North Clinic")
    user = UserFactory(username=f"fuzz-{request.param}", role=request.param, sites=[site])
    creator = UserFactory(username="fuzz-creator", role="rheumatologist", sites=[site])
    for _ in range(2):
        patient_reevaluate(mda5_patient(site, creator).pk)
    return api_token_create(actor=user, name="fuzz")[1]


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema_and_never_fails(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
