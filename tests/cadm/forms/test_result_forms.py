"""Form rules beyond the numeric ranges (those are in tests/cadm/rules/test_measurements.py)."""

import datetime as dt

import pytest

from cadm.forms.results import AutoantibodyForm, LabResultForm, MedicationForm, MuscleStudyForm
from monitoring.forms import HrctForm, PftForm, SixMinuteWalkForm

TODAY = dt.date(2026, 11, 23)


def bound(form_class, patient, **data):
    form = form_class(data=data, patient=patient, today=TODAY)
    form.is_valid()
    return form


def test_lab_normalises_crp_and_its_uln(patient):
    form = bound(LabResultForm, patient, analyte="crp", value="1.2", unit="mg/dL",
                 upper_limit="0.5")
    assert form.is_valid(), form.errors
    fields = form.record_fields()
    assert fields["value_normalised"] == 12 and fields["upper_limit_normalised"] == 5
    assert fields["unit_normalised"] == "mg/L" and fields["loinc"] == "1988-5"


def test_ferritin_ug_per_l_equals_ng_per_ml(patient):
    form = bound(LabResultForm, patient, analyte="ferritin", value="1500", unit="ug/L")
    assert form.record_fields()["value_normalised"] == 1500


@pytest.mark.parametrize("uln", ["0", "-1"])
def test_lab_uln_must_be_positive(patient, uln):
    form = bound(LabResultForm, patient, analyte="ck", value="100", unit="U/L", upper_limit=uln)
    assert "must be above 0 U/L" in form.errors["upper_limit"][0]


def test_kl6_in_a_ck_unit_is_refused_on_the_unit(patient):
    form = bound(LabResultForm, patient, analyte="kl6", value="800", unit="U/L")
    assert "use U/mL" in form.errors["unit"][0]


@pytest.mark.parametrize(("grade", "ok"), [("1", True), ("3", True), ("4", False)])
def test_antibody_grade(patient, grade, ok):
    form = bound(AutoantibodyForm, patient, antibody="mda5", result="positive",
                 method="elisa", grade=grade)
    assert form.is_valid() is ok


def test_histology_findings_only_on_a_biopsy(patient):
    form = bound(MuscleStudyForm, patient, kind="mri", abnormal="yes",
                 findings=["perifascicular_atrophy"])
    assert "apply to a muscle biopsy only" in form.errors["findings"][0]
    assert bound(MuscleStudyForm, patient, kind="biopsy", abnormal="yes",
                 findings=["perifascicular_atrophy"]).is_valid()


def test_muscle_study_needs_an_explicit_yes_or_no(patient):
    form = bound(MuscleStudyForm, patient, kind="mri", abnormal="")
    assert "abnormal" in form.errors
    assert bound(MuscleStudyForm, patient, kind="mri", abnormal="no").cleaned_data[
        "abnormal"] is False


@pytest.mark.parametrize(("start", "end", "error"), [
    ("2025-01-01", "2024-12-31", "is before the start date"),
    ("2025-01-01", "2026-11-24", "is in the future"),
])
def test_medication_dates(patient, start, end, error):
    form = bound(MedicationForm, patient, drug="hydroxychloroquine", dose_mg_per_day="400",
                 observed_on=start, end_on=end)
    assert error in form.errors["end_on"][0]


def test_other_drug_needs_a_name_and_dose_must_be_positive(patient):
    form = bound(MedicationForm, patient, drug="other", dose_mg_per_day="0")
    assert "name the drug" in form.errors["drug_detail"][0]
    assert "must be above 0 mg/day" in form.errors["dose_mg_per_day"][0]


def test_medication_start_before_birth_is_refused(patient):
    form = bound(MedicationForm, patient, drug="hydroxychloroquine", dose_mg_per_day="200",
                 observed_on="1979-01-01")
    assert "before the patient's birth date" in form.errors["observed_on"][0]


@pytest.mark.parametrize(("fvc", "ok"), [("9.9", False), ("10", True), ("160", True),
                                         ("160.1", False)])
def test_pft_fvc_hard_edges(patient, fvc, ok):
    assert bound(PftForm, patient, fvc_pct_predicted=fvc, confirm_unusual="on").is_valid() is ok


def test_pft_soft_range_needs_confirmation(patient):
    form = bound(PftForm, patient, fvc_pct_predicted="39")
    assert "confirm the value" in form.errors["fvc_pct_predicted"][0]
    assert bound(PftForm, patient, fvc_pct_predicted="40").is_valid()


def test_walk_nadir_cannot_exceed_rest(patient):
    form = bound(SixMinuteWalkForm, patient, distance_m="400", spo2_rest="95", spo2_nadir="96")
    assert "the nadir is the lowest reading" in form.errors["spo2_nadir"][0]
    ok = bound(SixMinuteWalkForm, patient, distance_m="400", spo2_rest="95", spo2_nadir="95")
    assert ok.is_valid()


def test_hrct_records_ild_and_findings(patient):
    form = bound(HrctForm, patient, ild="yes", findings=["ground_glass", "consolidation"])
    assert form.is_valid() and form.record_fields()["ild"] is True
