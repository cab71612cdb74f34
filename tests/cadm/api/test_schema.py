"""The OpenAPI schema validates without warnings (CI runs this), and the docs need no CDN."""

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in ("401", "403", "500"):
                assert status in operation["responses"], (path, method, status)
    assert "404" in schema["paths"]["/api/v1/patients/{public_id}/"]["get"]["responses"]
    assert {"409", "422", "415"} <= set(schema["paths"]["/api/v1/tokens/"]["post"]["responses"])
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_docs_and_schema_served_without_cdn(client, rheumatologist):
    assert client.get("/api/schema/").status_code == 401
    client.force_login(rheumatologist)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert client.get("/api/schema/").status_code == 200


def test_the_docs_send_an_anonymous_person_to_log_in(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/api/docs/")
