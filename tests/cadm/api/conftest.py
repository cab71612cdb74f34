import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
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


def query_count(client, url, params=None) -> int:
    """Queries of a GET, after a first one (the token's last-used time is written at most once
    a minute: that write is not what is measured)."""
    client.get(url, params)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)
