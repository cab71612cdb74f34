"""The records §8 of the clinical reference verifies no code for, as our export writes them
(cadm/fhir/export_records.py): muscle studies, skin biopsies, retinal screenings, the PPF
judgement and cancer-screening panels as Observations in our local code systems, and
medication courses as MedicationStatements, linked from the flags that name them."""

from __future__ import annotations

import pytest

from tests.cadm.api.conftest import token_client

from .export_support import full_patient, validate_r4

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle(site, rheumatologist, dermatologist) -> dict:
    patient = full_patient(site, rheumatologist, dermatologist)
    response = token_client(rheumatologist).get(
        f"/fhir/r4/Patient/{patient.public_id}/$everything")
    assert response.status_code == 200
    found = response.json()
    validate_r4(found)
    return found


def by_type(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _local(observation: dict) -> list[tuple[str, str]]:
    return [(c["system"], c["code"]) for c in observation["code"].get("coding", ())
            if c["system"].startswith("urn:cadm:")]


def _ours(observation: dict) -> tuple[str, str]:
    [found] = _local(observation)
    return found


def test_the_other_records_are_coded_in_our_local_systems(bundle):
    found = {}
    for o in by_type(bundle, "Observation"):
        local = _local(o)
        if local and local[0][0] not in ("urn:cadm:vocabulary:lab_tests",
                                         "urn:cadm:vocabulary:antibodies"):
            found.setdefault(local[0], []).append(o)
    mri = found[("urn:cadm:vocabulary:muscle_study_kinds", "mri")][0]
    assert (mri["valueBoolean"], mri["note"]) == (True, [{"text": "Oedema of both quadriceps."}])
    assert mri["category"][0]["coding"][0]["code"] == "imaging"
    [biopsy] = found[("urn:cadm:vocabulary:muscle_study_kinds", "biopsy")]
    assert [_ours(c) for c in biopsy["component"]] == [("urn:cadm:muscle-study", "finding")]
    assert biopsy["component"][0]["valueCodeableConcept"]["coding"][0]["code"] == \
        "perifascicular_atrophy"
    [emg] = found[("urn:cadm:vocabulary:muscle_study_kinds", "emg")]
    assert emg["status"] == "entered-in-error"
    assert emg["note"] == [{"text": "Entered in error: Other patient's study"}]
    [skin] = found[("urn:cadm:skin-biopsy", "consistent-with-dm")]
    assert skin["valueBoolean"] is True and "note" not in skin
    [eye] = found[("urn:cadm:eye-exam", "retinal-screening")]
    assert eye["valueCodeableConcept"]["coding"][0]["code"] == "normal"
    [ppf] = found[("urn:cadm:ppf", "assessment")]
    assert [(_ours(c)[1], c["valueBoolean"]) for c in ppf["component"]] == [
        ("worsening-symptoms", True), ("radiological-progression", False)]
    [screening] = found[("urn:cadm:vocabulary:screening_panels", "basic")]
    assert screening["valueCodeableConcept"]["coding"][0]["code"] == "no_cancer"


def test_medication_courses_are_statements_linked_from_the_flags(bundle):
    statements = {s["medicationCodeableConcept"]["coding"][0]["code"]: s
                  for s in by_type(bundle, "MedicationStatement")}
    hcq, other, wrong = (statements[k] for k in ("hydroxychloroquine", "other",
                                                  "methotrexate"))
    assert (hcq["status"], "end" in hcq["effectivePeriod"]) == ("active", False)
    assert hcq["dosage"] == [{"text": "400 mg/day", "doseAndRate": [{"rateQuantity": {
        "value": 400, "unit": "mg/day", "system": "http://unitsofmeasure.org",
        "code": "mg/d"}}]}]
    assert (other["status"], other["medicationCodeableConcept"]["text"]) == (
        "completed", "Apremilast")
    assert wrong["status"] == "entered-in-error"
    # A rule's evidence that names the course links to its statement.
    links = [d["reference"] for issue in by_type(bundle, "DetectedIssue")
             for e in issue.get("evidence", ()) for d in e.get("detail", ())]
    assert f"MedicationStatement/{hcq['id']}" in links
