import socket
import time

import pytest
from django.urls import reverse

from tests.factories import UserFactory

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


@pytest.fixture
def silent_port():
    """A port that accepts connections and never answers, as a hung broker does."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def timed_healthz(client):
    started = time.monotonic()
    response = client.get(reverse("healthz"))
    return response, time.monotonic() - started


@pytest.mark.django_db
def test_anonymous_callers_see_up_or_down_only(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["staff", "rules_admin"])
def test_staff_and_cohort_viewers_see_database_and_broker(client, settings, who):
    user = UserFactory(is_staff=True) if who == "staff" else UserFactory(role="rules_admin")
    client.force_login(user)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["database_engine"] in {"sqlite", "postgresql"}
    if not settings.CELERY_BROKER_URL:
        assert body["broker"].startswith("not configured")
    else:
        assert body["broker"] == "ok"


@pytest.mark.django_db
def test_a_clinician_without_the_permission_sees_no_details(rheum_client):
    assert rheum_client.get(reverse("healthz")).json() == {"status": "ok"}


@pytest.mark.django_db
def test_an_unreachable_broker_is_a_quick_503_without_details(client, settings):
    settings.CELERY_BROKER_URL = UNREACHABLE_BROKER
    response, elapsed = timed_healthz(client)
    assert response.status_code == 503
    assert response.json() == {"status": "error"}
    assert elapsed < 2


@pytest.mark.django_db
def test_staff_see_which_part_is_down(client, settings):
    settings.CELERY_BROKER_URL = UNREACHABLE_BROKER
    client.force_login(UserFactory(is_staff=True))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["broker"].startswith("error")


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", ["redis", "amqp"])  # redis-py ping; kombu for the others
def test_a_broker_that_never_answers_is_a_503_within_2_seconds(client, settings, silent_port,
                                                               scheme):
    settings.CELERY_BROKER_URL = f"{scheme}://127.0.0.1:{silent_port}/0"
    response, elapsed = timed_healthz(client)
    assert response.status_code == 503
    assert elapsed < 2
