"""Sessions end after SESSION_IDLE_TIMEOUT_MINUTES without a request and
SESSION_ABSOLUTE_LIFETIME_HOURS after the login; each kind of caller is told in its own way;
API tokens are not affected. Time passes by moving the session's own stamps back."""

import time
from urllib.parse import quote

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from rest_framework.test import APIClient

from cadm.middleware_sessions import SEEN, STARTED
from cadm.services.api_tokens import api_token_create

pytestmark = pytest.mark.django_db

PAGE = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _age(client, *, seen=0, started=0):
    """Move the session's last request `seen` seconds and its login `started` seconds back."""
    session = client.session
    session[SEEN] -= seen
    session[STARTED] -= started
    session.save()


def _logged_in(client) -> bool:
    return SESSION_KEY in client.session


@pytest.fixture
def user_client(rheum_client):
    assert rheum_client.get(reverse("account"), **PAGE).status_code == 200  # stamps the session
    return rheum_client


def test_the_defaults(settings):
    assert settings.SESSION_IDLE_TIMEOUT_MINUTES == 30
    assert settings.SESSION_ABSOLUTE_LIFETIME_HOURS == 12
    assert settings.SESSION_COOKIE_AGE == 12 * 3600  # no longer Django's 14 days


def test_a_login_starts_the_clock(client, rheumatologist):
    before = int(time.time())
    response = client.post(reverse("login"), {"username": "rheum",
                                              "password": "pw-for-tests-only"})
    assert response.status_code == 302
    session = client.session
    assert before <= session[STARTED] <= time.time() and session[SEEN] == session[STARTED]


def test_a_page_after_the_idle_timeout_goes_to_the_login_page_and_says_why(user_client):
    _age(user_client, seen=30 * 60)
    response = user_client.get(reverse("patient-list") + "?q=x", **PAGE)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote('/patients/?q=x', safe='/')}"
    assert not _logged_in(user_client)
    page = user_client.get(response["Location"], **PAGE).content.decode()
    assert "Your session ended after 30 minutes without activity" in page


def test_activity_within_the_timeout_keeps_the_session_and_restarts_the_idle_clock(user_client):
    _age(user_client, seen=29 * 60)
    assert user_client.get(reverse("patient-list"), **PAGE).status_code == 200
    assert _logged_in(user_client)
    assert time.time() - user_client.session[SEEN] < 5


def test_the_last_request_is_written_at_most_once_a_minute(user_client):
    _age(user_client, seen=30)
    seen = user_client.session[SEEN]
    response = user_client.get(reverse("patient-list"), **PAGE)
    assert user_client.session[SEEN] == seen
    assert "sessionid" not in response.cookies  # the session was not written
    _age(user_client, seen=31)
    user_client.get(reverse("patient-list"), **PAGE)
    assert user_client.session[SEEN] > seen


def test_the_idle_timeout_is_a_setting(user_client, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 5
    _age(user_client, seen=5 * 60)
    user_client.get(reverse("patient-list"), **PAGE)
    assert not _logged_in(user_client)


def test_an_active_session_ends_at_its_absolute_lifetime(user_client):
    _age(user_client, started=12 * 3600)  # used a moment ago, logged in 12 hours ago
    response = user_client.get(reverse("patient-list"), **PAGE)
    assert response.status_code == 302 and not _logged_in(user_client)
    page = user_client.get(response["Location"], **PAGE).content.decode()
    assert "Your session reached its limit of 12 hours" in page


def test_just_before_the_lifetime_the_session_lives(user_client):
    _age(user_client, started=12 * 3600 - 60)
    assert user_client.get(reverse("patient-list"), **PAGE).status_code == 200


def test_an_htmx_request_gets_401_and_a_whole_page_redirect(user_client):
    _age(user_client, seen=31 * 60)
    response = user_client.get(reverse("patient-list"), HTTP_HX_REQUEST="true",
                               HTTP_HX_CURRENT_URL="http://testserver/flags/?state=open")
    assert response.status_code == 401
    assert response["HX-Redirect"] == f"{reverse('login')}?next=/flags/%3Fstate%3Dopen"
    assert not _logged_in(user_client)


def test_an_htmx_request_from_another_site_returns_home(user_client):
    _age(user_client, seen=31 * 60)
    response = user_client.get(reverse("patient-list"), HTTP_HX_REQUEST="true",
                               HTTP_HX_CURRENT_URL="https://evil.example/steal")
    assert response["HX-Redirect"] == f"{reverse('login')}?next={reverse('home')}"


def test_a_script_request_gets_401_json(user_client):
    # fetch() asks for */*: the page's job poller, say.
    _age(user_client, seen=31 * 60)
    response = user_client.get(reverse("patient-list"), HTTP_ACCEPT="*/*")
    assert response.status_code == 401
    assert response.json()["error"] == {
        "status": 401, "code": "session_expired", "login_url": reverse("login"),
        "message": "Your session ended after 30 minutes without activity. "
                   "Log in again to continue."}


def test_the_api_answers_its_own_401_to_an_ended_session(user_client):
    _age(user_client, seen=31 * 60)
    response = user_client.get("/api/v1/me/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert not _logged_in(user_client)


def test_an_api_token_works_beside_an_ended_session(user_client, rheumatologist):
    _, secret = api_token_create(actor=rheumatologist, name="nightly")
    _age(user_client, seen=31 * 60)
    response = user_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {secret}",
                               HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert not _logged_in(user_client)  # the session ended all the same


def test_an_api_token_needs_no_session_however_long_it_is_idle(rheumatologist):
    _, secret = api_token_create(actor=rheumatologist, name="nightly")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    first = api.get("/api/v1/me/")
    assert first.status_code == 200 and "sessionid" not in first.cookies
    assert api.get("/api/v1/me/").status_code == 200
