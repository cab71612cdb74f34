"""GET /cds-services: the specification's discovery shape, our one patient-view service, and
prefetch templates for the Patient and the Observations our rules read."""

import pytest

from cadm.cds.discovery import SERVICE_ID, observation_codes
from cadm.fhir import codes as fhir_codes
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


def test_prefetch_asks_for_the_patient_and_what_the_rules_read(client, rsa_key):
    """The Observations the FHIR mapper reads a value from (no more of the record), and the
    dermatomyositis Condition that dates the disease of a patient we do not hold."""
    service = client.get(DISCOVERY, **auth(token(rsa_key, DISCOVERY))).json()["services"][0]
    prefetch = service["prefetch"]
    assert set(prefetch) == {"patient", "observations", "conditions"}
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    query = prefetch["observations"]
    assert query.startswith("Observation?patient={{context.patientId}}&code=")
    codes = query.split("&code=")[1].split(",")
    assert set(codes) == set(observation_codes()) == (
        set(fhir_codes.LAB_LOINC) | set(fhir_codes.PFT_LOINC) | set(fhir_codes.ANTIBODY_LOINC))
    assert {"2157-6", "2276-4", "14804-9", "19872-1", "98130-8", "82424-3"} <= set(codes)
    conditions = prefetch["conditions"]
    assert conditions.startswith("Condition?patient={{context.patientId}}&code=")
    assert "http://snomed.info/sct|396230008" in conditions


def test_discovery_without_a_token_is_refused(client):
    response = client.get(DISCOVERY)
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_discovery_takes_get_only(client, rsa_key):
    response = client.post(DISCOVERY, **auth(token(rsa_key, DISCOVERY)))
    assert response.status_code == 405
    assert response.json()["issue"][0]["code"] == "not-supported"
