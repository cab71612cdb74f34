"""Password spraying: one address failing across many usernames is locked at
LOGIN_ADDRESS_FAILURE_LIMIT, though no username reaches AXES_FAILURE_LIMIT; other addresses are
not; the address is REMOTE_ADDR unless TRUSTED_PROXY_COUNT proxies are declared."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SPRAYED = "Spring2026!"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 5


def attempt(client, username, password, address="10.0.0.7", **headers):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=address, **headers)


def spray(client, count, **kwargs):
    return [attempt(client, f"user{n}", SPRAYED, **kwargs).status_code for n in range(count)]


def test_one_password_across_usernames_locks_the_address(client, rheumatologist, axes_on):
    assert spray(client, 4) == [200] * 4  # each username has failed once only
    assert attempt(client, "someone", SPRAYED).status_code == 429  # the 5th failure
    # The address is locked for every username, even with the right password...
    assert attempt(client, "rheum", "pw-for-tests-only").status_code == 429
    # ...and only that address.
    ok = attempt(client, "rheum", "pw-for-tests-only", address="10.0.0.8")
    assert ok.status_code == 302 and ok["Location"] == reverse("home")


def test_below_the_address_limit_a_right_password_works(client, rheumatologist, axes_on):
    spray(client, 4)
    response = attempt(client, "rheum", "pw-for-tests-only")
    assert response.status_code == 302


def test_the_limit_per_username_still_applies_first(client, rheumatologist, axes_on):
    assert [attempt(client, "rheum", "wrong").status_code for _ in range(3)] == [200, 200, 429]
    assert attempt(client, "derm", "wrong").status_code == 200  # the address is not locked


def test_a_forged_forwarded_for_does_not_spread_the_count(client, rheumatologist, axes_on):
    statuses = [attempt(client, f"user{n}", SPRAYED,
                        HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


def test_behind_a_declared_proxy_each_client_counts_alone(client, rheumatologist, axes_on,
                                                          settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.1"
    assert spray(client, 5, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")[-1] == 429
    # Another client behind the same proxy is not locked.
    response = attempt(client, "rheum", "pw-for-tests-only", address=proxy,
                       HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert response.status_code == 302
    # A client that prepends a forged address is still counted by the one the proxy added.
    locked = attempt(client, "rheum", "pw-for-tests-only", address=proxy,
                     HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.5")
    assert locked.status_code == 429
