"""Every kind of row our export writes comes back through FHIR import as it was (the values
the rules read, and the free text), through its typed input and results_add; with the labs'
dedupe, correction and entered-in-error semantics. Another system's 6-minute walk panel and
medications are read only where they say what our rules need, else skipped with the reason.
(Export shapes: test_export.py; flags after a round trip: test_roundtrip_cohort.py.)"""

from __future__ import annotations

import copy

import pytest

from cadm.fhir.importer import fhir_import
from cadm.models import AuditEvent, Patient, RecordStatus
from cadm.sections import all_sections
from tests.cadm.api.conftest import token_client

from .bundles import DM_CONDITION, PATIENT, bundle
from .export_support import full_patient

pytestmark = pytest.mark.django_db

# Not compared: who and when of our own rows; the lab's as-entered value and unit (the export
# sends the normalised ones, which the rules read), the LOINC kept from its source, and the
# laboratory's name (not imported: a performer's display is not always a laboratory).
NOT_COMPARED = {"id", "public_id", "patient", "visit", "recorded_by", "created_at", "status",
                "status_reason", "loinc", "value", "unit", "upper_limit", "lab_name"}


def _rows(patient) -> dict[str, list[tuple]]:
    """The current rows of every kind, as comparable tuples of their fields."""
    found = {}
    for section in all_sections():
        names = [f.name for f in section.model._meta.concrete_fields
                 if f.name not in NOT_COMPARED]
        rows = section.model.objects.filter(patient=patient, status=RecordStatus.FINAL)
        found[section.key] = sorted(tuple(str(getattr(r, n)) for n in names) for r in rows)
    return found


@pytest.fixture
def source(site, rheumatologist, dermatologist):
    return full_patient(site, rheumatologist, dermatologist)


@pytest.fixture
def exported(source, rheumatologist) -> dict:
    response = token_client(rheumatologist).get(
        f"/fhir/r4/Patient/{source.public_id}/$everything")
    assert response.status_code == 200
    return response.json()


def _entries(document: dict, test) -> list[dict]:
    return [e["resource"] for e in document["entry"] if test(e["resource"])]


def _coded(system: str, code: str | None = None):
    def test(resource):
        codings = (resource.get("code") or resource.get("medicationCodeableConcept")
                   or {}).get("coding", [])
        return any(c["system"] == system and code in (None, c["code"]) for c in codings)
    return test


def test_every_kind_of_row_comes_back_as_it_was(source, exported, outsider, other_site):
    report = fhir_import(actor=outsider, site=other_site, bundle=exported)
    assert report.refused == [] and report.patient_created
    copied = _rows(report.patient)
    assert copied == _rows(source)
    # Every kind was there to compare, entered-in-error ones left out.
    assert all(copied[key] for key in ("labs", "antibodies", "pft", "hrct", "six-minute-walk",
                                       "muscle", "skin-biopsy", "eye-exams", "ppf",
                                       "cancer-screening", "medications"))
    assert len(copied["muscle"]) == 2 and len(copied["medications"]) == 2
    assert {i.section_key for i in report.imported} == {k for k, v in copied.items() if v} | {
        "visits"}
    # A walk is one row from its group and members: the report names all three resources.
    [walk] = [i for i in report.imported if i.section_key == "six-minute-walk"]
    assert len(walk.paths) == 4
    # Written by results_add, the one door: audited as every result is.
    assert AuditEvent.objects.filter(patient=report.patient, action="results.add").exists()


def test_the_patients_record_comes_with_a_new_patient_only(exported, outsider, other_site,
                                                           source):
    Patient.objects.filter(pk=source.pk).update(recorded_subtype="amyopathic",
                                                refractory_disease=True,
                                                high_npc_risk_region=True)
    bundle_now = token_client_bundle(source)
    copy_ = fhir_import(actor=outsider, site=other_site, bundle=bundle_now).patient
    assert (copy_.recorded_subtype, copy_.refractory_disease, copy_.high_npc_risk_region) == (
        "amyopathic", True, True)
    # A patient matched by identifier keeps its own details: an import never changes them.
    Patient.objects.filter(pk=copy_.pk).update(refractory_disease=False)
    again = fhir_import(actor=outsider, site=other_site, bundle=bundle_now)
    assert again.patient == copy_ and not again.patient_created
    copy_.refresh_from_db()
    assert copy_.refractory_disease is False


def token_client_bundle(patient) -> dict:
    user = patient.created_by
    return token_client(user).get(f"/fhir/r4/Patient/{patient.public_id}/$everything").json()


def test_importing_the_export_again_imports_nothing(exported, outsider, other_site):
    first = fhir_import(actor=outsider, site=other_site, bundle=exported)
    again = fhir_import(actor=outsider, site=other_site, bundle=exported)
    assert again.refused == [] and again.counts()["imported"] == 0
    assert _rows(again.patient) == _rows(first.patient)


def test_a_corrected_record_replaces_ours_and_the_rest_is_kept(exported, outsider, other_site):
    first = fhir_import(actor=outsider, site=other_site, bundle=exported)
    corrected = copy.deepcopy(exported)
    [eye] = _entries(corrected, _coded("urn:cadm:eye-exam"))
    eye["valueCodeableConcept"]["coding"][0]["code"] = "suspected"
    [nadir] = _entries(corrected, _coded("urn:cadm:six-minute-walk", "spo2-nadir"))
    nadir["valueQuantity"]["value"] = 84
    [hcq] = _entries(corrected, _coded("urn:cadm:vocabulary:drugs", "hydroxychloroquine"))
    hcq["dosage"][0]["doseAndRate"][0]["rateQuantity"]["value"] = 300
    again = fhir_import(actor=outsider, site=other_site, bundle=corrected)
    assert again.refused == []
    assert sorted(i.section_key for i in again.imported) == ["eye-exams", "medications",
                                                             "six-minute-walk"]
    copy_ = again.patient
    eye_model, walk_model, drug_model = (
        next(s.model for s in all_sections() if s.key == k)
        for k in ("eye-exams", "six-minute-walk", "medications"))
    assert [e.finding for e in eye_model.objects.filter(patient=copy_, status="final")] == [
        "suspected"]
    assert [w.spo2_nadir for w in walk_model.objects.filter(patient=copy_, status="final")] \
        == [84]
    doses = sorted(float(m.dose_mg_per_day) for m in drug_model.objects.filter(
        patient=copy_, status="final"))
    assert doses == [60, 300]
    replaced = eye_model.objects.get(patient=copy_, status=RecordStatus.ENTERED_IN_ERROR)
    assert "correction" in replaced.status_reason
    assert _rows(copy_)["hrct"] == _rows(first.patient)["hrct"]


def test_entered_in_error_at_the_source_marks_ours(exported, outsider, other_site):
    first = fhir_import(actor=outsider, site=other_site, bundle=exported)
    withdrawn = copy.deepcopy(exported)
    walk_ids = set()
    for resource in _entries(withdrawn, _coded("urn:cadm:six-minute-walk")):
        resource["status"] = "entered-in-error"
        walk_ids.add(resource["id"])
    for test in (_coded("urn:cadm:vocabulary:drugs", "other"), _coded("urn:cadm:ppf"),
                 _coded("urn:cadm:vocabulary:muscle_study_kinds", "biopsy")):
        [resource] = _entries(withdrawn, test)
        resource["status"] = "entered-in-error"
    again = fhir_import(actor=outsider, site=other_site, bundle=withdrawn)
    assert again.refused == [] and again.counts()["imported"] == 0
    assert sorted(i.section_key for i in again.marked_in_error) == [
        "medications", "muscle", "ppf", "six-minute-walk"]
    rows = _rows(first.patient)
    assert rows["six-minute-walk"] == [] and rows["ppf"] == [] and len(rows["muscle"]) == 1


# -- another system's data ------------------------------------------------------------------

WALK_PANEL = {"resourceType": "Observation", "id": "walk", "status": "final",
              "code": {"coding": [{"system": "http://loinc.org", "code": "62619-2"}]},
              "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2025-03-01",
              "hasMember": [{"reference": "Observation/dist"},
                            {"reference": "Observation/sat"}]}


def _member(id_: str, code: str, value, unit: str) -> dict:
    return {"resourceType": "Observation", "id": id_, "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2025-03-01",
            "valueQuantity": {"value": value, "unit": unit,
                              "system": "http://unitsofmeasure.org", "code": unit}}


DATES = {"skin_onset_date": "2024-12-01", "diagnosis_date": "2025-01-20"}


def test_a_walk_panel_that_does_not_say_which_spo2_is_the_nadir_is_skipped(site,
                                                                         rheumatologist):
    report = fhir_import(actor=rheumatologist, site=site, bundle=bundle(
        PATIENT, DM_CONDITION, WALK_PANEL, _member("dist", "64098-7", 410, "m"),
        _member("sat", "59408-5", 87, "%")))
    assert report.refused == [] and report.imported == []
    [reason] = [s.reason for s in report.skipped if s.path == "Bundle.entry[2].resource"]
    assert "do not say which is the nadir" in reason
    # The members are read with their panel, not again on their own.
    assert not any(s.path in ("Bundle.entry[3].resource", "Bundle.entry[4].resource")
                   for s in report.skipped)


def test_a_walk_panel_whose_members_say_so_is_imported_in_metres_and_percent(site,
                                                                            rheumatologist):
    nadir = _member("sat", "59408-5", 87, "%")
    nadir["code"]["coding"].append({"system": "urn:cadm:six-minute-walk",
                                    "code": "spo2-nadir"})
    distance = _member("dist", "64098-7", 0.41, "km")
    report = fhir_import(actor=rheumatologist, site=site, bundle=bundle(
        PATIENT, DM_CONDITION, WALK_PANEL, distance, nadir))
    assert [r.path for r in report.refused] == [
        "Bundle.entry[3].resource.valueQuantity.code"]  # km is not a unit we take
    distance["valueQuantity"] |= {"value": 410, "unit": "m", "code": "m"}
    report = fhir_import(actor=rheumatologist, site=site, bundle=bundle(
        PATIENT, DM_CONDITION, WALK_PANEL, distance, nadir))
    assert report.refused == [] and [i.section_key for i in report.imported] == [
        "six-minute-walk"]
    model = next(s.model for s in all_sections() if s.key == "six-minute-walk")
    walk = model.objects.get(patient=report.patient)
    assert (walk.distance_m, walk.spo2_nadir, walk.spo2_rest) == (410, 87, None)


def test_a_lone_spo2_stays_skipped_with_its_reason(site, rheumatologist):
    report = fhir_import(actor=rheumatologist, site=site, bundle=bundle(
        PATIENT, DM_CONDITION, _member("sat", "59408-5", 87, "%")), new_patient=DATES)
    [skipped] = [s for s in report.skipped if s.path == "Bundle.entry[2].resource"]
    assert "SpO2 on its own" in skipped.reason


def _statement(coding: dict, **extra) -> dict:
    return {"resourceType": "MedicationStatement", "status": "active",
            "medicationCodeableConcept": {"coding": [coding]},
            "subject": {"reference": "Patient/p1"},
            "effectivePeriod": {"start": "2025-02-01"}, **extra}


OURS = {"system": "urn:cadm:vocabulary:drugs", "code": "hydroxychloroquine"}


def test_another_systems_drug_code_is_skipped_never_guessed(site, rheumatologist):
    rxnorm = {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "5521",
              "display": "hydroxychloroquine"}
    report = fhir_import(actor=rheumatologist, site=site,
                         bundle=bundle(PATIENT, DM_CONDITION, _statement(rxnorm)))
    assert report.refused == [] and report.imported == []
    [skipped] = [s for s in report.skipped if s.path == "Bundle.entry[2].resource"]
    assert "not a drug code of ours" in skipped.reason


def test_a_course_is_read_only_with_a_daily_dose_in_mg_per_day(site, rheumatologist):
    per_dose = {"dosage": [{"doseAndRate": [{"rateQuantity": {
        "value": 200, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}]}]}
    report = fhir_import(actor=rheumatologist, site=site,
                         bundle=bundle(PATIENT, DM_CONDITION, _statement(OURS, **per_dose)))
    assert [r.path for r in report.refused] == [
        "Bundle.entry[2].resource.dosage[0].doseAndRate[0].rateQuantity.code"]
    assert not Patient.objects.exists()  # all or nothing


@pytest.mark.parametrize("status", ["intended", "on-hold", "not-taken", "unknown"])
def test_a_course_not_taken_is_skipped(site, rheumatologist, status):
    report = fhir_import(actor=rheumatologist, site=site,
                         bundle=bundle(PATIENT, DM_CONDITION, _statement(OURS, status=status)))
    assert report.refused == [] and report.imported == []
    assert any(status in s.reason for s in report.skipped)


def test_a_dose_above_the_rule_sets_guard_is_refused_by_the_input(site, rheumatologist):
    dose = {"dosage": [{"doseAndRate": [{"rateQuantity": {
        "value": 40000, "unit": "mg/day", "system": "http://unitsofmeasure.org",
        "code": "mg/d"}}]}]}
    report = fhir_import(actor=rheumatologist, site=site,
                         bundle=bundle(PATIENT, DM_CONDITION, _statement(OURS, **dose)))
    [refusal] = report.refused
    assert refusal.path == "Bundle.entry[2].resource.dosage[0].doseAndRate[0].rateQuantity.value"
    assert "accepted range" in refusal.message


def test_the_same_course_under_another_key_is_not_written_twice(site, rheumatologist):
    dose = {"dosage": [{"doseAndRate": [{"rateQuantity": {
        "value": 400, "unit": "mg/day", "system": "http://unitsofmeasure.org",
        "code": "mg/d"}}]}]}
    one = bundle(PATIENT, DM_CONDITION, _statement(OURS, **dose))
    first = fhir_import(actor=rheumatologist, site=site, bundle=one)
    assert first.patient_created and [i.section_key for i in first.imported] == [
        "medications"]
    # Another bundle's keys (its fullUrls) for the same course: compared by content.
    other = copy.deepcopy(one)
    for entry in other["entry"]:
        entry["fullUrl"] = entry["fullUrl"].replace("example", "elsewhere")
    again = fhir_import(actor=rheumatologist, site=site, bundle=other)
    assert again.patient == first.patient and again.imported == [] and again.refused == []
    assert any("Already recorded" in s.reason for s in again.skipped)
