"""django-axes locks a username+address after repeated failed logins (settings: 10)."""

import pytest
from django.urls import reverse


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def attempt(client, password):
    return client.post(reverse("login"), {"username": "rheum", "password": password},
                       REMOTE_ADDR="10.0.0.7")


def test_account_locks_after_the_failure_limit(client, rheumatologist, axes_on):
    for _ in range(2):
        assert attempt(client, "wrong").status_code == 200  # the form again, with an error
    assert attempt(client, "wrong").status_code == 429
    # Locked: even the right password is refused until the cool-off ends.
    assert attempt(client, "pw-for-tests-only").status_code == 429


def test_a_good_login_before_the_limit_works(client, rheumatologist, axes_on):
    attempt(client, "wrong")
    response = attempt(client, "pw-for-tests-only")
    assert response.status_code == 302 and response["Location"] == reverse("home")
