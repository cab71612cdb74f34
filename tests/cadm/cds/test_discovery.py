"""GET /cds-services: the specification's discovery shape, our one patient-view service, and
prefetch templates for the Patient and the Observations our rules read."""

import pytest

from cadm.cds.discovery import SERVICE_ID, observation_codes
from cadm.rules.measurements import QUANTITIES
from tests.cadm.cds.conftest import DISCOVERY, auth, spec_example, token

pytestmark = pytest.mark.django_db

# Every field the specification defines for a service (its discovery table).
SPEC_FIELDS = {"hook", "title", "description", "id", "prefetch", "usageRequirements",
               "version"}


def test_discovery_has_the_specifications_shape(client, rsa_key):
    response = client.get(DISCOVERY, **auth(token(rsa_key, DISCOVERY)))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    ours, example = response.json(), spec_example("discovery-response.json")
    assert set(ours) == set(example) == {"services"}
    [service] = ours["services"]
    patient_view = next(s for s in example["services"] if s["hook"] == "patient-view")
    assert set(patient_view) <= set(service) <= SPEC_FIELDS
    assert service["hook"] == "patient-view" and service["id"] == SERVICE_ID
    assert all(isinstance(service[k], str) and service[k] for k in ("title", "description"))


def test_prefetch_asks_for_the_patient_and_our_observations(client, rsa_key):
    service = client.get(DISCOVERY, **auth(token(rsa_key, DISCOVERY))).json()["services"][0]
    prefetch = service["prefetch"]
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    query = prefetch["observations"]
    assert query.startswith("Observation?patient={{context.patientId}}&code=")
    codes = query.split("&code=")[1].split(",")
    assert set(codes) == set(observation_codes())
    assert {q.loinc for q in QUANTITIES.values() if q.loinc} <= set(codes)
    assert "14804-9" in codes  # Synthea's LDH


def test_discovery_without_a_token_is_refused(client):
    response = client.get(DISCOVERY)
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_discovery_takes_get_only(client, rsa_key):
    response = client.post(DISCOVERY, **auth(token(rsa_key, DISCOVERY)))
    assert response.status_code == 405
    assert response.json()["issue"][0]["code"] == "not-supported"
