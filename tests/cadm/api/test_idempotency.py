"""Idempotency-Key: a retried write saves once; the same key with another body is refused."""

import pytest

from cadm.api.models import ApiToken, IdempotentRequest
from cadm.models import AuditEvent

from .conftest import token_client

pytestmark = pytest.mark.django_db


def test_same_key_twice_saves_once(rheumatologist):
    api = token_client(rheumatologist)
    before = ApiToken.objects.count()
    first = api.post("/api/v1/tokens/", {"name": "ci"}, format="json",
                     HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/api/v1/tokens/", {"name": "ci"}, format="json",
                     HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert ApiToken.objects.count() == before + 1
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    # The secret is not kept for replays: only its digest exists anywhere.
    assert again.json()["token"] is None
    assert first.json()["token"] not in str(IdempotentRequest.objects.get().response_body)
    assert AuditEvent.objects.filter(action="api_token.create").count() == before + 1


def test_same_key_other_body_is_refused(rheumatologist):
    api = token_client(rheumatologist)
    api.post("/api/v1/tokens/", {"name": "ci"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = api.post("/api/v1/tokens/", {"name": "other"}, format="json",
                     HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert not ApiToken.objects.filter(name="other").exists()


def test_failed_request_keeps_no_claim(rheumatologist):
    api = token_client(rheumatologist)
    bad = api.post("/api/v1/tokens/", {"name": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert bad.status_code == 400
    assert not IdempotentRequest.objects.exists()
    good = api.post("/api/v1/tokens/", {"name": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert good.status_code == 400  # ran again, not replayed


def test_keys_are_per_user(rheumatologist, dermatologist):
    for user in (rheumatologist, dermatologist):
        response = token_client(user).post("/api/v1/tokens/", {"name": "ci"}, format="json",
                                           HTTP_IDEMPOTENCY_KEY="shared")
        assert response.status_code == 201
    assert ApiToken.objects.filter(name="ci").count() == 2


def test_in_progress_key_is_409(rheumatologist):
    IdempotentRequest.objects.create(user=rheumatologist, key="busy", method="POST",
                                     path="/api/v1/tokens/", response_status=0,
                                     body_hash=__import__("hashlib").sha256(
                                         b'{"name":"ci"}').hexdigest())
    response = token_client(rheumatologist).post("/api/v1/tokens/", {"name": "ci"},
                                                 format="json", HTTP_IDEMPOTENCY_KEY="busy")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_use"


def test_every_write_of_the_api_accepts_an_idempotency_key():
    """Walked, not listed: a write added later without @idempotent() fails here."""
    from tests.cadm.api.test_matrix import routes

    missing = []
    for route, pattern in routes():
        view = pattern.callback.view_class
        for method in ("post", "put", "patch", "delete"):
            handler = getattr(view, method, None)
            # A search POSTed (its terms kept out of the URL, issue 14 §7) writes nothing.
            reads = method == "post" and getattr(view, "audit_post_reads", False)
            if handler is not None and not getattr(handler, "idempotent", False) and not reads:
                missing.append(f"{method.upper()} {route}")
    assert missing == []
