"""Case files to PatientFacts: units, §6.2 hard ranges after normalisation, dates
(case-format.md "Input" and "Units accepted"). Invalid files raise CaseError naming the path."""

import copy
from datetime import date

import pytest

from cadm.rules.casefile import CaseError, facts_from_case

BASE = {
    "case_id": "t",
    "as_of": "2026-01-10",
    "patient": {"sex": "female", "birth_date": "1980-03-03", "skin_onset_date": "2025-01-01",
                "diagnosis_date": "2025-02-01", "recorded_subtype": None,
                "refractory_disease": False},
    "visits": [{"date": "2025-02-01", "weight_kg": 65, "skin": ["heliotrope"], "weakness": [],
                "symptoms": ["fever"], "mmt8": 78}],
    "labs": [{"date": "2025-02-01", "test": "ck", "value": 150, "unit": "U/L",
              "upper_limit": 192}],
    "antibodies": [{"date": "2025-02-05", "antibody": "mda5", "result": "positive",
                    "method": "elisa", "grade": 2}],
    "pft": [{"date": "2025-03-01", "fvc_pct_predicted": 82, "dlco_pct_predicted": 70,
             "fvc_l": 3.1}],
    "hrct": [{"date": "2025-03-02", "ild": True, "findings": ["ground_glass"]}],
    "six_minute_walk": [{"date": "2025-03-03", "distance_m": 420, "spo2_rest": 97,
                         "spo2_nadir": 90}],
    "muscle_studies": [{"date": "2025-03-04", "kind": "biopsy", "abnormal": True,
                        "findings": ["perifascicular_atrophy"]}],
    "medications": [{"drug": "hydroxychloroquine", "dose_mg_per_day": 400,
                     "start_date": "2025-02-10", "end_date": "2025-12-01"}],
    "eye_exams": [{"date": "2025-02-20"}],
    "cancer_screening": [{"date": "2025-03-05", "panel": "basic", "result": "no_cancer"}],
}


def case(**changes):
    """BASE with changes at dotted paths: case(**{"labs.0.unit": "mg/L"})."""
    c = copy.deepcopy(BASE)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = c
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        if last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value
    return c


def error(c) -> CaseError:
    with pytest.raises(CaseError) as exc:
        facts_from_case(c)
    return exc.value


# a valid file --------------------------------------------------------------------------------

def test_valid_case_reads_every_section():
    facts, as_of = facts_from_case(case())
    assert as_of == date(2026, 1, 10)
    p = facts.patient
    assert (p.sex, p.birth_date, p.skin_onset_date, p.diagnosis_date) == (
        "female", date(1980, 3, 3), date(2025, 1, 1), date(2025, 2, 1))
    assert (p.recorded_subtype, p.refractory_disease) == (None, False)
    v = facts.visits[0]
    assert (v.weight_kg, v.skin, v.symptoms, v.mmt8) == (65.0, {"heliotrope"}, {"fever"}, 78)
    assert (facts.labs[0].value, facts.labs[0].upper_limit) == (150.0, 192.0)
    assert facts.antibodies[0].grade == 2
    assert (facts.pft[0].fvc_pct_predicted, facts.pft[0].dlco_pct_predicted,
            facts.pft[0].fvc_l) == (82.0, 70.0, 3.1)
    assert facts.hrct[0].ild is True and facts.hrct[0].findings == {"ground_glass"}
    assert (facts.six_minute_walk[0].spo2_nadir, facts.six_minute_walk[0].spo2_rest) == (90, 97)
    assert facts.muscle_studies[0].findings == {"perifascicular_atrophy"}
    m = facts.medications[0]
    assert (m.drug, m.dose_mg_per_day, m.start_date, m.end_date) == (
        "hydroxychloroquine", 400.0, date(2025, 2, 10), date(2025, 12, 1))
    assert facts.eye_exams[0].date == date(2025, 2, 20)
    assert facts.cancer_screening[0].panel == "basic"


def test_optional_sections_may_be_absent():
    c = {k: v for k, v in case().items() if k in ("case_id", "as_of", "patient")}
    facts, _ = facts_from_case(c)
    assert facts.visits == () and facts.labs == () and facts.medications == ()


@pytest.mark.parametrize("recorded, expected", [("amyopathic", "amyopathic"), (None, None),
                                                ("", None)])
def test_recorded_subtype(recorded, expected):
    facts, _ = facts_from_case(case(**{"patient.recorded_subtype": recorded}))
    assert facts.patient.recorded_subtype == expected


# units and normalisation ---------------------------------------------------------------------

@pytest.mark.parametrize("test, value, unit, uln, stored, stored_uln", [
    ("crp", 6, "mg/dL", 0.5, 60.0, 5.0),             # ×10
    ("crp", 60, "mg/dL", None, 600.0, None),         # at the hard maximum
    ("crp", 12, "mg/L", 5, 12.0, 5.0),
    ("ferritin", 1500, "ug/L", None, 1500.0, None),  # same as ng/mL
    ("ferritin", 1500, "ng/mL", 300, 1500.0, 300.0),
    ("kl6", 1600.5, "U/mL", None, 1600.5, None),
    ("esr", 40, "mm/h", 20, 40.0, 20.0),
    ("aldolase", 8.1, "U/L", 7.6, 8.1, 7.6),
])
def test_units_are_normalised(test, value, unit, uln, stored, stored_uln):
    row = {"date": "2025-02-01", "test": test, "value": value, "unit": unit}
    if uln is not None:
        row["upper_limit"] = uln
    facts, _ = facts_from_case(case(**{"labs.0": row}))
    assert (facts.labs[0].value, facts.labs[0].upper_limit) == (
        pytest.approx(stored), None if stored_uln is None else pytest.approx(stored_uln))


@pytest.mark.parametrize("test, unit", [
    ("ck", "mg/L"), ("ck", "U/mL"), ("ferritin", "mg/L"), ("crp", "ng/mL"), ("crp", "mm/h"),
    ("esr", "U/L"), ("kl6", "U/L"), ("ldh", "ug/L"), ("ferritin", "pmol/L")])
def test_unit_not_fitting_the_analyte(test, unit):
    e = error(case(**{"labs.0.test": test, "labs.0.unit": unit}))
    assert e.path == "$.labs[0].unit"
    assert unit in e.message


@pytest.mark.parametrize("test, value, unit", [
    ("crp", 61, "mg/dL"), ("crp", 600.1, "mg/L"), ("ck", 500001, "U/L"),
    ("ferritin", 100001, "ng/mL"), ("kl6", 50001, "U/mL"), ("esr", 161, "mm/h"),
    ("aldolase", 1001, "U/L"), ("ck", -1, "U/L")])
def test_lab_value_beyond_the_hard_range_after_normalisation(test, value, unit):
    e = error(case(**{"labs.0": {"date": "2025-02-01", "test": test, "value": value,
                                 "unit": unit}}))
    assert e.path == "$.labs[0].value"
    assert "outside the accepted range" in e.message


def test_crp_61_mg_dl_is_refused_as_610_mg_l():
    e = error(case(**{"labs.0": {"date": "2025-02-01", "test": "crp", "value": 61,
                                 "unit": "mg/dL"}}))
    assert "610 mg/L" in e.message


def test_upper_limit_beyond_the_hard_range():
    e = error(case(**{"labs.0": {"date": "2025-02-01", "test": "crp", "value": 6,
                                 "unit": "mg/dL", "upper_limit": 70}}))
    assert e.path == "$.labs[0].upper_limit"


@pytest.mark.parametrize("path, value, json_path", [
    ("visits.0.weight_kg", 19, "$.visits[0].weight_kg"),
    ("visits.0.weight_kg", 351, "$.visits[0].weight_kg"),
    ("visits.0.mmt8", 81, "$.visits[0].mmt8"),
    ("pft.0.fvc_pct_predicted", 9, "$.pft[0].fvc_pct_predicted"),
    ("pft.0.fvc_pct_predicted", 161, "$.pft[0].fvc_pct_predicted"),
    ("pft.0.dlco_pct_predicted", 181, "$.pft[0].dlco_pct_predicted"),
    ("pft.0.fvc_l", 0.1, "$.pft[0].fvc_l"),
    ("six_minute_walk.0.spo2_nadir", 49, "$.six_minute_walk[0].spo2_nadir"),
    ("six_minute_walk.0.spo2_rest", 101, "$.six_minute_walk[0].spo2_rest"),
    ("six_minute_walk.0.distance_m", 1001, "$.six_minute_walk[0].distance_m"),
    ("labs.0.value", "abc", "$.labs[0].value"),
])
def test_other_values_beyond_their_hard_range(path, value, json_path):
    assert error(case(**{path: value})).path == json_path


# dates ---------------------------------------------------------------------------------------

AFTER = "2026-01-11"       # the day after as_of
BEFORE_BIRTH = "1980-03-02"


@pytest.mark.parametrize("path, json_path", [
    ("patient.skin_onset_date", "$.patient.skin_onset_date"),
    ("patient.diagnosis_date", "$.patient.diagnosis_date"),
    ("patient.birth_date", "$.patient.birth_date"),
    ("visits.0.date", "$.visits[0].date"),
    ("labs.0.date", "$.labs[0].date"),
    ("antibodies.0.date", "$.antibodies[0].date"),
    ("pft.0.date", "$.pft[0].date"),
    ("hrct.0.date", "$.hrct[0].date"),
    ("six_minute_walk.0.date", "$.six_minute_walk[0].date"),
    ("muscle_studies.0.date", "$.muscle_studies[0].date"),
    ("medications.0.start_date", "$.medications[0].start_date"),
    ("medications.0.end_date", "$.medications[0].end_date"),
    ("eye_exams.0.date", "$.eye_exams[0].date"),
    ("cancer_screening.0.date", "$.cancer_screening[0].date"),
])
def test_date_after_as_of(path, json_path):
    e = error(case(**{path: AFTER}))
    assert e.path == json_path
    assert AFTER in e.message and "after as_of" in e.message


@pytest.mark.parametrize("path", ["visits.0.date", "labs.0.date", "patient.skin_onset_date",
                                  "eye_exams.0.date", "cancer_screening.0.date"])
def test_date_on_as_of_is_accepted(path):
    facts_from_case(case(**{path: "2026-01-10"}))


@pytest.mark.parametrize("path, json_path", [
    ("patient.skin_onset_date", "$.patient.skin_onset_date"),
    ("patient.diagnosis_date", "$.patient.diagnosis_date"),
    ("visits.0.date", "$.visits[0].date"),
    ("labs.0.date", "$.labs[0].date"),
    ("antibodies.0.date", "$.antibodies[0].date"),
    ("eye_exams.0.date", "$.eye_exams[0].date"),
])
def test_date_before_birth(path, json_path):
    e = error(case(**{path: BEFORE_BIRTH}))
    assert e.path == json_path
    assert "before birth_date" in e.message


def test_date_on_the_birth_date_is_accepted():
    facts_from_case(case(**{"visits.0.date": "1980-03-03"}))


def test_end_date_before_start_date():
    e = error(case(**{"medications.0.end_date": "2025-02-09"}))
    assert e.path == "$.medications[0].end_date"
    assert "before start_date" in e.message


def test_end_date_on_start_date_is_accepted():
    facts, _ = facts_from_case(case(**{"medications.0.end_date": "2025-02-10"}))
    assert facts.medications[0].end_date == date(2025, 2, 10)


@pytest.mark.parametrize("path, value, json_path", [
    ("as_of", "2026-13-01", "$.as_of"),
    ("patient.birth_date", "03/03/1980", "$.patient.birth_date"),
    ("visits.0.date", "yesterday", "$.visits[0].date"),
    ("medications.0.end_date", "2025-02-30", "$.medications[0].end_date"),
])
def test_not_a_date(path, value, json_path):
    e = error(case(**{path: value}))
    assert e.path == json_path
    assert "is not a date" in e.message


def test_error_text_names_path_and_value():
    e = error(case(**{"labs.0.unit": "mg/L"}))
    assert str(e).startswith("$.labs[0].unit: ")
    assert "U/L" in str(e)          # what is accepted
