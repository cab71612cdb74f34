"""Reads of the lung cohort page: anti-MDA5 patients by PFT schedule, and patients with
progression in the last `lung.decline_window_days`, each list a page at a time.

Which patients a list has, and their order, come from each patient's LungStatus: the keys
(dates) the evaluation stores (monitoring.cohort_keys.CohortKeys, kept by monitoring.lung_status),
compared in SQL with the page's day, so the database pages both lists. The progression list is
read in the order of its index; the anti-MDA5 list's order depends on the day (overdue), so
its members (a partial index) are sorted. Only the rows of the pages shown become full rows
(the engine's schedule, the decline table) from those patients' results. A fixed number of
queries whatever the cohort's size; what still grows with it is counting each list (the page
shows the totals) and sorting the anti-MDA5 list's members, never a rule run per patient.

Patients whose row has not been evaluated yet (as_of empty: present before the rows existed,
until the daily sweep or a change to their record) are on neither list: the page counts them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Case, F, Q, Value, When
from django.db.models.lookups import LessThan

from cadm.models import AutoantibodyResult, Patient, RecordStatus, Site
from cadm.rules import facts as rf
from cadm.rules.criteria import lung as lung_rules
from cadm.rules.criteria.common import first_positive
from cadm.selectors.patients import patient_list_for
from cadm.selectors.rulesets import ruleset_active

from . import schedule as sch
from .cohort_keys import radiological_on_within
from .lung_status import keys_of
from .models import HrctStudy, LungStatus, PulmonaryFunctionTest
from .sections import hrct_fact, pft_fact

PAGE_SIZE = 50


@dataclass(frozen=True)
class Mda5Row:
    patient: Patient
    first_positive_on: date | None
    last_pft: date | None
    days_since_pft: int | None
    schedule: sch.ScheduleView


@dataclass(frozen=True)
class ProgressionRow:
    patient: Patient
    decline: sch.DeclineRow | None  # the newest comparison meeting PPF 2022 physiology
    imaging_on: date | None  # a clinician's "radiological progression" in the window
    mda5_positive: bool

    @property
    def latest_on(self) -> date | None:
        return max((d for d in (self.decline.later.date if self.decline else None,
                                self.imaging_on) if d), default=None)


@dataclass(frozen=True)
class LungCohort:
    mda5: Page  # of Mda5Row
    progression: Page  # of ProgressionRow
    since: date
    not_evaluated: int  # patients of the scope whose LungStatus awaits its first evaluation


def pft_overdue(day: date) -> Case:
    """cohort_keys.pft_overdue_on(the patient's LungStatus, day), in SQL, on Patient."""
    due = Case(When(lung_status__early_until__lt=day,
                    then=F("lung_status__next_pft_due_after_early")),
               default=F("lung_status__next_pft_due"))
    return Case(When(Q(lung_status__pft_schedule=False) | Q(lung_status__last_pft__isnull=True),
                     then=Value(True)),
                When(LessThan(due, Value(day)), then=Value(True)),
                default=Value(False), output_field=BooleanField())


def mda5_list(scope, day: date):
    """Anti-MDA5 positive patients: overdue (or without a baseline) first; then without a PFT,
    then the longest since the last PFT; then by name."""
    return (scope.filter(lung_status__mda5_positive=True)
            .select_related("site", "lung_status")
            .annotate(pft_overdue=pft_overdue(day))
            .order_by(F("pft_overdue").desc(), F("lung_status__last_pft").asc(nulls_first=True),
                      "family_name", "id"))


def progression_list(scope, since: date, day: date):
    """Patients with a PPF 2022 decline or a judgement of radiological progression in the
    window (cohort_keys.progression_within): anti-MDA5 positive first, then the newest progression
    first, then by name; the index lung_status_progression in that order."""
    return (scope.filter(lung_status__progression_on__gte=since,
                         lung_status__progression_on__lte=day)
            .select_related("site", "lung_status")
            .order_by(F("lung_status__mda5_positive").desc(),
                      F("lung_status__progression_on").desc(), "family_name", "id"))


def _values(model, ids, *fields, **filters) -> dict[int, list]:
    """Current rows' fields as named tuples, by patient, oldest first."""
    rows = (model.objects.filter(patient_id__in=ids, **filters)
            .exclude(status=RecordStatus.ENTERED_IN_ERROR)
            .order_by("patient_id", "observed_on", "created_at", "pk")
            .values_list("patient_id", *fields, named=True))
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[row.patient_id].append(row)
    return grouped


PFT_FIELDS = ("observed_on", "fvc_pct_predicted", "dlco_pct_predicted", "fvc_l")
HRCT_FIELDS = ("observed_on", "ild", "findings", "extent_score")
ANTIBODY_FIELDS = ("observed_on", "antibody", "result", "method", "grade")


def _lung_facts(patients: list[Patient], day: date) -> dict[int, rf.PatientFacts]:
    """What the schedule and the decline table read of the shown patients (their anti-MDA5
    results, PFTs and HRCTs), up to `day`: three queries for the page."""
    ids = [p.pk for p in patients]
    if not ids:
        return {}
    antibodies = _values(AutoantibodyResult, ids, *ANTIBODY_FIELDS, antibody="mda5")
    pfts = _values(PulmonaryFunctionTest, ids, *PFT_FIELDS)
    hrcts = _values(HrctStudy, ids, *HRCT_FIELDS)
    return {p.pk: rf.PatientFacts(
        patient=rf.PatientInfo(sex=p.sex, birth_date=p.birth_date,
                               skin_onset_date=p.skin_onset_date,
                               diagnosis_date=p.diagnosis_date),
        antibodies=tuple(rf.AntibodyFact(r.observed_on, r.antibody, r.result, r.method,
                                         r.grade) for r in antibodies[p.pk]),
        pft=tuple(pft_fact(r) for r in pfts[p.pk]),
        hrct=tuple(hrct_fact(r) for r in hrcts[p.pk])).up_to(day) for p in patients}


def _mda5_row(patient: Patient, facts: rf.PatientFacts, params: dict, day: date) -> Mda5Row:
    """The engine's own schedule (lung.surveillance) for the day, explained."""
    first = first_positive(facts, "mda5")
    view = sch.schedule_view(lung_rules.surveillance(facts, params, day), params, day,
                             mda5_first_positive=first.date if first else None,
                             mda5_positive=True)
    last = facts.pft[-1].date if facts.pft else None
    return Mda5Row(patient, first.date if first else None, last,
                   (day - last).days if last else None, view)


def _progression_row(patient: Patient, facts: rf.PatientFacts, params: dict, since: date,
                     day: date) -> ProgressionRow:
    """The decline table's row, rebuilt from the patient's PFTs; the judgement's day, a
    date the keys hold (as the page read them to list the patient)."""
    keys = keys_of(patient.lung_status)
    return ProgressionRow(patient, sch.ppf_decline(facts.pft, params, since),
                          radiological_on_within(keys, since, day), keys.mda5_positive)


def lung_cohort_for(*, user, site: Site | None, as_of: date, mda5_page=None,
                    progression_page=None) -> LungCohort:
    """The user's sites (or one): the requested page of each list (the first by default, the
    last when past the end)."""
    params = ruleset_active().params
    scope = patient_list_for(user=user)
    if site:
        scope = scope.filter(site=site)
    since = as_of - timedelta(days=params["lung.decline_window_days"])
    mda5 = Paginator(mda5_list(scope, as_of), PAGE_SIZE).get_page(mda5_page)
    progression = Paginator(progression_list(scope, since, as_of),
                            PAGE_SIZE).get_page(progression_page)
    shown = list({p.pk: p for p in (*mda5, *progression)}.values())
    facts = _lung_facts(shown, as_of)
    mda5.object_list = [_mda5_row(p, facts[p.pk], params, as_of) for p in mda5]
    progression.object_list = [_progression_row(p, facts[p.pk], params, since, as_of)
                               for p in progression]
    not_evaluated = LungStatus.objects.filter(
        as_of__isnull=True, patient__in=scope.order_by().values("pk")).count()
    return LungCohort(mda5, progression, since, not_evaluated)
