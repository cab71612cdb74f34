"""The lung cohort's stored keys (monitoring.cohort_keys.cohort_keys): from one evaluation, they
give on every later day what the engine's schedule and the decline table give on that day,
as long as the facts stay the same. Walked day by day across each boundary: the end of the
first anti-MDA5 year, the due dates, the year's window of a PPF 2022 decline."""

from datetime import date, timedelta

import pytest

from cadm.rules import facts as f
from cadm.rules.criteria.lung import surveillance
from cadm.rules.dates import add_months
from cadm.rules.engine import evaluate
from cadm.rules.params import DEFAULTS
from monitoring.cohort_keys import (
    CohortKeys,
    cohort_keys,
    decline_on_within,
    pft_overdue_on,
    progression_within,
    radiological_on_within,
)
from monitoring.schedule import decline_table, schedule_view

P = dict(DEFAULTS)
POSITIVE = date(2025, 1, 10)
EARLY_END = add_months(POSITIVE, P["lung.mda5_early_months"])
PATIENT = f.PatientInfo(sex="female", birth_date=date(1980, 1, 1),
                        skin_onset_date=date(2024, 11, 1), diagnosis_date=date(2024, 12, 1))
MDA5 = (f.AntibodyFact(POSITIVE, "mda5", "positive", "line_blot", 2),)
BASELINE_HRCT = (f.HrctFact(POSITIVE + timedelta(days=5), False),)


def facts(*pfts: tuple[date, float, float | None], antibodies=MDA5, hrct=BASELINE_HRCT):
    return f.PatientFacts(patient=PATIENT, antibodies=antibodies, hrct=hrct,
                          pft=tuple(f.PftFact(d, fvc, dlco) for d, fvc, dlco in pfts))


def day(n: int) -> date:
    return POSITIVE + timedelta(days=n)


def keys_on(fx: f.PatientFacts, as_of: date, judged=()) -> CohortKeys:
    return cohort_keys(fx, evaluate(fx, P, as_of).lung_schedule, P, as_of, judged)


def engine_overdue(fx: f.PatientFacts, on: date) -> bool:
    """What the page showed before: the engine's schedule on the day, explained."""
    return schedule_view(surveillance(fx, P, on), P, on, mda5_first_positive=POSITIVE,
                         mda5_positive=True).overdue


HISTORIES = {
    # In the first year: 90 days, then 180 once the year ends (the due date moves later).
    "early, then the longer interval": facts((day(5), 80, 70), (day(300), 80, 70)),
    # The shorter interval's due date falls after the first year ends: due on neither.
    "due after the first year": facts((day(5), 80, 70), (day(360), 80, 70)),
    "early, overdue before the year ends": facts((day(5), 80, 70), (day(150), 80, 70)),
    "no baseline HRCT": facts((day(5), 80, 70), hrct=()),
    "no DLCO in the baseline": facts((day(5), 80, None)),
    "ILD on HRCT, no PFT": facts(hrct=(f.HrctFact(day(5), True),)),
    "after the first year": facts((day(5), 80, 70), (day(500), 80, 70)),
}


@pytest.mark.parametrize("name", HISTORIES)
@pytest.mark.parametrize("evaluated", [6, 200, 340, 366, 520])
def test_overdue_on_every_later_day_is_the_engines(name, evaluated):
    fx = HISTORIES[name]
    as_of = max(day(evaluated), max((p.date for p in fx.pft), default=POSITIVE))
    keys = keys_on(fx, as_of)
    assert keys.mda5_positive and keys.mda5_first_positive == POSITIVE
    recorded = fx.up_to(as_of)  # the facts stay those of the evaluation day
    for n in range(0, 500):
        on = as_of + timedelta(days=n)
        assert pft_overdue_on(keys, on) == engine_overdue(recorded, on), (name, as_of, on)


def test_the_keys_of_the_first_year_hold_both_due_dates():
    keys = keys_on(HISTORIES["early, then the longer interval"], day(310))
    assert keys.pft_schedule and keys.last_pft == day(300)
    assert keys.next_pft_due == day(300) + timedelta(days=P["lung.mda5_pft_interval_days"])
    assert keys.early_until == EARLY_END
    assert keys.next_pft_due_after_early == day(300) + timedelta(days=P["lung.pft_interval_days"])
    later = keys_on(HISTORIES["early, then the longer interval"], EARLY_END + timedelta(days=1))
    assert later.early_until is None and later.next_pft_due_after_early is None
    assert later.next_pft_due == keys.next_pft_due_after_early


def test_no_schedule_and_no_pft_are_overdue_whatever_the_day():
    missing = keys_on(HISTORIES["no baseline HRCT"], day(30))
    assert not missing.pft_schedule and missing.last_pft == day(5)
    assert missing.next_pft_due is None
    never = keys_on(HISTORIES["ILD on HRCT, no PFT"], day(30))
    assert never.pft_schedule and never.last_pft is None and never.next_pft_due is None
    assert all(pft_overdue_on(k, day(30)) for k in (missing, never))


def test_keys_are_of_the_record_on_the_evaluation_day():
    """A result dated after the evaluation's day is not yet part of the record."""
    fx = facts((day(5), 80, 70), (day(100), 80, 70))
    keys = keys_on(fx, day(50))
    assert keys.last_pft == day(5)
    negative = keys_on(facts(antibodies=(*MDA5, f.AntibodyFact(day(90), "mda5", "negative",
                                                                "elisa"))), day(50))
    assert negative.mda5_positive
    assert not keys_on(facts(antibodies=(*MDA5, f.AntibodyFact(
        day(90), "mda5", "negative", "elisa"))), day(90)).mda5_positive


def test_not_anti_mda5_positive():
    keys = keys_on(facts((day(5), 80, 70), antibodies=()), day(30))
    assert not keys.mda5_positive and keys.mda5_first_positive is None


FALL = facts((day(0), 85, 70), (day(100), 84, 69), (day(200), 79, 69), (day(300), 78, 58))


def engine_decline(fx: f.PatientFacts, on: date) -> bool:
    since = on - timedelta(days=P["lung.decline_window_days"])
    return any(r.earlier and r.later.date >= since and r.ppf_physiological
               for r in decline_table(fx.up_to(on).pft, P))


@pytest.mark.parametrize("evaluated", [200, 250, 300, 400, 664, 665, 666])
def test_a_decline_in_the_window_on_every_later_day_is_the_decline_tables(evaluated):
    as_of = day(evaluated)
    keys = keys_on(FALL, as_of)
    recorded = FALL.up_to(as_of)  # the facts stay those of the evaluation day
    for n in range(0, 800):
        on = as_of + timedelta(days=n)
        since = on - timedelta(days=P["lung.decline_window_days"])
        assert (decline_on_within(keys, since, on) is not None) == engine_decline(
            recorded, on), on


def test_the_newest_decline_is_stored():
    """FVC 84 → 79 (5 points) on day 200; DLCO 69 → 58 on day 300: the newest."""
    assert keys_on(FALL, day(250)).ppf_decline_on == day(200)
    assert keys_on(FALL, day(300)).ppf_decline_on == day(300)
    assert keys_on(FALL, day(665)).ppf_decline_on == day(300)  # 365 days: still the window
    assert keys_on(FALL, day(666)).ppf_decline_on is None


JUDGED = (day(150), day(400), day(900))  # the last is after every evaluation day below


@pytest.mark.parametrize("evaluated", [100, 250, 300, 400, 520, 664, 700, 800])
def test_the_progression_lists_date_on_every_later_day_is_the_newest_in_the_window(evaluated):
    """The newer of the decline and the judgement stands for both: in the window exactly when
    one of them is, and then the newest of those that are (the old page's order)."""
    as_of = day(evaluated)
    keys = keys_on(FALL, as_of, JUDGED)
    recorded = FALL.up_to(as_of)
    for n in range(0, 800):
        on = as_of + timedelta(days=n)
        since = on - timedelta(days=P["lung.decline_window_days"])
        declines = [r.later.date for r in decline_table(recorded.pft, P)
                    if r.earlier and since <= r.later.date <= on and r.ppf_physiological]
        judged = [d for d in JUDGED if since <= d <= min(on, as_of)]
        assert decline_on_within(keys, since, on) == max(declines, default=None), on
        assert radiological_on_within(keys, since, on) == max(judged, default=None), on
        assert progression_within(keys, since, on) == max(declines + judged, default=None), on


def test_judgements_after_the_evaluation_day_wait_for_their_day():
    assert keys_on(FALL, day(399), JUDGED).radiological_on == day(150)
    assert keys_on(FALL, day(400), JUDGED).radiological_on == day(400)
    assert keys_on(FALL, day(400), JUDGED).progression_on == day(400)
    assert keys_on(FALL, day(400)).progression_on == day(300)
