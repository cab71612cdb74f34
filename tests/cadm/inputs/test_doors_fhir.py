"""FHIR import joins the door table (issue 12): the same bad value gets the same message
through the form, the case loader, the API and FHIR (the import service and POST /fhir/r4/).

Each FHIR door sends the case file's entry as an EHR would: a Bundle with the Patient, its
dermatomyositis Condition and one Observation coded by the analyte's LOINC
(cadm.rules.measurements, clinical-reference.md §8.1), its ULN as referenceRange.high; the
refusal's FHIR path is turned back into the input's field. KL-6 has no LOINC (§8.1: "not
found"), so no EHR can send it coded: that row has no FHIR door.
"""

from __future__ import annotations

import json

import pytest

from cadm.fhir.importer import fhir_import
from cadm.rules import measurements
from tests.cadm.api.conftest import token_client
from tests.cadm.inputs.test_doors import (
    BAD_VALUES,
    PATIENT_BAD_VALUES,
    PATIENT_BASE,
    PATIENT_DOORS,
    TODAY,
    _api_today,  # noqa: F401  (autouse: the API's today pinned, as in the door table)
    case_loader_door,
    form_door,
    north,  # noqa: F401  (fixture)
)
from tests.cadm.inputs.test_doors import DOORS as CASE_DOORS

A_DAY = "2025-02-01"


@pytest.fixture(autouse=True)
def _fhir_today(monkeypatch):
    """The import checks dates against the day the table is pinned to, as the API does."""
    monkeypatch.setattr("cadm.fhir.importer.current_day", lambda: TODAY)
# The end of a refusal's FHIR path -> the input's field.
FIELDS = {".valueQuantity.value": "value", ".valueQuantity.code": "unit",
          ".high.value": "upper_limit", ".effectiveDateTime": "observed_on",
          ".gender": "sex", ".birthDate": "birth_date", ".onsetDateTime": "skin_onset_date",
          ".recordedDate": "diagnosis_date"}


def _field(path: str) -> str:
    return next(field for tail, field in FIELDS.items() if path.endswith(tail))


def _bundle(entry: dict | None = None, *, patient: dict | None = None) -> dict:
    fields = {**PATIENT_BASE, **(patient or {})}
    resources = [
        {"resourceType": "Patient", "id": "p1",
         "identifier": [{"system": "urn:example:doors", "value": "DOOR-1"}],
         "name": [{"family": "Door", "given": ["Case"]}], "gender": fields["sex"],
         "birthDate": fields["birth_date"]},
        {"resourceType": "Condition", "subject": {"reference": "Patient/p1"},
         "code": {"coding": [{"system": "http://snomed.info/sct", "code": "396230008"}]},
         "onsetDateTime": fields["skin_onset_date"],
         "recordedDate": fields["diagnosis_date"]},
    ]
    if entry is not None:
        q = measurements.QUANTITIES[entry["test"]]
        observation = {
            "resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": q.loinc}]},
            "subject": {"reference": "Patient/p1"}, "effectiveDateTime": A_DAY,
            "valueQuantity": {"value": entry["value"], "system": "http://unitsofmeasure.org",
                              "code": entry["unit"]}}
        if "upper_limit" in entry:
            observation["referenceRange"] = [{"high": {"value": entry["upper_limit"]}}]
        resources.append(observation)
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in resources]}


def _coded(entry: dict) -> bool:
    """An analyte without a LOINC code (clinical-reference.md §8.1: KL-6) never arrives coded
    from an EHR: the FHIR doors have no such case."""
    return measurements.QUANTITIES[entry["test"]].loinc is not None


def fhir_door(entry: dict | None, *, actor, site, patient_fields=None, **_) -> tuple[str, str]:
    report = fhir_import(actor=actor, site=site, bundle=_bundle(entry, patient=patient_fields),
                         today=TODAY)
    assert not report.saved
    refusal = report.refused[0]
    return _field(refusal.path), refusal.message


def fhir_api_door(entry: dict | None, *, actor, site, patient_fields=None,
                  **_) -> tuple[str, str]:
    response = token_client(actor).post(
        f"/fhir/r4/?site={site.code}", json.dumps(_bundle(entry, patient=patient_fields)),
        content_type="application/fhir+json")
    assert response.status_code == 422, response.content
    issue = next(i for i in response.json()["issue"] if i["severity"] == "error")
    return _field(issue["expression"][0]), issue["diagnostics"]


DOORS = {"form": form_door, "case_load": case_loader_door, "api": CASE_DOORS["api"],
         "fhir": fhir_door, "fhir_api": fhir_api_door}


@pytest.mark.parametrize(("door", "entry", "field", "message"), [
    (door, *row) for row in BAD_VALUES for door in DOORS
    if _coded(row[0]) or not door.startswith("fhir")
], ids=lambda value: value if isinstance(value, str) else None)
def test_the_same_bad_lab_value_gets_the_same_message(door, entry, field, message, north,  # noqa: F811
                                                      patient, tmp_path, capsys):
    site, actor = north
    got = DOORS[door](entry, patient=patient, actor=actor, site=site, tmp_path=tmp_path,
                      capsys=capsys)
    assert got == (field, message)


PATIENT_FHIR_DOORS = {**PATIENT_DOORS,
                      "fhir": lambda fields, **kw: fhir_door(None, patient_fields=fields, **kw),
                      "fhir_api": lambda fields, **kw: fhir_api_door(None, patient_fields=fields,
                                                                     **kw)}


@pytest.mark.parametrize("door", PATIENT_FHIR_DOORS)
@pytest.mark.parametrize(("fields", "field", "message"), PATIENT_BAD_VALUES,
                         ids=[f for _, f, _ in PATIENT_BAD_VALUES])
def test_the_same_bad_patient_value_gets_the_same_message(door, fields, field, message,
                                                          north):  # noqa: F811
    site, actor = north
    got = PATIENT_FHIR_DOORS[door]({**PATIENT_BASE, **fields}, actor=actor, site=site)
    assert got == (field, message)
