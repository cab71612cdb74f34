"""Hydroxychloroquine: HCQ_DOSE_ABOVE_LIMIT, HCQ_WEIGHT_MISSING, HCQ_EYE_SCREENING_DUE
(case-format.md flag table; reference §7, §9 candidates 27-28)."""

import pytest

from tests.cadm.rules.builders import codes, days, eye, fires, flag, make, med, months, run, visit

START = "2024-03-01"
AS_OF = "2024-06-01"


def patient(*records, weight=60.0):
    return make(visit("2024-02-01", weight=weight), *records, onset="2024-01-10",
                diagnosis="2024-02-01")


# dose ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("dose, weight, expected", [
    (300, 60, False),        # 5.0 mg/kg exactly
    (350, 70, False),
    (299, 60, False),
    (300.6, 60, True),       # 5.01
    (300.2, 60, True),       # 5.003: above 5.0, not rounded away
    (400, 62, True),         # 6.45
    (200, 20, True),         # 10
])
def test_dose_limit(dose, weight, expected):
    f = flag(patient(med(START, dose), weight=weight), AS_OF, "HCQ_DOSE_ABOVE_LIMIT")
    assert (f is not None) is expected
    if f:
        assert f.severity == "warning"
        assert len(f.summary) < 140


def test_dose_message_shows_a_value_above_the_limit():
    f = flag(patient(med(START, 300.2)), AS_OF, "HCQ_DOSE_ABOVE_LIMIT")
    assert "5.003 mg/kg/day" in f.summary


@pytest.mark.parametrize("weights, expected", [((80, 60), True), ((60, 80), False)])
def test_dose_uses_the_latest_weight(weights, expected):
    facts = make(visit("2024-02-01", weight=weights[0]), visit("2024-05-01", weight=weights[1]),
                 med(START, 400), onset="2024-01-10", diagnosis="2024-02-01")
    assert fires(facts, AS_OF, "HCQ_DOSE_ABOVE_LIMIT") is expected


def test_dose_uses_the_latest_visit_with_a_weight():
    facts = make(visit("2024-02-01", weight=60), visit("2024-05-01"), med(START, 400),
                 onset="2024-01-10", diagnosis="2024-02-01")
    assert fires(facts, AS_OF, "HCQ_DOSE_ABOVE_LIMIT")


def test_weight_after_as_of_is_ignored():
    facts = make(visit("2024-02-01", weight=60), visit("2024-07-01", weight=100),
                 med(START, 400), onset="2024-01-10", diagnosis="2024-02-01")
    assert fires(facts, AS_OF, "HCQ_DOSE_ABOVE_LIMIT")


def test_missing_weight_gives_weight_missing_instead():
    ev = run(patient(med(START, 400), weight=None), AS_OF)
    assert "HCQ_DOSE_ABOVE_LIMIT" not in codes(ev)
    assert ev.flag("HCQ_WEIGHT_MISSING").severity == "info"


def test_no_weight_flag_without_hcq():
    assert "HCQ_WEIGHT_MISSING" not in codes(run(patient(weight=None), AS_OF))


@pytest.mark.parametrize("end, active", [
    (days(AS_OF, -1), False),     # ended the day before
    (AS_OF, True),                # last day taken is as_of
    (None, True),
])
def test_only_an_active_course_counts(end, active):
    ev = run(patient(med(START, 400, end=end), weight=None), AS_OF)
    assert ("HCQ_WEIGHT_MISSING" in codes(ev)) is active
    ev = run(patient(med(START, 400, end=end)), AS_OF)
    assert ("HCQ_DOSE_ABOVE_LIMIT" in codes(ev)) is active


def test_course_starting_after_as_of_is_ignored():
    assert not fires(patient(med(days(AS_OF, 1), 400)), AS_OF, "HCQ_DOSE_ABOVE_LIMIT")


def test_latest_active_course_is_judged():
    facts = patient(med("2023-01-01", 400), med(START, 200))
    assert not fires(facts, AS_OF, "HCQ_DOSE_ABOVE_LIMIT")


@pytest.mark.parametrize("drug", ["chloroquine", "methotrexate", "prednisolone"])
def test_other_drugs_are_not_judged(drug):
    ev = run(patient(med(START, 400, drug=drug)), "2030-01-01")
    assert not {"HCQ_DOSE_ABOVE_LIMIT", "HCQ_EYE_SCREENING_DUE"} & codes(ev)


def test_dose_limit_is_a_parameter():
    assert not fires(patient(med(START, 400)), AS_OF, "HCQ_DOSE_ABOVE_LIMIT",
                     {"hcq.max_mg_per_kg": 7})


# eye screening: baseline ---------------------------------------------------------------------

@pytest.mark.parametrize("use_days, expected", [(364, False), (365, False), (366, True)])
def test_baseline_rule_applies_after_365_days_of_use(use_days, expected):
    f = flag(patient(med(START)), days(START, use_days), "HCQ_EYE_SCREENING_DUE")
    assert (f is not None) is expected
    if f:
        assert f.severity == "warning"


@pytest.mark.parametrize("exam_offset, expected", [
    (-366, True), (-365, False), (0, False), (365, False), (366, True)])
def test_baseline_exam_window_is_start_plus_minus_365_days(exam_offset, expected):
    as_of = days(START, 400)
    facts = patient(med(START), eye(days(START, exam_offset)))
    assert fires(facts, as_of, "HCQ_EYE_SCREENING_DUE") is expected


def test_no_eye_flag_when_the_course_has_ended():
    facts = patient(med(START, end=days(START, 500)))
    assert not fires(facts, days(START, 600), "HCQ_EYE_SCREENING_DUE")


# eye screening: yearly from 5 years ----------------------------------------------------------

FIVE_YEARS = months(START, 60)          # 2029-03-01
BASELINE_EXAM = eye(days(START, 30))


@pytest.mark.parametrize("offset, expected", [(-1, False), (0, True), (1, True)])
def test_yearly_rule_from_five_years_of_use(offset, expected):
    facts = patient(med(START), BASELINE_EXAM, eye(days(FIVE_YEARS, -400)))
    assert fires(facts, days(FIVE_YEARS, offset), "HCQ_EYE_SCREENING_DUE") is expected


@pytest.mark.parametrize("exam_age, expected", [(0, False), (365, False), (366, True)])
def test_yearly_rule_needs_an_exam_within_365_days(exam_age, expected):
    as_of = days(FIVE_YEARS, 100)
    facts = patient(med(START), BASELINE_EXAM, eye(days(as_of, -exam_age)))
    assert fires(facts, as_of, "HCQ_EYE_SCREENING_DUE") is expected


def test_eye_flag_gives_both_reasons():
    f = flag(patient(med(START)), days(FIVE_YEARS, 1), "HCQ_EYE_SCREENING_DUE")
    assert "no baseline retinal exam" in f.detail
    assert "5 years or more" in f.detail


def test_baseline_window_is_a_parameter():
    facts = patient(med(START), eye(days(START, 250)))
    assert not fires(facts, days(START, 300), "HCQ_EYE_SCREENING_DUE")
    assert fires(facts, days(START, 300), "HCQ_EYE_SCREENING_DUE",
                 {"hcq.baseline_exam_window_days": 200})


def test_yearly_start_is_a_parameter():
    facts = patient(med(START), BASELINE_EXAM)
    as_of = months(START, 24)
    assert not fires(facts, as_of, "HCQ_EYE_SCREENING_DUE")
    assert fires(facts, as_of, "HCQ_EYE_SCREENING_DUE", {"hcq.annual_from_years": 2})


def test_yearly_interval_is_a_parameter():
    as_of = days(FIVE_YEARS, 100)
    facts = patient(med(START), BASELINE_EXAM, eye(days(as_of, -600)))
    assert fires(facts, as_of, "HCQ_EYE_SCREENING_DUE")
    assert not fires(facts, as_of, "HCQ_EYE_SCREENING_DUE", {"hcq.annual_interval_days": 730})


def test_active_course_without_a_dose_is_not_silent():
    f = flag(patient(med(START, None)), AS_OF, "HCQ_DOSE_MISSING")
    assert f.severity == "info" and "no daily dose" in f.summary
    assert "HCQ_DOSE_ABOVE_LIMIT" not in codes(run(patient(med(START, None)), AS_OF))


def test_ended_course_without_a_dose_is_ignored():
    assert "HCQ_DOSE_MISSING" not in codes(run(patient(med(START, None, end="2024-05-01")),
                                               AS_OF))
