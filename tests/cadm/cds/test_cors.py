"""CORS on /cds-services only: browser-based EHR sandboxes call the service directly; no other
path of ours (pages, API, admin) answers a cross-origin browser."""

import pytest

from tests.cadm.cds.conftest import DISCOVERY, SERVICE, auth, token

pytestmark = pytest.mark.django_db

SANDBOX = "https://sandbox.cds-hooks.org"


@pytest.fixture(autouse=True)
def allowed_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [SANDBOX]


def preflight(client, path: str, origin: str = SANDBOX):
    return client.options(path, HTTP_ORIGIN=origin,
                          HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
                          HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type")


def test_a_preflight_to_the_service_is_answered(client):
    response = preflight(client, SERVICE)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SANDBOX
    assert {"authorization", "content-type"} <= {
        h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")} == {
        "GET", "POST", "OPTIONS"}
    assert "Access-Control-Allow-Credentials" not in response  # a JWT, never a cookie


def test_the_answer_itself_carries_the_header(client, rsa_key):
    response = client.get(DISCOVERY, HTTP_ORIGIN=SANDBOX, **auth(token(rsa_key, DISCOVERY)))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SANDBOX
    refused = client.get(DISCOVERY, HTTP_ORIGIN=SANDBOX)  # 401s too, so the EHR can read why
    assert refused.status_code == 401 and refused["Access-Control-Allow-Origin"] == SANDBOX


def test_an_origin_not_allowed_gets_no_cors_header(client):
    response = preflight(client, SERVICE, origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize("path", ["/api/v1/flags/", "/healthz", "/accounts/login/",
                                  "/patients/", "/admin/login/"])
def test_no_other_path_answers_cors(client, path):
    assert "Access-Control-Allow-Origin" not in preflight(client, path)
    assert "Access-Control-Allow-Origin" not in client.get(path, HTTP_ORIGIN=SANDBOX)
