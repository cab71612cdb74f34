"""The API is a door of the input layer: the bad patient values of the door table
(tests/cadm/inputs/test_doors.py, imported, not copied) get the same (field, message) through
POST /api/v1/patients/ as through the registration form, on the same day."""

import pytest

from tests.cadm.inputs.test_doors import (
    PATIENT_BAD_VALUES,
    PATIENT_BASE,
    TODAY,
    patient_form_door,
)
from tests.factories import SiteFactory, UserFactory

from .conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def door_site(db):
    site = SiteFactory(code="north", name="North Clinic")
    return site, UserFactory(username="rheum-api-door", role="rheumatologist", sites=[site])


def api_door(patient_fields: dict, *, actor, site, monkeypatch) -> tuple[str, str]:
    """POST the form door's values (the site by its code) and read the first refused field."""
    monkeypatch.setattr("cadm.api.patients._today", lambda: TODAY)
    body = {"mrn": "DOOR-1", "family_name": "Door", "given_name": "Case", "site": site.code,
            **patient_fields}
    response = token_client(actor).post("/api/v1/patients/", body, format="json")
    assert response.status_code == 400, response.content
    field, messages = next(iter(response.json()["error"]["fields"].items()))
    return field, messages[0]


@pytest.mark.parametrize(("fields", "field", "message"), PATIENT_BAD_VALUES,
                         ids=[f for _, f, _ in PATIENT_BAD_VALUES])
def test_the_api_gives_the_forms_field_and_message(fields, field, message, door_site,
                                                    monkeypatch):
    site, actor = door_site
    values = {**PATIENT_BASE, **fields}
    through_api = api_door(values, actor=actor, site=site, monkeypatch=monkeypatch)
    assert through_api == patient_form_door(values, site=site) == (field, message)


def test_the_api_door_refuses_one_field_at_a_time(door_site, monkeypatch):
    """Each row's body is otherwise valid: the only field named is the bad one."""
    site, actor = door_site
    monkeypatch.setattr("cadm.api.patients._today", lambda: TODAY)
    for fields, field, _ in PATIENT_BAD_VALUES:
        body = {"mrn": "DOOR-1", "family_name": "Door", "given_name": "Case",
                "site": site.code, **PATIENT_BASE, **fields}
        response = token_client(actor).post("/api/v1/patients/", body, format="json")
        assert list(response.json()["error"]["fields"]) == [field]
