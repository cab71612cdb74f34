"""The FHIR import service (cadm.fhir.importer): real bundles, dedupe, entered-in-error,
all-or-nothing and partial imports, permissions and sites."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from cadm.fhir.import_report import Refusal
from cadm.fhir.importer import fhir_import
from cadm.models import AuditEvent, LabResult, Patient, PatientIdentifier, RecordStatus
from tests.cadm.fhir.bundles import (
    DM_CONDITION,
    HEALTHWALLET,
    KALLIE,
    LEAN,
    PATIENT,
    bundle,
    lab,
    synthea,
)
from tests.factories import PatientFactory

TODAY = dt.date(2026, 6, 1)
DATES = {"skin_onset_date": "2019-06-01", "diagnosis_date": "2019-09-01"}


@pytest.fixture
def run(site, rheumatologist):
    def run(b, **kwargs):
        kwargs.setdefault("today", TODAY)
        return fhir_import(actor=kwargs.pop("actor", rheumatologist),
                           site=kwargs.pop("at", site), bundle=b, **kwargs)
    return run


# -- the Synthea bundles ------------------------------------------------------------------

@pytest.mark.parametrize(("name", "imported", "skipped"), [
    (KALLIE, 0, 296), (LEAN, 20, 487), (HEALTHWALLET, 24, 591)])
def test_synthea_bundles_import_and_a_second_import_imports_nothing(run, name, imported,
                                                                    skipped):
    first = run(synthea(name), new_patient=DATES)
    assert first.refused == []
    assert first.counts() == {"imported": imported, "marked_in_error": 0, "skipped": skipped,
                              "refused": 0}
    assert first.patient_created
    assert LabResult.objects.filter(patient=first.patient).count() == imported

    again = run(synthea(name))  # matched by identifier: no dates needed now
    assert (again.patient, again.patient_created) == (first.patient, False)
    assert again.counts() == {"imported": 0, "marked_in_error": 0,
                              "skipped": skipped + imported, "refused": 0}
    assert LabResult.objects.filter(patient=first.patient).count() == imported
    assert Patient.objects.count() == 1


def test_synthea_values_as_stored(run):
    report = run(synthea(HEALTHWALLET), new_patient=DATES)
    patient = report.patient
    assert (patient.mrn, patient.sex, patient.birth_date) == (
        "622da958-d492-c2ca-a555-1b4689729c5b", "male", dt.date(1967, 6, 24))
    assert set(PatientIdentifier.objects.filter(patient=patient).values_list("system",
                                                                             flat=True)) >= {
        "https://github.com/synthetichealth/synthea", "http://hospital.smarthealthit.org"}
    ferritin = LabResult.objects.get(patient=patient, analyte="ferritin",
                                     observed_on=dt.date(2020, 2, 22))
    assert (ferritin.value, ferritin.unit, ferritin.value_normalised, ferritin.unit_normalised,
            ferritin.loinc) == (Decimal("938.55"), "ug/L", Decimal("938.55"), "ng/mL", "2276-4")
    ldh = LabResult.objects.filter(patient=patient, analyte="ldh")
    assert ldh.count() == 3 and {r.loinc for r in ldh} == {"2532-0"}
    actions = list(AuditEvent.objects.filter(patient=patient).values_list("action", flat=True))
    assert actions.count("results.add") == 6 and "fhir.import" in actions
    assert "patient.create" in actions


def test_a_new_patient_without_disease_dates_is_refused_with_the_hint(run):
    report = run(synthea(LEAN))
    assert report.counts()["imported"] == 0
    onset, diagnosis = report.refused
    assert (onset.path, diagnosis.path) == ("Bundle.entry[0].resource",) * 2
    assert onset.message == (
        "Skin onset date: required; enter a date as YYYY-MM-DD. A new patient's disease dates "
        "come from a Condition coded dermatomyositis (SNOMED CT 396230008 or ICD-10 M33.1: "
        "its onset and recordedDate), or are given with the import (skin_onset_date and "
        "diagnosis_date); they are never guessed.")
    assert Patient.objects.count() == 0 and LabResult.objects.count() == 0


def test_disease_dates_from_a_dermatomyositis_condition(run):
    report = run(bundle(PATIENT, DM_CONDITION, lab("2157-6", 250)))
    assert report.refused == [] and report.patient_created
    assert (report.patient.skin_onset_date, report.patient.diagnosis_date) == (
        dt.date(2024, 12, 1), dt.date(2025, 1, 20))
    assert (report.patient.family_name, report.patient.given_name) == ("Example", "Ada B")


# -- matching ------------------------------------------------------------------------------

def test_matched_by_identifier_at_the_site_only(run, site, other_site, rheumatologist):
    ours = PatientFactory(site=site, created_by=rheumatologist, birth_date=dt.date(1980, 3, 3))
    elsewhere = PatientFactory(site=other_site, created_by=rheumatologist)
    PatientIdentifier.objects.create(patient=elsewhere, site=other_site,
                                     system="urn:example:mrn", value="EHR-0001")
    PatientIdentifier.objects.create(patient=ours, site=site, system="urn:example:mrn",
                                     value="EHR-0001")
    report = run(bundle(PATIENT, lab("2157-6", 250)))
    assert (report.patient, report.counts()["imported"]) == (ours, 1)
    assert not LabResult.objects.filter(patient=elsewhere).exists()


def test_a_patient_without_identifier_is_not_registered(run):
    patient = {k: v for k, v in PATIENT.items() if k != "identifier"}
    report = run(bundle(patient, DM_CONDITION, lab("2157-6", 250)))
    assert [r.path for r in report.refused] == ["Bundle.entry[0].resource.identifier"]
    assert Patient.objects.count() == 0


def test_a_bundle_without_patient_is_refused(run):
    report = run(bundle(lab("2157-6", 250)))
    assert report.refused == [Refusal("Bundle", "", "", "No Patient resource: an import needs "
                                                        "the patient, to match or register.")]


def test_mrn_taken_at_the_site_refuses_the_registration(run, site, rheumatologist):
    PatientFactory(site=site, created_by=rheumatologist, mrn="EHR-0001")
    report = run(bundle(PATIENT, DM_CONDITION, lab("2157-6", 250)))
    (refusal,) = report.refused
    assert refusal.path == "Bundle.entry[0].resource.identifier[0].value"
    assert "already used" in refusal.message
    assert Patient.objects.count() == 1 and LabResult.objects.count() == 0


# -- refusals: all or nothing, partial -------------------------------------------------------

BAD_CK = lab("2157-6", 600000, id="ck-bad")


def test_a_bad_value_is_refused_with_its_path_value_and_range(run):
    report = run(bundle(PATIENT, DM_CONDITION, lab("2157-6", 250, id="ck-ok"), BAD_CK))
    assert report.refused == [Refusal(
        "Bundle.entry[3].resource.valueQuantity.value", "600000", "0–500000 U/L",
        "CK: 600000 U/L is outside the accepted range 0–500000 U/L.")]
    assert report.counts()["imported"] == 0 and not report.saved
    assert Patient.objects.count() == 0 and LabResult.objects.count() == 0


def test_partial_import_keeps_what_passes(run):
    report = run(bundle(PATIENT, DM_CONDITION, lab("2157-6", 250, id="ck-ok"), BAD_CK),
                 partial=True)
    assert report.counts() == {"imported": 1, "marked_in_error": 0, "skipped": 1,
                               "refused": 1}
    assert LabResult.objects.get().value == 250


def test_soft_range_values_count_as_confirmed_hard_range_refuses(run):
    report = run(bundle(PATIENT, DM_CONDITION, lab("2157-6", 25000)))
    assert report.refused == [] and LabResult.objects.get().value == 25000


def test_a_unit_we_cannot_convert_is_refused(run):
    report = run(bundle(PATIENT, DM_CONDITION, lab("1988-5", 5, "mmol/L")))
    (refusal,) = report.refused
    assert refusal.path == "Bundle.entry[2].resource.valueQuantity.code"
    assert (refusal.value, refusal.accepted) == ("mmol/L", "mg/L or mg/dL")


def test_a_value_before_birth_is_refused(run, site, rheumatologist):
    report = run(bundle(PATIENT, DM_CONDITION, lab("2157-6", 250, day="1970-01-01")))
    (refusal,) = report.refused
    assert refusal.path == "Bundle.entry[2].resource.effectiveDateTime"
    assert "before the patient's birth date" in refusal.message


# -- dedupe, corrections, entered-in-error ---------------------------------------------------

def test_same_values_typed_by_hand_are_not_imported_again(run, site, rheumatologist):
    ours = PatientFactory(site=site, created_by=rheumatologist)
    PatientIdentifier.objects.create(patient=ours, site=site, system="urn:example:mrn",
                                     value="EHR-0001")
    first = run(bundle(PATIENT, lab("2157-6", 250)))  # no identifier, no id: content only
    again = run(bundle(PATIENT, lab("2157-6", 250)))
    assert (first.counts()["imported"], again.counts()["imported"]) == (1, 0)
    assert again.skipped[-1].reason == "Already recorded (the same values on the same day)."


def test_a_corrected_observation_replaces_ours(run):
    run(bundle(PATIENT, DM_CONDITION, lab("2157-6", 250, id="ck-1")))
    corrected = lab("2157-6", 260, id="ck-1", status="corrected")
    report = run(bundle(PATIENT, corrected))
    assert report.counts()["imported"] == 1
    old, new = LabResult.objects.order_by("created_at")
    assert (old.value, old.status) == (250, RecordStatus.ENTERED_IN_ERROR)
    assert old.status_reason == "Replaced by the source's correction (FHIR import)."
    assert (new.value, new.status) == (260, RecordStatus.FINAL)


def test_a_correction_the_services_refuse_leaves_ours_in_place(run, monkeypatch):
    """Partial import: the corrected value is refused by the service (not by its parser), so
    our row stays as it was instead of being withdrawn with nothing in its place."""
    from django.core.exceptions import ValidationError

    import cadm.fhir.importer as importer
    from cadm.exceptions import RowInvalid

    run(bundle(PATIENT, DM_CONDITION, lab("2157-6", 250, id="ck-1")))

    def refuse(**kwargs):
        raise RowInvalid(0, ValidationError({"value": "CK: refused by the service."}))

    monkeypatch.setattr(importer, "results_add", refuse)
    report = run(bundle(PATIENT, lab("2157-6", 260, id="ck-1", status="corrected")),
                 partial=True)
    assert [r.message for r in report.refused] == ["CK: refused by the service."]
    assert report.counts()["marked_in_error"] == 0
    record = LabResult.objects.get()
    assert (record.value, record.status) == (250, RecordStatus.FINAL)


def test_entered_in_error_at_the_source_marks_ours(run):
    run(bundle(PATIENT, DM_CONDITION, lab("2157-6", 250, id="ck-1")))
    withdrawn = lab("2157-6", 250, id="ck-1", status="entered-in-error")
    report = run(bundle(PATIENT, withdrawn))
    assert report.counts()["marked_in_error"] == 1
    record = LabResult.objects.get()
    assert (record.status, record.status_reason) == (
        RecordStatus.ENTERED_IN_ERROR, "Entered in error at the source (FHIR import).")
    again = run(bundle(PATIENT, withdrawn))
    assert again.counts()["marked_in_error"] == 0
    assert again.skipped[-1].reason == "Entered in error at the source; ours is already marked so."


def test_entered_in_error_for_something_never_imported_is_skipped(run):
    report = run(bundle(PATIENT, DM_CONDITION, lab("2157-6", 250, id="x",
                                                   status="entered-in-error")))
    assert report.refused == [] and report.counts()["marked_in_error"] == 0
    assert report.skipped[-1].reason.startswith("Entered in error at the source; nothing")


def test_the_import_does_not_change_the_bundle(run):
    b = bundle(PATIENT, DM_CONDITION, lab("2157-6", 250))
    before = copy.deepcopy(b)
    run(b)
    assert b == before


# -- permissions and sites -------------------------------------------------------------------

def test_a_rules_admin_may_not_import(run, rules_admin):
    with pytest.raises(PermissionDenied):
        run(bundle(PATIENT, DM_CONDITION, lab("2157-6", 250)), actor=rules_admin)
    assert Patient.objects.count() == 0


def test_a_dermatologist_may_not_import(run, dermatologist):
    with pytest.raises(PermissionDenied):
        run(bundle(PATIENT, DM_CONDITION, lab("2157-6", 250)), actor=dermatologist)


def test_another_site_is_impossible(run, outsider, site):
    with pytest.raises(PermissionDenied):
        run(bundle(PATIENT, DM_CONDITION, lab("2157-6", 250)), actor=outsider, at=site)
    assert Patient.objects.count() == 0
