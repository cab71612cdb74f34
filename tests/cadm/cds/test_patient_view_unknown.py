"""POST /cds-services/{id} for a patient we do not hold: the active rule set on the EHR's FHIR
data, stored nowhere, giving the flags an import of the same data would give (FHIR import,
then the evaluation shell). Real data too: a Synthea bundle served as the EHR's prefetch."""

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone

from cadm.cds.cards import SUMMARY_MAX
from cadm.cds.discovery import observation_codes
from cadm.fhir.importer import fhir_import
from cadm.models import AuditEvent, Flag, LabResult, Patient, PatientIdentifier
from cadm.services.evaluation import patient_evaluation
from tests.cadm.cds.conftest import SERVICE, post, token

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SYNTHEA = Path(__file__).resolve().parents[3].parent / "shared" / "interop" / "synthea"
HEALTHWALLET = "healthwallet-1017080-bundle.json"


def ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


def quantity(code: str, value, unit: str, day: str, **extra) -> dict:
    return {"resourceType": "Observation", "id": f"o-{code}-{day}", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "subject": {"reference": "Patient/p1"}, "effectiveDateTime": day,
            "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org",
                              "code": unit}} | extra


PATIENT = {"resourceType": "Patient", "id": "p1",
           "identifier": [{"system": "urn:example:ehr-mrn", "value": "EHR-0001"}],
           "name": [{"use": "official", "family": "Example", "given": ["Ada"]}],
           "gender": "female", "birthDate": "1980-03-03"}


def dm_condition(patient_ref: str = "Patient/p1") -> dict:
    return {"resourceType": "Condition", "id": "dm",
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "396230008"}]},
            "subject": {"reference": patient_ref}, "onsetDateTime": ago(300),
            "recordedDate": ago(250)}


def observations() -> list[dict]:
    """Anti-MDA5 positive, a high ferritin, CK within its lab's limit, one PFT."""
    mda5 = {"resourceType": "Observation", "id": "o-mda5", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "82424-3"}]},
            "subject": {"reference": "Patient/p1"}, "effectiveDateTime": ago(245),
            "valueString": "positive"}
    return [mda5, quantity("2276-4", 1200, "ng/mL", ago(20)),
            quantity("2157-6", 150, "U/L", ago(20),
                     referenceRange=[{"high": {"value": 192, "unit": "U/L"}}]),
            quantity("19872-1", 85, "%", ago(100)), quantity("98130-8", 70, "%", ago(100))]


def searchset(resources) -> dict:
    return {"resourceType": "Bundle", "type": "searchset",
            "entry": [{"resource": copy.deepcopy(r)} for r in resources]}


def request_body(patient, conditions, obs, *, fhir_id="p1") -> dict:
    return {"hook": "patient-view", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
            "context": {"userId": "Practitioner/example", "patientId": fhir_id},
            "prefetch": {"patient": patient, "conditions": searchset(conditions),
                         "observations": searchset(obs)}}


def cards(client, key, body) -> list[dict]:
    response = post(client, SERVICE, body, token(key, SERVICE))
    assert response.status_code == 200, response.content
    return response.json()["cards"]


def imported_flags(site, actor, resources) -> list[dict]:
    """The same data through FHIR import and the evaluation shell (the stored way)."""
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"fullUrl": f"urn:example:{i}", "resource": copy.deepcopy(r)}
                        for i, r in enumerate(resources)]}
    report = fhir_import(actor=actor, site=site, bundle=bundle, partial=True, today=TODAY)
    assert report.patient is not None, report.refused
    evaluation = patient_evaluation(report.patient, as_of=TODAY)
    return [f.as_dict() for f in evaluation.flags]


@pytest.fixture
def elsewhere(settings):
    """The EHR is allowed at another site: whatever we import at ours is not its patient."""
    settings.CDS_ISSUERS["https://ehr.example.org"]["sites"] = ["south"]


def stored_counts() -> tuple:
    return (Patient.objects.count(), Flag.objects.count(), LabResult.objects.count(),
            PatientIdentifier.objects.count(), AuditEvent.objects.count())


def test_the_ehrs_data_gives_the_flags_an_import_would_give(client, rsa_key, site,
                                                            rheumatologist, elsewhere):
    before = stored_counts()
    got = cards(client, rsa_key, request_body(PATIENT, [dm_condition()], observations()))
    assert got, "an anti-MDA5 patient with a high ferritin has flags"
    assert stored_counts() == before  # stored nowhere, not even an audit row
    expected = imported_flags(site, rheumatologist, [PATIENT, dm_condition(), *observations()])
    assert [(c["source"]["topic"]["code"], c["indicator"]) for c in got] == [
        (f["code"], f["severity"]) for f in expected]
    for card, flag in zip(got, expected, strict=True):
        assert card["summary"] == flag["summary"][:SUMMARY_MAX]
        assert "Not on file in CADM" in card["detail"]
        assert "links" not in card  # no page of ours holds this patient
        assert {r["code"] for r in card["overrideReasons"]} >= {"patient-refuses"}


def test_cards_of_an_unstored_patient_keep_their_uuid(client, rsa_key, elsewhere):
    body = request_body(PATIENT, [dm_condition()], observations())
    first = [c["uuid"] for c in cards(client, rsa_key, body)]
    assert first == [c["uuid"] for c in cards(client, rsa_key, copy.deepcopy(body))]
    assert len(set(first)) == len(first)


def test_feedback_on_an_unstored_card_stores_nothing(client, rsa_key, elsewhere, ehr_account):
    from tests.cadm.cds.conftest import FEEDBACK, spec_example

    card = cards(client, rsa_key, request_body(PATIENT, [dm_condition()], observations()))[0]
    body = spec_example("feedback-accepted.json")
    body["feedback"][0]["card"] = card["uuid"]
    response = post(client, FEEDBACK, body, token(rsa_key, FEEDBACK))
    assert response.json() == {"feedback": [{"card": card["uuid"], "result": "unknown-card"}]}


def test_no_dermatomyositis_condition_no_cards_and_no_observations_fetched(client, rsa_key,
                                                                         monkeypatch):
    calls = []
    monkeypatch.setattr("cadm.cds.prefetch.http_get_json",
                        lambda url, **kw: calls.append(url) or searchset([]))
    body = request_body(PATIENT, [], [])
    del body["prefetch"]["observations"]
    body["fhirServer"] = "https://ehr.example.org/fhir"
    assert cards(client, rsa_key, body) == []
    assert calls == []


def test_a_patient_our_input_refuses_is_not_evaluated(client, rsa_key):
    odd = PATIENT | {"gender": "unknown"}
    assert cards(client, rsa_key, request_body(odd, [dm_condition()], observations())) == []
    future = PATIENT | {"birthDate": (TODAY + dt.timedelta(days=3)).isoformat()}
    assert cards(client, rsa_key, request_body(future, [dm_condition()], observations())) == []


def test_a_value_our_input_refuses_is_left_out_as_an_import_would(client, rsa_key, site,
                                                                  rheumatologist, elsewhere):
    bad = quantity("2157-6", 900000, "U/L", ago(10))  # beyond the hard range of CK
    got = cards(client, rsa_key, request_body(PATIENT, [dm_condition()],
                                              [*observations(), bad]))
    expected = imported_flags(site, rheumatologist,
                              [PATIENT, dm_condition(), *observations(), bad])
    assert [c["source"]["topic"]["code"] for c in got] == [f["code"] for f in expected]


def test_the_data_is_fetched_from_the_ehr_when_not_prefetched(client, rsa_key, elsewhere):
    served = {"Patient": PATIENT, "Condition": searchset([dm_condition()])}
    obs = observations()
    pages = {  # two pages, the second named by the first's next link
        "page1": searchset(obs[:2]) | {"link": [{"relation": "next", "url":
                                                 "https://ehr.example.org/fhir/page2"}]},
        "page2": searchset(obs[2:]),
    }
    calls = []

    def fetch(url, *, token, timeout):
        calls.append(url)
        assert token == "opaque"
        if url.endswith("/page2"):
            return pages["page2"]
        kind = url.split("/fhir/")[1].split("?")[0].split("/")[0]
        return pages["page1"] if kind == "Observation" else served[kind]

    import cadm.cds.prefetch as prefetch_module

    original = prefetch_module.http_get_json
    prefetch_module.http_get_json = fetch
    try:
        body = request_body(PATIENT, [], []) | {
            "fhirServer": "https://ehr.example.org/fhir",
            "fhirAuthorization": {"access_token": "opaque", "token_type": "Bearer",
                                  "expires_in": 300, "scope": "user/*.read",
                                  "subject": "cadm"}}
        del body["prefetch"]
        fetched = cards(client, rsa_key, body)
    finally:
        prefetch_module.http_get_json = original
    prefetched = cards(client, rsa_key, request_body(PATIENT, [dm_condition()], obs))
    assert [c["uuid"] for c in fetched] == [c["uuid"] for c in prefetched]
    assert calls[0] == "https://ehr.example.org/fhir/Patient/p1"
    assert any("Observation?patient=p1&code=" in url for url in calls)
    assert calls[-1] == "https://ehr.example.org/fhir/page2"


def test_a_page_on_another_server_is_not_followed(client, rsa_key, elsewhere, monkeypatch):
    calls = []
    page = searchset(observations()) | {"link": [{"relation": "next",
                                                   "url": "https://evil.example/steal"}]}

    def fetch(url, *, token, timeout):
        calls.append(url)
        return page

    monkeypatch.setattr("cadm.cds.prefetch.http_get_json", fetch)
    body = request_body(PATIENT, [dm_condition()], []) | {
        "fhirServer": "https://ehr.example.org/fhir"}
    del body["prefetch"]["observations"]
    assert cards(client, rsa_key, body)
    assert not any("evil.example" in url for url in calls)


def test_an_operation_outcome_instead_of_a_bundle_is_a_412(client, rsa_key):
    body = request_body(PATIENT, [dm_condition()], [])
    body["prefetch"]["observations"] = {"resourceType": "OperationOutcome", "issue": []}
    response = post(client, SERVICE, body, token(rsa_key, SERVICE))
    assert response.status_code == 412
    assert response.json()["issue"][0]["expression"] == ["prefetch.observations"]


def test_no_active_rule_set_is_a_503(client, rsa_key, none_active):
    response = post(client, SERVICE, request_body(PATIENT, [dm_condition()], observations()),
                    token(rsa_key, SERVICE))
    assert response.status_code == 503
    assert response.json()["resourceType"] == "OperationOutcome"


@pytest.fixture
def none_active(db):
    """No version active (reachable on SQLite; on PostgreSQL until commit), in a savepoint
    rolled back at the end, as tests/cadm/rulesets/conftest.py does."""
    from django.db import transaction

    from cadm.models import RuleSetVersion

    with transaction.atomic():
        RuleSetVersion.objects.filter(state="active").update(
            state=RuleSetVersion.State.RETIRED, retired_at=timezone.now())
        yield
        transaction.set_rollback(True)


# -- real data: a Synthea bundle as the EHR's prefetch --------------------------------------------

def synthea_as_ehr_search(name: str) -> tuple[dict, list[dict]]:
    """The Patient and the Observations an EHR's search by our LOINC codes would return, with
    their subjects as a FHIR server writes them (Patient/<id>, not the bundle's urn:uuid)."""
    bundle = json.loads((SYNTHEA / name).read_text())
    resources = [e["resource"] for e in bundle["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    codes = set(observation_codes())
    found = []
    for resource in resources:
        if resource["resourceType"] != "Observation":
            continue
        if {c.get("code") for c in resource.get("code", {}).get("coding", [])} & codes:
            found.append(resource | {"subject": {"reference": f"Patient/{patient['id']}"}})
    return patient, found


def test_a_synthea_patient_served_as_prefetch_gives_the_cards_our_rules_predict(
        client, rsa_key, site, rheumatologist, elsewhere):
    patient, obs = synthea_as_ehr_search(HEALTHWALLET)
    assert {o["code"]["coding"][0]["code"] for o in obs} >= {"2276-4"}  # ferritin
    reference = f"Patient/{patient['id']}"
    # Without a dermatomyositis Condition it is not a patient of ours: no guidance.
    assert cards(client, rsa_key, request_body(patient, [], obs, fhir_id=patient["id"])) == []
    got = cards(client, rsa_key, request_body(patient, [dm_condition(reference)], obs,
                                              fhir_id=patient["id"]))
    expected = imported_flags(site, rheumatologist, [patient, dm_condition(reference), *obs])
    assert got, "a dermatomyositis patient of 1967 is due enhanced cancer screening"
    assert [(c["source"]["topic"]["code"], c["indicator"], c["summary"]) for c in got] == [
        (f["code"], f["severity"], f["summary"][:SUMMARY_MAX]) for f in expected]


def test_once_imported_the_patient_is_known_by_the_ehrs_identifier(client, rsa_key, site,
                                                                   rheumatologist):
    """FHIR import records the EHR's identifiers (PatientIdentifier): the next patient-view
    shows the stored flags, with our links, instead of evaluating on the spot."""
    from cadm.services.evaluation import patient_reevaluate

    imported_flags(site, rheumatologist, [PATIENT, dm_condition(), *observations()])
    patient = Patient.objects.get()
    patient_reevaluate(patient.pk)
    stored = {str(f.public_id) for f in Flag.objects.filter(patient=patient)}
    got = cards(client, rsa_key, request_body(PATIENT, [], []))
    assert stored and {c["uuid"] for c in got} == stored
    assert all(c["links"] for c in got)
