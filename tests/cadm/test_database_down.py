"""With the database down every page answers 503 with a plain page, and /healthz stays quick.

The database is made unreachable for real: the default connection is swapped for one that
points where nothing answers (PostgreSQL: a closed port; SQLite: a file in a directory that
does not exist), so each query tries to connect and fails as against a stopped server.
"""

import logging
import re
import time
from contextlib import contextmanager

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from cadm.models import Patient
from tests.factories import UserFactory

CLOSED_PORT = 1


@contextmanager
def database_down(tmp_path):
    original = connections["default"]
    unreachable = dict(original.settings_dict)
    if original.vendor == "postgresql":
        unreachable.update(HOST="127.0.0.1", PORT=CLOSED_PORT)
    else:
        unreachable["NAME"] = str(tmp_path / "missing" / "db.sqlite3")
    down = original.__class__(unreachable, alias="default")
    connections["default"] = down
    try:
        yield
    finally:
        down.close()
        connections["default"] = original


def assert_plain_503(response):
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "cannot reach its database" in page
    assert "Nothing was saved" in page and "try again in a few minutes" in page
    assert "<nav" not in page and "Log out" not in page  # not base.html: no user, no query


class ReadsUserMiddleware:
    """Stands for any middleware that looks at the (lazy) user before the view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user.is_authenticated  # noqa: B018  (the read is the point)
        return self.get_response(request)


@pytest.mark.django_db
def test_anonymous_login_answers_503(client, tmp_path):
    with database_down(tmp_path):
        response = client.post(reverse("login"), {"username": "rheum", "password": "pw"})
    assert_plain_503(response)


@pytest.mark.django_db
def test_anonymous_with_an_old_session_cookie_answers_503(client, tmp_path):
    client.cookies[django_settings.SESSION_COOKIE_NAME] = "a-session-from-yesterday"
    with database_down(tmp_path):
        response = client.get(reverse("patient-list"))
    assert_plain_503(response)


@pytest.mark.django_db
def test_logged_in_page_answers_503(rheum_client, tmp_path):
    with database_down(tmp_path):
        response = rheum_client.get(reverse("patient-list"))
    assert_plain_503(response)


@pytest.mark.django_db
def test_logged_in_form_post_answers_503_and_saves_nothing(rheum_client, site, tmp_path):
    before = Patient.objects.count()
    with database_down(tmp_path):
        response = rheum_client.post(reverse("patient-new"), {
            "site": site.pk, "mrn": "MRN-DOWN", "family_name": "Down", "given_name": "Ada",
            "sex": "female", "birth_date": "1980-03-03"})
    assert_plain_503(response)
    assert Patient.objects.count() == before


@pytest.mark.django_db
def test_an_error_page_that_reads_the_user_answers_503(rheum_client, settings, tmp_path):
    # The 404 page extends base.html, whose menu reads the user: the failure happens while
    # Django renders the error page, outside any view.
    settings.DEBUG = False
    rheum_client.raise_request_exception = False  # this one is, for Django, uncaught
    with database_down(tmp_path):
        response = rheum_client.get("/no-such-page/")
    assert_plain_503(response)


@pytest.mark.django_db
def test_a_middleware_reading_the_lazy_user_answers_503(rheumatologist, settings, tmp_path):
    after = settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:after + 1], f"{__name__}.ReadsUserMiddleware",
                           *settings.MIDDLEWARE[after + 1:]]
    client = Client(raise_request_exception=False)  # loads the middleware above
    client.force_login(rheumatologist)
    with database_down(tmp_path):
        response = client.get(reverse("patient-list"))
    assert_plain_503(response)


def test_the_middleware_sits_outside_session_and_authentication():
    order = django_settings.MIDDLEWARE
    mine = order.index("cadm.middleware_faults.DatabaseUnreachableMiddleware")
    assert mine < order.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert mine < order.index("django.contrib.auth.middleware.AuthenticationMiddleware")


@pytest.mark.django_db
def test_the_log_names_the_error_type_only(client, settings, tmp_path, caplog):
    settings.DEBUG = False
    with caplog.at_level(logging.ERROR, logger="cadm.middleware_faults"):
        with database_down(tmp_path):
            client.post(reverse("login"), {"username": "rheum", "password": "secret-pw"})
    [record] = [r for r in caplog.records if r.name == "cadm.middleware_faults"]
    assert re.fullmatch(r"Database unreachable \(OperationalError from [\w.]+\); answered 503",
                        record.getMessage())
    assert record.exc_info is None


@pytest.mark.django_db
def test_healthz_answers_503_quickly_and_treats_staff_as_anonymous(client, tmp_path):
    client.force_login(UserFactory(is_staff=True))
    with database_down(tmp_path):
        started = time.monotonic()
        response = client.get(reverse("healthz"))
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json() == {"status": "error"}
    assert elapsed < 2
