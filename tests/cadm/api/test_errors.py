"""One error shape for every status."""

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIRequestFactory

from cadm.api.concurrency import if_match_check
from cadm.api.errors import PreconditionFailed, PreconditionRequired, flatten, handler
from cadm.exceptions import DomainError

from .conftest import token_client

pytestmark = pytest.mark.django_db


def _shape(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == status and error["message"]
    assert set(error) <= {"status", "code", "message", "fields"}
    if code:
        assert error["code"] == code
    return error


def test_statuses(api, rheumatologist, rules_admin):
    _shape(api.get("/api/v1/patients/"), 401, "not_authenticated")
    _shape(token_client(rules_admin).get("/api/v1/patients/"), 403, "permission_denied")
    client = token_client(rheumatologist)
    _shape(client.get("/api/v1/patients/00000000-0000-0000-0000-000000000000/"), 404,
           "not_found")
    _shape(client.get("/api/v1/nothing-here/"), 404, "not_found")
    _shape(client.delete("/api/v1/patients/"), 405, "method_not_allowed")
    _shape(client.post("/api/v1/tokens/", "name=x",
                       content_type="application/x-www-form-urlencoded"),
           415, "unsupported_media_type")
    _shape(client.post("/api/v1/tokens/", "{not json", content_type="application/json"),
           400, "parse_error")


def test_field_paths():
    detail = {"rows": [{}, {}, {"value": ["Too high."]}], "name": ["Required."],
              "non_field_errors": ["Dates are reversed."]}
    assert flatten(ValidationError(detail).detail) == {
        "rows[2].value": ["Too high."], "name": ["Required."], "": ["Dates are reversed."]}
    response = handler(ValidationError(detail), {})
    error = response.data["error"]
    assert error["message"] == "Dates are reversed."
    assert error["fields"] == {"rows[2].value": ["Too high."], "name": ["Required."]}


def test_domain_error_is_409_and_500_hides_details():
    error = handler(DomainError("Already decided."), {}).data["error"]
    assert (error["status"], error["code"], error["message"]) == (409, "conflict",
                                                                  "Already decided.")
    crash = handler(RuntimeError("secret value 42"), {"view": None})
    assert crash.status_code == 500
    assert "42" not in str(crash.data) and crash.data["error"]["code"] == "server_error"


def test_throttled_has_retry_after():
    from rest_framework.exceptions import Throttled

    response = handler(Throttled(wait=30), {})
    assert response.status_code == 429 and response["Retry-After"] == "30"
    assert response.data["error"]["code"] == "throttled"


def test_if_match(patient):
    factory = APIRequestFactory()
    with pytest.raises(PreconditionRequired):
        if_match_check(factory.put("/"), patient)
    with pytest.raises(PreconditionFailed):
        if_match_check(factory.put("/", HTTP_IF_MATCH=f'"{patient.row_version + 1}"'), patient)
    assert if_match_check(factory.put("/", HTTP_IF_MATCH=f'"{patient.row_version}"'),
                          patient) == patient.row_version
    for exc, status in ((PreconditionRequired(), 428), (PreconditionFailed(), 412)):
        assert handler(exc, {}).data["error"]["status"] == status


def test_a_path_with_a_newline_is_answered_in_the_error_shape(api):
    response = api.get("/api/v1/patients/x%0Ay/results/pft/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["status"] == 404
