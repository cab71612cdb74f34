"""Tokens: created and revoked by their user, on the page and through the API; stored hashed;
the secret shown once; a revoked token is a 401; audited without the secret."""

import hashlib

import pytest
from rest_framework.test import APIClient

from cadm.api.models import ApiToken
from cadm.models import AuditEvent

from .conftest import session_client, token_client

pytestmark = pytest.mark.django_db


def _digest(secret):
    return hashlib.sha512(secret.encode()).hexdigest()


def test_page_create_list_revoke(client, rheumatologist):
    client.force_login(rheumatologist)
    assert client.get("/account/tokens/").status_code == 200
    response = client.post("/account/tokens/", {"name": "nightly export"})
    secret = response.context["secret"]
    assert secret.startswith("cadm_") and secret in response.content.decode()
    token = ApiToken.objects.get(user=rheumatologist)
    assert token.digest == _digest(secret) and secret not in token.digest
    listing = client.get("/account/tokens/").content.decode()
    assert "nightly export" in listing and token.token_key in listing and secret not in listing
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.get("/api/v1/me/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    client.post(f"/account/tokens/{token.public_id}/revoke/")
    assert not ApiToken.objects.exists()
    revoked = api.get("/api/v1/me/")
    assert revoked.status_code == 401
    assert revoked.json()["error"]["code"] == "authentication_failed"
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", "detail"))
    assert [a for a, _ in actions] == ["api_token.create", "api_token.revoke"]
    assert secret not in str(actions)


def test_page_needs_login_and_csrf(client, rheumatologist):
    assert client.get("/account/tokens/").status_code == 302
    strict = type(client)(enforce_csrf_checks=True)
    strict.force_login(rheumatologist)
    assert strict.post("/account/tokens/", {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_cannot_revoke_someone_elses_token(client, rheumatologist, dermatologist):
    token_client(dermatologist)
    theirs = ApiToken.objects.get(user=dermatologist)
    client.force_login(rheumatologist)
    assert client.post(f"/account/tokens/{theirs.public_id}/revoke/").status_code == 404
    api = token_client(rheumatologist)
    assert api.delete(f"/api/v1/tokens/{theirs.public_id}/").status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_api_create_list_revoke(rheumatologist):
    api = token_client(rheumatologist)
    created = api.post("/api/v1/tokens/", {"name": "script"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("cadm_") and body["prefix"] == body["token"][:15]
    listed = api.get("/api/v1/tokens/").json()
    assert {t["name"] for t in listed["results"]} == {"tests", "script"}
    assert all("token" not in t and "digest" not in t for t in listed["results"])
    second = APIClient()
    second.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert second.get("/api/v1/me/").json()["authentication"] == "token"
    assert api.delete(f"/api/v1/tokens/{body['id']}/").status_code == 204
    assert second.get("/api/v1/me/").status_code == 401


def test_api_create_by_session_needs_csrf(rheumatologist):
    api = session_client(rheumatologist)
    response = api.post("/api/v1/tokens/", {"name": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_api_create_validation_shape(rheumatologist):
    response = token_client(rheumatologist).post("/api/v1/tokens/", {"name": ""}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == ["name"]


def test_garbage_token_is_401(api, rheumatologist):
    api.credentials(HTTP_AUTHORIZATION="Token cadm_nothing")
    assert api.get("/api/v1/me/").status_code == 401


def test_a_retried_revocation_answers_as_the_first(rheumatologist):
    client = token_client(rheumatologist)
    created = client.post("/api/v1/tokens/", {"name": "to revoke"}, format="json").json()
    url = f"/api/v1/tokens/{created['id']}/"
    first = client.delete(url, HTTP_IDEMPOTENCY_KEY="revoke-1")
    again = client.delete(url, HTTP_IDEMPOTENCY_KEY="revoke-1")
    assert (first.status_code, again.status_code) == (204, 204)
    assert again["Idempotent-Replayed"] == "true"
