"""A visit's examination exported as one Observation (cadm/fhir/export_visits.py) and read
back by FHIR import (cadm/fhir/visits.py, import_visits.py): its shape, valid FHIR R4 both
ways, "not examined" kept apart from "none found", unknown local codes skipped, and an
import twice recording one visit."""

from __future__ import annotations

import copy as copying
from decimal import Decimal

import pytest

from cadm.fhir.importer import fhir_import
from cadm.models import RecordStatus
from tests.cadm.api.conftest import token_client
from tests.factories import PatientFactory, VisitFactory

from .export_support import days_ago, validate_r4

pytestmark = pytest.mark.django_db

VISIT = "urn:cadm:visit"


def _bundle(user, patient) -> dict:
    response = token_client(user).get(f"/fhir/r4/Patient/{patient.public_id}/$everything")
    assert response.status_code == 200
    return response.json()


def _visits(bundle) -> list[dict]:
    return [e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == "Observation"
            and e["resource"]["code"]["coding"][0]["system"] == VISIT]


@pytest.fixture
def patient(site, rheumatologist):
    patient = PatientFactory(site=site, created_by=rheumatologist)
    # Skin and strength examined, symptoms not reviewed: no symptom component at all.
    VisitFactory(patient=patient, visit_on=days_ago(30), skin=["heliotrope", "v_sign"],
                 weakness=[], mmt8=78, weight_kg=Decimal("61.5"), symptoms=[],
                 assessed=["skin", "strength"], notes="Seen with her daughter.")
    VisitFactory(patient=patient, visit_on=days_ago(10), skin=[], weakness=[],
                 symptoms=["dyspnea"], assessed=["skin", "symptoms"],
                 status=RecordStatus.ENTERED_IN_ERROR, status_reason="Wrong patient")
    return patient


def test_a_visit_is_one_exam_observation_with_a_component_per_finding(patient,
                                                                     rheumatologist):
    bundle = _bundle(rheumatologist, patient)
    validate_r4(bundle)
    [visit] = _visits(bundle)  # the visit entered in error is not exported
    assert visit["status"] == "final" and visit["effectiveDateTime"] == days_ago(30).isoformat()
    assert visit["category"][0]["coding"][0]["code"] == "exam"
    assert visit["code"]["coding"][0]["code"] == "examination"
    assert visit["note"] == [{"text": "Seen with her daughter."}]
    parts = [(c["code"]["coding"][0]["code"],
              c.get("valueCodeableConcept", {}).get("coding", [{}])[0].get("system"),
              c.get("valueCodeableConcept", {}).get("coding", [{}])[0].get("code"))
             for c in visit["component"]]
    assert parts == [("skin", "urn:cadm:vocabulary:skin_signs", "heliotrope"),
                     ("skin", "urn:cadm:vocabulary:skin_signs", "v_sign"),
                     ("weakness", VISIT, "none"),  # examined, none found
                     ("mmt8", None, None), ("weight", None, None)]
    skin = visit["component"][0]["valueCodeableConcept"]["coding"][0]
    assert skin["display"] == "Heliotrope rash"
    assert visit["component"][3]["valueInteger"] == 78
    assert visit["component"][4]["valueQuantity"] == {
        "value": 61.5, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}
    # Read alone by id, as in the bundle.
    response = token_client(rheumatologist).get(f"/fhir/r4/Observation/{visit['id']}")
    assert response.status_code == 200 and response.json() == visit


def test_import_records_the_visit_as_examined_and_twice_only_once(patient, rheumatologist,
                                                                 other_site, outsider):
    bundle = _bundle(rheumatologist, patient)
    report = fhir_import(actor=outsider, site=other_site, bundle=bundle)
    assert report.refused == []
    [visit] = report.patient.visits.all()
    assert (visit.visit_on, visit.skin, visit.weakness, visit.symptoms, visit.mmt8,
            visit.weight_kg, visit.notes) == (days_ago(30), ["heliotrope", "v_sign"], [], [],
                                              78, Decimal("61.5"), "Seen with her daughter.")
    # Symptoms were not reviewed at the source: not "no symptoms" here either.
    assert visit.assessed == ["skin", "strength", "weight"]
    again = fhir_import(actor=outsider, site=other_site, bundle=bundle)
    assert again.refused == [] and again.counts()["imported"] == 0
    assert again.patient.visits.count() == 1
    assert any(s.reason.startswith("Already imported") for s in again.skipped)


def test_unknown_local_codes_are_skipped_with_a_reason(patient, rheumatologist, other_site,
                                                      outsider):
    bundle = copying.deepcopy(_bundle(rheumatologist, patient))
    [visit] = _visits(bundle)
    visit["component"][1]["valueCodeableConcept"]["coding"][0]["code"] = "made_up_sign"
    visit["component"].append({"code": {"coding": [{"system": VISIT, "code": "gait"}]},
                               "valueInteger": 3})
    report = fhir_import(actor=outsider, site=other_site, bundle=bundle)
    assert report.refused == []
    [copy] = report.patient.visits.all()
    assert copy.skin == ["heliotrope"]
    reasons = " ".join(s.reason for s in report.skipped)
    assert "made_up_sign" in reasons and "gait" in reasons


def test_a_corrected_examination_replaces_the_imported_visit(patient, rheumatologist,
                                                             other_site, outsider):
    bundle = _bundle(rheumatologist, patient)
    first = fhir_import(actor=outsider, site=other_site, bundle=bundle)
    corrected = copying.deepcopy(bundle)
    [visit] = _visits(corrected)
    visit["component"][1]["valueCodeableConcept"]["coding"][0]["code"] = "shawl_sign"
    fhir_import(actor=outsider, site=other_site, bundle=corrected)
    visits = {v.status: v for v in first.patient.visits.all()}
    assert visits[RecordStatus.ENTERED_IN_ERROR].skin == ["heliotrope", "v_sign"]
    assert visits[RecordStatus.FINAL].skin == ["heliotrope", "shawl_sign"]
