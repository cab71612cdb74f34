import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_names_database_and_broker(client, settings):
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
def test_healthz_reports_an_unreachable_broker_as_503(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
