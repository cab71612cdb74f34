"""A change of hydroxychloroquine dose must not reset the retinal-screening clock (issue 9,
item 3; criteria.hcq.continuous_start, parameter hcq.continuity_gap_days).

Years of use count from the start of continuous therapy: consecutive or overlapping courses
join, whatever the order they were entered in; a pause of more than hcq.continuity_gap_days
days without the drug breaks continuity. A dose change ends a course the day before the new
course starts (services.medications.medication_change_dose). The dose rule reads the current
course. The eye flag's evidence (what the stored flag's digest is made of) does not move from
day to day, nor across a dose change.
"""

import pytest

from tests.cadm.rules.builders import days, eye, fires, flag, make, med, params, visit

GAP = 90  # the default of hcq.continuity_gap_days, checked below


def patient(*records, weight=70.0):
    return make(visit("2019-01-01", weight=weight), *records, onset="2018-11-01",
                diagnosis="2018-12-01")


def evidence(f):
    """What services.flags.evidence_digest hashes: severity, evidence, extra."""
    return f.severity, [e.as_dict() for e in f.evidence], f.extra


def since(f) -> str:
    """The start of continuous use that the eye flag reports."""
    return next(e.date.isoformat() for e in f.evidence if e.kind == "medication")


def test_gap_parameter_default():
    assert params()["hcq.continuity_gap_days"] == GAP


# The case of the issue: 400 mg for five years, then 200 mg -------------------------------------

BEFORE = med("2020-01-01", 400, end="2025-05-31")
AFTER = med("2025-06-01", 200)
BASELINE = eye("2020-02-01")


def test_a_dose_change_keeps_the_five_year_clock():
    f = flag(patient(BEFORE, AFTER, BASELINE), "2026-01-01", "HCQ_EYE_SCREENING_DUE")
    assert f is not None
    assert "5 years or more of use" in f.detail
    assert "no baseline" not in f.detail
    assert "continuous use since 2020-01-01" in f.detail
    assert since(f) == "2020-01-01"


def test_a_dose_change_keeps_the_clock_without_any_exam():
    f = flag(patient(BEFORE, AFTER), "2026-01-01", "HCQ_EYE_SCREENING_DUE")
    assert "no baseline retinal exam between 2019-01-01 and 2020-12-31" in f.detail
    assert "5 years or more" in f.detail


def test_a_dose_change_keeps_the_baseline_clock():
    """Day 367 of use, 185 days into the new dose: the baseline rule applies."""
    facts = patient(med("2024-01-01", 400, end="2024-06-30"), med("2024-07-01", 200))
    f = flag(facts, "2025-01-02", "HCQ_EYE_SCREENING_DUE")
    assert f is not None
    assert "between 2023-01-01 and 2024-12-31" in f.detail


def test_a_baseline_exam_of_the_first_course_still_counts_after_a_dose_change():
    facts = patient(med("2024-01-01", 400, end="2024-06-30"), med("2024-07-01", 200),
                    eye("2023-06-01"))
    assert not fires(facts, "2025-07-02", "HCQ_EYE_SCREENING_DUE")


def test_a_recent_exam_clears_the_yearly_part_after_a_dose_change():
    facts = patient(BEFORE, AFTER, BASELINE, eye("2025-09-01"))
    assert not fires(facts, "2026-01-01", "HCQ_EYE_SCREENING_DUE")


def test_the_dose_rule_reads_the_current_course():
    facts = patient(BEFORE, AFTER, BASELINE)          # 70 kg: 400 mg is 5.71, 200 mg 2.86
    assert fires(facts, "2025-05-31", "HCQ_DOSE_ABOVE_LIMIT")
    assert not fires(facts, "2025-06-01", "HCQ_DOSE_ABOVE_LIMIT")


def test_the_dose_flag_names_the_current_course():
    facts = patient(med("2020-01-01", 200, end="2025-05-31"), med("2025-06-01", 400))
    assert not fires(facts, "2025-05-31", "HCQ_DOSE_ABOVE_LIMIT")
    f = flag(facts, "2025-06-01", "HCQ_DOSE_ABOVE_LIMIT")
    assert f.detail.startswith("400 mg/day at 70 kg")
    assert ("medication", "2025-06-01", "400 mg/day") == (
        f.evidence[0].kind, f.evidence[0].date.isoformat(), f.evidence[0].value)


# Overlapping courses and the order of entry ---------------------------------------------------

def test_overlapping_courses_are_continuous():
    facts = patient(med("2020-01-01", 400, end="2025-07-31"), AFTER, BASELINE)
    f = flag(facts, "2026-01-01", "HCQ_EYE_SCREENING_DUE")
    assert since(f) == "2020-01-01"


def test_an_old_course_left_open_joins_the_new_one_and_the_dose_is_the_new_one():
    facts = patient(med("2020-01-01", 400), AFTER, BASELINE)
    assert since(flag(facts, "2026-01-01", "HCQ_EYE_SCREENING_DUE")) == "2020-01-01"
    assert not fires(facts, "2026-01-01", "HCQ_DOSE_ABOVE_LIMIT")


def test_courses_entered_out_of_order():
    facts = patient(AFTER, BASELINE, BEFORE)
    assert since(flag(facts, "2026-01-01", "HCQ_EYE_SCREENING_DUE")) == "2020-01-01"


def test_continuous_start_does_not_depend_on_the_order_of_the_facts():
    """Straight on the helper, with courses unsorted (the engine sorts them first)."""
    from cadm.rules.criteria.hcq import continuous_start
    from cadm.rules.facts import PatientFacts

    a = med("2019-01-01", 400, end="2020-06-30")
    b = med("2020-05-01", 300, end="2022-12-31")   # overlaps a
    c = med("2023-02-01", 200)                     # 31 days after b
    for order in ((c, b, a), (a, c, b), (b, a, c)):
        facts = PatientFacts(patient=patient().patient, medications=order)
        assert continuous_start(facts, params(), c).isoformat() == "2019-01-01"


# The gap between two courses -----------------------------------------------------------------

FIRST = med("2019-01-01", 400, end="2020-12-31")
EXAMS = (eye("2019-02-01"), eye("2021-05-01"))   # a baseline for either start


@pytest.mark.parametrize("pause, joined", [
    (0, True),            # next day
    (GAP - 1, True),
    (GAP, True),          # exactly the parameter: still continuous
    (GAP + 1, False),     # one day more: a new start
])
def test_a_pause_up_to_the_parameter_joins(pause, joined):
    second = med(days("2020-12-31", pause + 1), 200)   # `pause` days without the drug
    f = flag(patient(FIRST, second, *EXAMS), "2024-01-01", "HCQ_EYE_SCREENING_DUE")
    if joined:  # five years since 2019-01-01, last exam 2021-05-01
        assert since(f) == "2019-01-01"
    else:       # a new start in 2021: baseline done, five years not reached
        assert f is None
        assert since(flag(patient(FIRST, second, *EXAMS), "2026-05-01",
                          "HCQ_EYE_SCREENING_DUE")) == second.start_date.isoformat()


def test_the_gap_is_a_parameter():
    second = med(days("2020-12-31", GAP + 1), 200)
    facts = patient(FIRST, second, *EXAMS)
    assert fires(facts, "2024-01-01", "HCQ_EYE_SCREENING_DUE")
    assert not fires(facts, "2024-01-01", "HCQ_EYE_SCREENING_DUE",
                     {"hcq.continuity_gap_days": GAP - 1})


def test_a_long_pause_restarts_the_baseline_clock():
    facts = patient(med("2015-01-01", 400, end="2018-12-31"), med("2021-01-01", 200),
                    eye("2015-02-01"))
    f = flag(facts, "2022-01-02", "HCQ_EYE_SCREENING_DUE")
    assert since(f) == "2021-01-01"
    assert "between 2020-01-02 and 2022-01-01" in f.detail   # 2020 is a leap year


def test_another_drug_does_not_join():
    facts = patient(med("2019-01-01", 250, end="2020-12-31", drug="chloroquine"),
                    med("2021-01-01", 200), eye("2021-02-01"))
    assert not fires(facts, "2025-12-31", "HCQ_EYE_SCREENING_DUE")   # 5 years on 2026-01-01


# A chain of three courses --------------------------------------------------------------------

CHAIN = (med("2019-01-01", 400, end="2020-06-30"), med("2020-07-01", 300, end="2022-12-31"),
         med("2023-02-01", 200))


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_a_chain_of_three_courses(order):
    facts = patient(*(CHAIN[i] for i in order), eye("2019-02-01"))
    f = flag(facts, "2024-01-02", "HCQ_EYE_SCREENING_DUE")
    assert f is not None
    assert since(f) == "2019-01-01"
    assert "5 years or more" in f.detail


def test_a_chain_broken_in_the_middle_counts_from_the_break():
    facts = patient(CHAIN[0], med("2020-07-01", 300, end="2022-10-31"), CHAIN[2],
                    eye("2019-02-01"), eye("2023-03-01"))   # 92 days without the drug
    assert not fires(facts, "2024-01-02", "HCQ_EYE_SCREENING_DUE")
    f = flag(facts, "2028-02-01", "HCQ_EYE_SCREENING_DUE")
    assert since(f) == "2023-02-01"


# Evidence stable from day to day and across a dose change -------------------------------------

def test_yearly_part_evidence_is_the_same_on_consecutive_days():
    facts = patient(BEFORE, AFTER, BASELINE)
    one = flag(facts, "2026-01-01", "HCQ_EYE_SCREENING_DUE")
    two = flag(facts, "2026-01-02", "HCQ_EYE_SCREENING_DUE")
    assert evidence(one) == evidence(two)


def test_baseline_part_evidence_is_the_same_on_consecutive_days():
    facts = patient(med("2024-03-01", 200))
    one = flag(facts, days("2024-03-01", 400), "HCQ_EYE_SCREENING_DUE")
    two = flag(facts, days("2024-03-01", 401), "HCQ_EYE_SCREENING_DUE")
    assert evidence(one) == evidence(two)


def test_evidence_is_the_same_across_a_dose_change():
    changed = patient(BEFORE, AFTER)
    unchanged = patient(med("2020-01-01", 400))
    on_the_eve = flag(changed, "2025-05-31", "HCQ_EYE_SCREENING_DUE")
    on_the_day = flag(changed, "2025-06-01", "HCQ_EYE_SCREENING_DUE")
    assert evidence(on_the_eve) == evidence(on_the_day)
    assert evidence(flag(changed, "2025-12-01", "HCQ_EYE_SCREENING_DUE")) == evidence(
        flag(unchanged, "2025-12-01", "HCQ_EYE_SCREENING_DUE"))
