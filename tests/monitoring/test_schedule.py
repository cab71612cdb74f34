"""The PFT schedule explained (monitoring.schedule.schedule_view over the engine's
lung_schedule), at each boundary: the end of the first anti-MDA5 year, the due day."""

from datetime import date, timedelta

import pytest

from cadm.rules import facts as f
from cadm.rules.dates import add_months
from cadm.rules.engine import evaluate
from cadm.rules.params import DEFAULTS
from monitoring.schedule import schedule_view

POSITIVE = date(2025, 1, 10)
PATIENT = f.PatientInfo(sex="female", birth_date=date(1980, 1, 1),
                        skin_onset_date=date(2024, 11, 1), diagnosis_date=date(2024, 12, 1))
VISIT = f.VisitFact(date(2024, 12, 1), skin=frozenset({"heliotrope"}))


def mda5_facts(*pft_days: date, hrct_ild=False) -> f.PatientFacts:
    """Anti-MDA5 positive on POSITIVE with a baseline HRCT; PFTs with DLCO on the days."""
    return f.PatientFacts(
        patient=PATIENT, visits=(VISIT,),
        antibodies=(f.AntibodyFact(POSITIVE, "mda5", "positive", "line_blot", 2),),
        hrct=(f.HrctFact(POSITIVE + timedelta(days=5), hrct_ild),),
        pft=tuple(f.PftFact(d, 80.0, 70.0) for d in pft_days))


def view(facts, as_of, params=DEFAULTS):
    ev = evaluate(facts, params, as_of)
    first = next((a.date for a in facts.antibodies if a.result == "positive"), None)
    return ev, schedule_view(ev.lung_schedule, dict(params), as_of, mda5_first_positive=first,
                             mda5_positive=first is not None)


def test_anti_mda5_interval_is_90_days_up_to_the_day_twelve_months_after_the_first_positive():
    last = add_months(POSITIVE, 12) - timedelta(days=30)
    facts = mda5_facts(POSITIVE + timedelta(days=5), last)
    _, on_last_day = view(facts, add_months(POSITIVE, 12))
    assert on_last_day.interval_days == 90
    assert on_last_day.next_due == last + timedelta(days=90)
    assert on_last_day.early_until == date(2026, 1, 10)
    assert "applies up to 2026-01-10; after that, every 180 days" in on_last_day.explanation
    _, day_after = view(facts, add_months(POSITIVE, 12) + timedelta(days=1))
    assert day_after.interval_days == 180
    assert day_after.next_due == last + timedelta(days=180)
    assert day_after.early_until is None
    assert day_after.reason == "anti-MDA5 positive"


@pytest.mark.parametrize(("days_after_last", "status", "flag"), [
    (59, "scheduled", False),  # 31 days to go
    (60, "due_soon", False),  # 30 days to go: due soon
    (90, "due_soon", False),  # the due day itself: on time
    (91, "overdue", True),  # the day after: overdue, as the engine's flag
])
def test_overdue_from_the_day_after_the_due_date_as_the_engine(days_after_last, status, flag):
    last = POSITIVE + timedelta(days=100)
    ev, v = view(mda5_facts(POSITIVE + timedelta(days=5), last),
                 last + timedelta(days=days_after_last))
    assert v.next_due == last + timedelta(days=90)
    assert v.status == status
    assert v.days_to_due == 90 - days_after_last
    assert (ev.flag("LUNG_MONITORING_OVERDUE") is not None) is flag
    if flag:
        assert "Overdue by 1 days" in v.explanation


def test_interval_and_early_period_come_from_the_parameters():
    params = {**DEFAULTS, "lung.mda5_pft_interval_days": 60, "lung.mda5_early_months": 6}
    last = POSITIVE + timedelta(days=20)
    _, early = view(mda5_facts(POSITIVE + timedelta(days=5), last), last + timedelta(days=30),
                    params)
    assert early.interval_days == 60 and early.next_due == last + timedelta(days=60)
    assert early.early_until == add_months(POSITIVE, 6)
    _, later = view(mda5_facts(POSITIVE + timedelta(days=5), last),
                    add_months(POSITIVE, 6) + timedelta(days=1), params)
    assert later.interval_days == 180


def test_ild_without_anti_mda5_is_every_180_days():
    facts = f.PatientFacts(patient=PATIENT, visits=(VISIT,),
                           hrct=(f.HrctFact(date(2025, 2, 1), True),),
                           pft=(f.PftFact(date(2025, 3, 1), 80.0, 70.0),))
    _, v = view(facts, date(2025, 4, 1))
    assert (v.interval_days, v.next_due) == (180, date(2025, 8, 28))
    assert "because ILD on HRCT of 2025-02-01" in v.explanation


def test_ild_without_any_pft_is_overdue_now():
    facts = f.PatientFacts(patient=PATIENT, visits=(VISIT,),
                           hrct=(f.HrctFact(date(2025, 2, 1), True),))
    _, v = view(facts, date(2025, 4, 1))
    assert v.status == "overdue" and v.last_pft is None and v.overdue
    assert v.explanation.startswith("No PFT on record")


def test_anti_mda5_without_baseline_has_no_schedule_yet():
    facts = f.PatientFacts(patient=PATIENT, visits=(VISIT,), antibodies=(
        f.AntibodyFact(POSITIVE, "mda5", "positive", "elisa"),))
    ev, v = view(facts, POSITIVE + timedelta(days=10))
    assert v.status == "baseline_missing" and v.overdue and not v.applies
    assert ev.flag("LUNG_BASELINE_MISSING")
    assert "90 days before the first positive" in v.explanation


def test_no_anti_mda5_and_no_ild_means_no_schedule():
    _, v = view(f.PatientFacts(patient=PATIENT, visits=(VISIT,)), date(2025, 4, 1))
    assert v.status == "not_applicable" and not v.overdue
    assert v.as_dict()["next_due"] is None
