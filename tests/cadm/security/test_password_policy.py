"""Passwords: the change page applies the validators (a numeric-only password is refused, among
others); a change keeps this session and ends the user's others; audited."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from cadm.models import AuditEvent

pytestmark = pytest.mark.django_db

OLD = "pw-for-tests-only"


def _change(client, new, old=OLD):
    return client.post(reverse("password-change"), {
        "old_password": old, "new_password1": new, "new_password2": new})


@pytest.mark.parametrize("new,refusal", [
    ("4815162342108", "This password is entirely numeric."),
    ("short7x", "This password is too short."),
    ("password123", "This password is too common."),
])
def test_weak_passwords_are_refused(rheum_client, rheumatologist, new, refusal):
    response = _change(rheum_client, new)
    assert response.status_code == 200
    assert refusal in response.content.decode()
    rheumatologist.refresh_from_db()
    assert rheumatologist.check_password(OLD)
    assert not AuditEvent.objects.filter(action="account.password_change").exists()


def test_a_good_password_is_set_here_and_ends_the_other_sessions(rheum_client, rheumatologist):
    elsewhere = Client()
    elsewhere.force_login(rheumatologist)
    response = _change(rheum_client, "copper-kettle-31-lantern")
    assert response.status_code == 302 and response["Location"] == reverse("account")
    rheumatologist.refresh_from_db()
    assert rheumatologist.check_password("copper-kettle-31-lantern")
    assert rheum_client.get(reverse("patient-list")).status_code == 200
    assert elsewhere.get(reverse("patient-list")).status_code == 302
    assert SESSION_KEY not in elsewhere.session
    [event] = AuditEvent.objects.filter(action="account.password_change")
    assert event.actor == rheumatologist
    assert "copper" not in str(event.detail)


def test_the_old_password_is_required(rheum_client, rheumatologist):
    response = _change(rheum_client, "copper-kettle-31-lantern", old="not-it")
    assert "Your old password was entered incorrectly" in response.content.decode()
    rheumatologist.refresh_from_db()
    assert rheumatologist.check_password(OLD)
