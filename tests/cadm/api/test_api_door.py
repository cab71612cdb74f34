"""The API as a door of the input layer: the door tables (tests/cadm/inputs/test_doors*.py)
hold an "api" door for every write; here, what only the API can get wrong: a body with one
bad value names that field alone, not its neighbours."""

import pytest

from tests.cadm.inputs.api_doors import pin_api_today
from tests.cadm.inputs.test_doors import PATIENT_BAD_VALUES, PATIENT_BASE, TODAY
from tests.factories import SiteFactory, UserFactory

from .conftest import token_client

pytestmark = pytest.mark.django_db


def test_the_api_door_refuses_one_field_at_a_time(db, monkeypatch):
    """Each row's body is otherwise valid: the only field named is the bad one."""
    site = SiteFactory(code="north", name="North Clinic")
    actor = UserFactory(username="rheum-api-door", role="rheumatologist", sites=[site])
    pin_api_today(monkeypatch, TODAY)
    for fields, field, _ in PATIENT_BAD_VALUES:
        body = {"mrn": "DOOR-1", "family_name": "Door", "given_name": "Case",
                "site": site.code, **PATIENT_BASE, **fields}
        response = token_client(actor).post("/api/v1/patients/", body, format="json")
        assert list(response.json()["error"]["fields"]) == [field]
