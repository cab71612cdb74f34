"""FHIR import keeps the identifiers a later import matches by, never a person's document
numbers: Synthea sends a social security number, a driver's licence and a passport number
beside the record numbers, as EHRs do."""

import datetime as dt

import pytest

from cadm.fhir.importer import fhir_import
from cadm.fhir.patients import identifiers
from cadm.models import PatientIdentifier
from tests.cadm.fhir.bundles import LEAN, PATIENT, synthea

pytestmark = pytest.mark.django_db
V2 = "http://terminology.hl7.org/CodeSystem/v2-0203"


def _typed(code: str, system: str, value: str) -> dict:
    return {"type": {"coding": [{"system": V2, "code": code}]}, "system": system,
            "value": value}


def test_document_numbers_are_never_kept():
    patient = {**PATIENT, "identifier": [
        _typed("MR", "urn:example:mrn", "EHR-0001"),
        _typed("SS", "urn:example:ssn", "999-12-3456"),
        _typed("DL", "urn:example:dl", "S99912345"),
        _typed("PPN", "urn:example:passport", "X1234567"),
        _typed("NNFRA", "urn:example:nir", "2800375000001"),
        {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "999-98-7654"},
        {"system": "urn:example:ehr-id", "value": "abc-1"}]}
    assert identifiers(patient) == [("urn:example:mrn", "EHR-0001"),
                                    ("urn:example:ehr-id", "abc-1")]


def test_a_synthea_import_stores_record_numbers_only(site, rheumatologist):
    bundle = synthea(LEAN)
    sent = [i for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
            for i in e["resource"]["identifier"]]
    assert {"SS", "DL", "PPN"} <= {i.get("type", {}).get("coding", [{}])[0].get("code")
                                   for i in sent}
    report = fhir_import(actor=rheumatologist, site=site, bundle=bundle,
                         new_patient={"skin_onset_date": "2019-06-01",
                                      "diagnosis_date": "2019-09-01"},
                         today=dt.date(2026, 6, 1))
    kept = set(PatientIdentifier.objects.filter(patient=report.patient)
               .values_list("system", flat=True))
    assert kept == {"https://github.com/synthetichealth/synthea",
                    "http://hospital.smarthealthit.org"}
    stored_values = set(PatientIdentifier.objects.values_list("value", flat=True))
    documents = {i["value"] for i in sent
                 if i.get("type", {}).get("coding", [{}])[0].get("code") in ("SS", "DL", "PPN")}
    assert not stored_values & documents
