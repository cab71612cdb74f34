"""The lung cohort's stored keys: what the cohort page filters and orders its lists on, from
one evaluation (stored per patient: monitoring.models.LungStatus), and the questions the page
asks of them on the day it is read. Pure, as monitoring.schedule, whose views they reuse."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from cadm.rules.criteria.common import first_positive, positive
from cadm.rules.criteria.lung import surveillance
from cadm.rules.facts import PatientFacts

from .schedule import ppf_decline, schedule_view


@dataclass(frozen=True)
class CohortKeys:
    """What the lung cohort page filters and orders its lists on, from one evaluation
    (stored per patient: monitoring.models.LungStatus).

    Dates only, so that what depends on the day the page is read (overdue, the year's
    window) is decided on that day from them (`pft_overdue_on`, `progression_within`): the
    keys stay true on `as_of` and every later day for as long as the record does not
    change, and every change of the record is evaluated again."""

    mda5_positive: bool = False
    mda5_first_positive: date | None = None
    pft_schedule: bool = False  # the engine's lung schedule applies
    last_pft: date | None = None
    next_pft_due: date | None = None  # last PFT + the interval on `as_of`; None: no PFT
    early_until: date | None = None  # last day of the shorter anti-MDA5 interval
    next_pft_due_after_early: date | None = None  # the due date once that interval ends
    ppf_decline_on: date | None = None  # `ppf_decline` in the window before `as_of`
    radiological_on: date | None = None  # the newest judgement of radiological progression
    progression_on: date | None = None  # the newer of the two: the progression list's date


def cohort_keys(facts: PatientFacts, schedule: dict, params: dict, as_of: date,
                radiological: Iterable[date] = ()) -> CohortKeys:
    """The keys of a patient evaluated on `as_of`; `schedule` is that evaluation's
    `lung_schedule` (the engine's lung.surveillance of the same facts); `radiological`: the
    days of the clinicians' judgements of radiological progression (PPF assessments saying
    so), which the rules do not read."""
    facts = facts.up_to(as_of)
    mda5 = "mda5" in positive(facts)
    first = first_positive(facts, "mda5") if mda5 else None
    view = schedule_view(schedule, params, as_of, mda5_positive=mda5,
                         mda5_first_positive=first.date if first else None)
    after_early = None
    if view.early_until and view.last_pft:
        # The engine's own schedule on the first day of the longer interval.
        later = surveillance(facts, params, view.early_until + timedelta(days=1))
        after_early = later["next_pft_due"]
    since = as_of - timedelta(days=params["lung.decline_window_days"])
    decline = ppf_decline(facts.pft, params, since)
    # Any PFT, with or without a schedule: "days since the last PFT" orders both.
    last = facts.pft[-1].date if facts.pft else None
    judged = max((d for d in radiological if d <= as_of), default=None)
    declined = decline.later.date if decline else None
    return CohortKeys(
        mda5_positive=mda5, mda5_first_positive=first.date if first else None,
        pft_schedule=bool(schedule), last_pft=last,
        next_pft_due=view.next_due if view.last_pft else None,
        early_until=view.early_until, next_pft_due_after_early=after_early,
        ppf_decline_on=declined, radiological_on=judged,
        progression_on=max((d for d in (declined, judged) if d), default=None))


def pft_due_on(keys: CohortKeys, day: date) -> date | None:
    """The due date of the next PFT as the schedule gives it on `day`."""
    if keys.early_until and day > keys.early_until:
        return keys.next_pft_due_after_early
    return keys.next_pft_due


def pft_overdue_on(keys: CohortKeys, day: date) -> bool:
    """`schedule_view(...).overdue` on `day` (from the evaluation's day on) for an anti-MDA5
    positive patient: no schedule yet (baseline missing), no PFT, or the due date passed.
    The page's SQL (monitoring.cohort) is this expression."""
    return not keys.pft_schedule or keys.last_pft is None or pft_due_on(keys, day) < day


def _within(on: date | None, since: date, day: date) -> date | None:
    return on if on and since <= on <= day else None


def decline_on_within(keys: CohortKeys, since: date, day: date) -> date | None:
    """The date of the PPF 2022 decline in the window from `since` to `day`, or None."""
    return _within(keys.ppf_decline_on, since, day)


def radiological_on_within(keys: CohortKeys, since: date, day: date) -> date | None:
    """The newest judgement of radiological progression in the window, or None."""
    return _within(keys.radiological_on, since, day)


def progression_within(keys: CohortKeys, since: date, day: date) -> date | None:
    """The newest of the two in the window (the progression list's order), or None: the
    newer of the two dates is in the window exactly when one is, and is then the newest of
    those that are. The page's SQL (monitoring.cohort) is this comparison."""
    return _within(keys.progression_on, since, day)
