"""case_load: a case file goes through the web forms and services, or nothing is saved."""

import copy
import datetime as dt
import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from cadm.models import (
    AuditEvent,
    AutoantibodyResult,
    EyeExam,
    LabResult,
    Medication,
    MuscleStudy,
    Patient,
    Visit,
)
from cadm.services.case_loader import CaseInvalid, case_load
from monitoring.models import HrctStudy, PulmonaryFunctionTest, SixMinuteWalk
from screening.models import CancerScreeningRecord

CASES = Path(__file__).resolve().parents[3].parent / "shared" / "cases"
TABLES = {
    "visits": Visit, "labs": LabResult, "antibodies": AutoantibodyResult,
    "pft": PulmonaryFunctionTest, "hrct": HrctStudy, "six_minute_walk": SixMinuteWalk,
    "muscle_studies": MuscleStudy, "medications": Medication, "eye_exams": EyeExam,
    "cancer_screening": CancerScreeningRecord,
}


def _valid_examples() -> list[Path]:
    if not CASES.is_dir():
        return []
    paths = sorted(p for p in CASES.glob("*.json") if not p.name.endswith(".expected.json"))
    return [p for p in paths
            if not json.loads(p.with_suffix(".expected.json").read_text()).get("invalid")]


def _load(actor, site, case, today=dt.date(2026, 6, 1), mrn="CASE-1"):
    return case_load(actor=actor, site=site, case=case, mrn=mrn, family_name="Casefile",
                     given_name="Example", today=today)


def _case() -> dict:
    """One synthetic patient that touches every kind of result."""
    return {
        "case_id": "loader-full", "as_of": "2026-06-01",
        "patient": {"sex": "female", "birth_date": "1980-03-03",
                    "skin_onset_date": "2024-12-01", "diagnosis_date": "2025-01-20",
                    "recorded_subtype": None, "refractory_disease": False},
        "visits": [
            {"date": "2025-01-20", "weight_kg": 64.5, "skin": ["heliotrope", "v_sign"],
             "weakness": [], "symptoms": ["arthritis"], "mmt8": 80},
            {"date": "2026-05-20", "weight_kg": 63, "skin": ["gottron_papules"],
             "weakness": [], "symptoms": []},
        ],
        "labs": [
            {"date": "2025-01-20", "test": "ck", "value": 120, "unit": "U/L",
             "upper_limit": 192},
            {"date": "2025-01-20", "test": "crp", "value": 1.5, "unit": "mg/dL"},
            {"date": "2026-05-20", "test": "ferritin", "value": 820, "unit": "ug/L"},
        ],
        "antibodies": [{"date": "2025-01-25", "antibody": "mda5", "result": "positive",
                        "method": "line_blot", "grade": 2}],
        "pft": [{"date": "2025-02-10", "fvc_pct_predicted": 88.5, "dlco_pct_predicted": 71,
                 "fvc_l": 3.1}],
        "hrct": [{"date": "2025-02-10", "ild": True, "findings": ["ground_glass"]}],
        "six_minute_walk": [{"date": "2025-02-10", "distance_m": 430, "spo2_rest": 97,
                             "spo2_nadir": 86}],
        "muscle_studies": [{"date": "2025-03-01", "kind": "mri", "abnormal": False,
                            "findings": []}],
        "medications": [{"drug": "hydroxychloroquine", "dose_mg_per_day": 300,
                         "start_date": "2025-02-01"},
                        {"drug": "prednisolone", "dose_mg_per_day": 20,
                         "start_date": "2025-02-01", "end_date": "2025-06-01"}],
        "eye_exams": [{"date": "2025-03-15"}],
        "cancer_screening": [{"date": "2025-02-15", "panel": "basic", "result": "no_cancer"}],
    }


def _counts() -> dict[str, int]:
    return {key: model.objects.count() for key, model in {**TABLES, "patients": Patient}.items()}


@pytest.mark.parametrize("path", _valid_examples(), ids=lambda p: p.stem)
def test_loads_each_shared_example(path, rheumatologist, site):
    case = json.loads(path.read_text())
    today = dt.date.fromisoformat(case["as_of"])
    patient = _load(rheumatologist, site, case, today=today)
    for key, model in TABLES.items():
        assert model.objects.count() == len(case.get(key) or []), key
    assert patient.birth_date.isoformat() == case["patient"]["birth_date"]
    assert patient.recorded_subtype == (case["patient"]["recorded_subtype"] or "")


@pytest.mark.skipif(not CASES.is_dir(), reason="../shared/cases is not beside the project")
def test_shared_examples_are_present():
    assert _valid_examples(), f"no example cases found in {CASES}"


def test_every_kind_of_result_lands_in_its_table(rheumatologist, site):
    patient = _load(rheumatologist, site, _case())
    assert {key: model.objects.filter(patient=patient).count()
            for key, model in TABLES.items()} == {
        "visits": 2, "labs": 3, "antibodies": 1, "pft": 1, "hrct": 1, "six_minute_walk": 1,
        "muscle_studies": 1, "medications": 2, "eye_exams": 1, "cancer_screening": 1,
    }
    assert patient.site == site and patient.mrn == "CASE-1"
    visit = Visit.objects.get(patient=patient, visit_on=dt.date(2025, 1, 20))
    assert (visit.weight_kg, visit.skin, visit.mmt8) == (D("64.5"), ["heliotrope", "v_sign"], 80)
    assert HrctStudy.objects.get().ild is True
    assert MuscleStudy.objects.get().abnormal is False
    assert SixMinuteWalk.objects.get().spo2_nadir == D("86")
    assert EyeExam.objects.get().finding == "normal"
    assert AutoantibodyResult.objects.get().grade == 2


def test_units_are_normalised(rheumatologist, site):
    _load(rheumatologist, site, _case())
    crp = LabResult.objects.get(analyte="crp")
    assert (crp.value, crp.unit) == (D("1.5"), "mg/dL")
    assert (crp.value_normalised, crp.unit_normalised) == (D("15"), "mg/L")
    ferritin = LabResult.objects.get(analyte="ferritin")
    assert (ferritin.value_normalised, ferritin.unit_normalised) == (D("820"), "ng/mL")
    ck = LabResult.objects.get(analyte="ck")
    assert (ck.upper_limit_normalised, ck.loinc) == (D("192"), "2157-6")


def test_medication_dates_come_from_start_and_end(rheumatologist, site):
    _load(rheumatologist, site, _case())
    pred = Medication.objects.get(drug="prednisolone")
    assert (pred.observed_on, pred.end_on) == (dt.date(2025, 2, 1), dt.date(2025, 6, 1))
    assert Medication.objects.get(drug="hydroxychloroquine").end_on is None


def test_unlisted_drug_is_recorded_as_other_with_its_name(rheumatologist, site):
    case = _case()
    case["medications"] = [{"drug": "apremilast", "dose_mg_per_day": 60,
                            "start_date": "2025-02-01"}]
    _load(rheumatologist, site, case)
    assert Medication.objects.values_list("drug", "drug_detail").get() == ("other", "apremilast")


def test_results_are_added_once_per_date(rheumatologist, site):
    case = _case()
    _load(rheumatologist, site, case)
    dates = {e.get("date") or e.get("start_date")
             for key in TABLES if key != "visits" for e in case[key]}
    assert AuditEvent.objects.filter(action="results.add").count() == len(dates)
    assert AuditEvent.objects.filter(action="visit.record").count() == 2
    assert AuditEvent.objects.filter(action="patient.create").count() == 1


def test_soft_range_values_are_accepted_as_confirmed(rheumatologist, site):
    case = _case()
    case["labs"][0]["value"] = 25000  # above the §6.2 soft limit, below the hard limit
    _load(rheumatologist, site, case)
    assert LabResult.objects.get(analyte="ck").value == D("25000")


def test_history_rows_name_the_actor(rheumatologist, site):
    patient = _load(rheumatologist, site, _case())
    assert patient.history.get().history_user == rheumatologist
    for model in (Visit, LabResult, PulmonaryFunctionTest, Medication, EyeExam):
        users = set(model.history.values_list("history_user", flat=True))
        assert users == {rheumatologist.pk}, model.__name__


def _broken(path: str, value) -> dict:
    """The full case with the value at `path` ("labs[0].value") replaced."""
    case = copy.deepcopy(_case())
    *parents, last = path.replace("[", ".").replace("]", "").split(".")
    node = case
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[last] = value
    return case


@pytest.mark.parametrize(("path", "value", "expected_path", "words"), [
    ("labs[0].value", 600000, "labs[0].value", ["600000", "500000", "U/L"]),
    ("labs[0].unit", "mg/L", "labs[0].unit", ["mg/L", "U/L"]),
    ("labs[2].date", "2026-07-01", "labs[2].date", ["2026-07-01", "future"]),
    ("labs[1].date", "1970-01-01", "labs[1].date", ["1970-01-01", "birth date"]),
    ("visits[1].date", "2027-01-01", "visits[1].date", ["2027-01-01", "future"]),
    ("visits[0].weight_kg", 500, "visits[0].weight_kg", ["500", "20–350"]),
    ("patient.skin_onset_date", "1979-01-01", "patient.skin_onset_date", ["birth date"]),
    ("patient.sex", "unknown", "patient.sex", ["unknown"]),
    ("pft[0].fvc_pct_predicted", 170, "pft[0].fvc_pct_predicted", ["170", "10–160"]),
    ("six_minute_walk[0].spo2_nadir", 99, "six_minute_walk[0].spo2_nadir", ["nadir"]),
    ("medications[1].end_date", "2026-12-01", "medications[1].end_date", ["future"]),
    ("medications[0].start_date", "2026-12-01", "medications[0].start_date", ["future"]),
    ("eye_exams[0].date", "2030-01-01", "eye_exams[0].date", ["future"]),
    ("antibodies[0].grade", 4, "antibodies[0].grade", ["4", "1–3"]),
    ("muscle_studies[0].findings", ["rimmed_vacuoles"], "muscle_studies[0].findings",
     ["biopsy"]),
    ("labs[0].uln", 192, "labs[0].uln", ["unknown key"]),
])
def test_invalid_value_is_refused_with_its_path_and_nothing_is_saved(
    rheumatologist, site, path, value, expected_path, words
):
    before = _counts()
    with pytest.raises(CaseInvalid) as caught:
        _load(rheumatologist, site, _broken(path, value))
    assert caught.value.path == expected_path
    for word in words:
        assert word in caught.value.message
    assert _counts() == before
    assert not AuditEvent.objects.exists()


def test_misspelt_top_level_key_is_refused(rheumatologist, site):
    case = _case()
    case["vists"] = case.pop("visits")
    with pytest.raises(CaseInvalid) as caught:
        _load(rheumatologist, site, case)
    assert caught.value.path == "vists"
    assert not Patient.objects.exists()


def test_mrn_already_used_at_the_site_is_refused(rheumatologist, site):
    _load(rheumatologist, site, _case())
    with pytest.raises(CaseInvalid) as caught:
        _load(rheumatologist, site, _case())
    assert caught.value.path == "mrn"
    assert Patient.objects.count() == 1


def test_a_dose_above_the_rule_sets_guard_is_refused_with_its_path(rheumatologist, site):
    """The contract's schema accepts up to 5000 mg/day; the product's entry guard for
    hydroxychloroquine is lower (entry.max_dose_mg_per_day.hydroxychloroquine)."""
    case = _case()
    case["medications"] = [{"drug": "hydroxychloroquine", "dose_mg_per_day": 4000,
                            "start_date": "2025-02-10"}]
    with pytest.raises(CaseInvalid) as refused:
        _load(rheumatologist, site, case)
    assert refused.value.path == "medications[0].dose_mg_per_day"
    assert "4000 mg/day is outside the accepted range for hydroxychloroquine" in \
        refused.value.message
    assert not Patient.objects.exists()
