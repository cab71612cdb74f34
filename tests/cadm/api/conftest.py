import pytest
from rest_framework.test import APIClient

from cadm.services.api_tokens import api_token_create


@pytest.fixture
def api():
    return APIClient()


def token_client(user) -> APIClient:
    client = APIClient()
    _, secret = api_token_create(actor=user, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def session_client(user) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture(params=["token", "session"])
def as_user(request):
    """A client for a user, authenticated by token or by session."""
    return token_client if request.param == "token" else session_client
