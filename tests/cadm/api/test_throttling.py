"""Request rates: a looping client gets 429 in the API's error shape with Retry-After, counted
per user whatever token or session it uses; a cache that is down lets requests through."""

import pytest
from django.core.cache import cache

from .conftest import session_client, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    settings.API_THROTTLE_RATES = {"anon": "2/min", "user": "3/min"}
    cache.clear()
    yield
    cache.clear()


def test_the_fourth_request_in_a_minute_is_throttled(rates, rheumatologist):
    client = token_client(rheumatologist)
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/me/")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60


def test_the_count_is_per_user_across_token_and_session(rates, rheumatologist, dermatologist):
    for _ in range(3):
        token_client(rheumatologist).get("/api/v1/me/")
    assert session_client(rheumatologist).get("/api/v1/me/").status_code == 429
    assert token_client(dermatologist).get("/api/v1/me/").status_code == 200


def test_anonymous_callers_count_by_address(rates, api):
    # The schema is public: anonymous requests reach the throttle.
    assert [api.get("/api/v1/nowhere/").status_code for _ in range(2)] == [404, 404]
    assert api.get("/api/v1/nowhere/").status_code == 429


def test_no_rate_means_no_limit(settings, rheumatologist):
    settings.API_THROTTLE_RATES = {"anon": None, "user": None}
    client = token_client(rheumatologist)
    assert {client.get("/api/v1/me/").status_code for _ in range(10)} == {200}


def test_a_cache_that_is_down_lets_requests_through(settings, rheumatologist, caplog):
    settings.API_THROTTLE_RATES = {"anon": "2/min", "user": "3/min"}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    client = token_client(rheumatologist)
    assert {client.get("/api/v1/me/").status_code for _ in range(5)} == {200}
    assert "the cache is unavailable" in caplog.text
