""""Log out everywhere" on the user's account page: every session of theirs ends, on every
device, and their API tokens stop working; other users' sessions stay; audited."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from cadm.api.models import ApiToken
from cadm.models import AuditEvent
from cadm.services.api_tokens import api_token_create

pytestmark = pytest.mark.django_db


def _session_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_account_page_offers_it_from_the_menu(rheum_client):
    home = rheum_client.get(reverse("account")).content.decode()
    assert f'href="{reverse("account")}"' in home  # the menu, on every page
    assert f'action="{reverse("account-logout-everywhere")}"' in home
    assert "30 minutes without activity" in home and "12 hours after the login" in home


def test_every_session_and_token_of_the_user_ends_and_no_one_elses(rheumatologist,
                                                                    dermatologist):
    here, laptop, ward_pc = (_session_for(rheumatologist) for _ in range(3))
    colleague = _session_for(dermatologist)
    secrets = [api_token_create(actor=rheumatologist, name=n)[1] for n in ("a", "b")]
    _, colleague_secret = api_token_create(actor=dermatologist, name="theirs")

    response = here.post(reverse("account-logout-everywhere"))

    assert response.status_code == 302 and response["Location"] == reverse("login")
    for client in (here, laptop, ward_pc):
        assert SESSION_KEY not in client.session
        page = client.get(reverse("patient-list"))
        assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    assert colleague.get(reverse("patient-list")).status_code == 200
    api = APIClient()
    for secret in secrets:
        api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        assert api.get("/api/v1/me/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {colleague_secret}")
    assert api.get("/api/v1/me/").status_code == 200
    assert list(ApiToken.objects.values_list("user", flat=True)) == [dermatologist.pk]
    [event] = AuditEvent.objects.filter(action="account.logout_everywhere")
    assert event.actor == rheumatologist and event.detail == {"sessions": 3, "tokens": 2}
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 2
    login_page = here.get(reverse("login")).content.decode()
    assert "Logged out everywhere: 3 session(s) ended and 2 API token(s) revoked." in login_page


def test_it_takes_a_post(rheum_client):
    assert rheum_client.get(reverse("account-logout-everywhere")).status_code == 405
    assert SESSION_KEY in rheum_client.session


def test_it_asks_for_a_login_first(client):
    response = client.post(reverse("account-logout-everywhere"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not AuditEvent.objects.exists()
