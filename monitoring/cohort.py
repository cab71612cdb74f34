"""Reads of the lung cohort page: anti-MDA5 patients by PFT schedule, and patients with
progression in the last `lung.decline_window_days`, each list a page at a time.

Which rows a list has, and their order, are the rules' (the engine's schedule, the decline
table): they are decided in Python for the whole cohort, from narrow values (dates and
measures, never model instances). Only the rows of the pages shown become full rows, with
their patients read by id. A fixed number of queries, whatever the cohort's size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import DateField, Exists, Func, OuterRef, Q

from cadm.models import AutoantibodyResult, Patient, RecordStatus, Site
from cadm.rules import facts as rf
from cadm.rules.criteria import lung as lung_rules
from cadm.rules.criteria.common import first_positive
from cadm.selectors.patients import patient_list_for
from cadm.selectors.rulesets import ruleset_active

from . import schedule as sch
from .models import HrctStudy, PpfAssessment, PulmonaryFunctionTest
from .sections import hrct_fact, pft_fact

PAGE_SIZE = 50


@dataclass(frozen=True)
class Mda5Row:
    patient: Patient
    first_positive_on: date
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
    def latest_on(self) -> date:
        return max(d for d in (self.decline.later.date if self.decline else None,
                               self.imaging_on) if d)


@dataclass(frozen=True)
class LungCohort:
    mda5: Page  # of Mda5Row
    progression: Page  # of ProgressionRow
    since: date


def _values(model, *fields, **filters) -> dict[int, list]:
    """Final rows' fields as named tuples, by patient (in the query's order)."""
    rows = (model.objects.filter(**filters).exclude(status=RecordStatus.ENTERED_IN_ERROR)
            .order_by("patient_id", "observed_on", "created_at", "pk")
            .values_list("patient_id", *fields, named=True))
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[row.patient_id].append(row)
    return grouped


PFT_FIELDS = ("observed_on", "fvc_pct_predicted", "dlco_pct_predicted", "fvc_l")
HRCT_FIELDS = ("observed_on", "ild", "findings", "extent_score")
# What the orders need of a patient (a name; dates for the engine's facts), read with the
# rows that put them on a list rather than by a list of ids.
PEOPLE_FIELDS = ("patient__family_name", "patient__sex", "patient__birth_date",
                 "patient__skin_onset_date", "patient__diagnosis_date")




def _mda5_positive(scope) -> dict[int, list]:
    """Patients whose latest anti-MDA5 result is positive, with their anti-MDA5 results."""
    results = _values(AutoantibodyResult, "antibody", "result", "method", "grade",
                      "observed_on", *PEOPLE_FIELDS, patient__in=scope, antibody="mda5")
    return {pid: rows for pid, rows in results.items() if rows[-1].result == "positive"}


@dataclass(frozen=True)
class _Ranked:
    """A row of a list before its patient is read: what orders it and what it shows."""

    key: tuple
    patient_id: int
    shown: tuple


def _info(row) -> rf.PatientInfo:
    return rf.PatientInfo(sex=row.patient__sex, birth_date=row.patient__birth_date,
                          skin_onset_date=row.patient__skin_onset_date,
                          diagnosis_date=row.patient__diagnosis_date)


def _mda5_ranked(positive: dict, params: dict, as_of: date) -> list[_Ranked]:
    """Anti-MDA5 positive patients with the engine's own schedule (lung.surveillance), built
    from their anti-MDA5 results, PFTs and HRCTs. Overdue (or without a baseline) first; then
    the longest since the last PFT first."""
    pfts = _values(PulmonaryFunctionTest, *PFT_FIELDS, patient_id__in=list(positive))
    hrcts = _values(HrctStudy, *HRCT_FIELDS, patient_id__in=list(positive))
    ranked = []
    for pid, rows in positive.items():
        antibodies = tuple(rf.AntibodyFact(r.observed_on, r.antibody, r.result, r.method,
                                           r.grade) for r in rows)
        facts = rf.PatientFacts(patient=_info(rows[0]), antibodies=antibodies,
                                pft=tuple(pft_fact(r) for r in pfts[pid]),
                                hrct=tuple(hrct_fact(r) for r in hrcts[pid])).up_to(as_of)
        first = first_positive(facts, "mda5")
        if first is None:  # the only positive result is dated after today
            continue
        view = sch.schedule_view(lung_rules.surveillance(facts, params, as_of), params, as_of,
                                 mda5_first_positive=first.date, mda5_positive=True)
        last = facts.pft[-1].date if facts.pft else None
        days = (as_of - last).days if last else None
        key = (not view.overdue, last is not None, -(days or 0), rows[0].patient__family_name,
               pid)
        ranked.append(_Ranked(key, pid, (first.date, last, days, view)))
    return sorted(ranked, key=lambda r: r.key)


class DaysBefore(Func):
    """The date `days` days before a date column, as a date (PostgreSQL and SQLite)."""

    output_field = DateField()

    def __init__(self, expression, days: int):
        super().__init__(expression)
        self.days = int(days)

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection,
                              template=f"(%(expressions)s - {self.days})", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection,
                              template=f"date(%(expressions)s, '-{self.days} days')", **extra)


# Points below the PPF 2022 thresholds that still make a pair a candidate: the database only
# narrows the patients down, the decline table (Python, the page's own rules) decides, so
# decimals read as floats (SQLite) can never drop a pair the rules would keep.
CANDIDATE_MARGIN = 1


def _decline_candidates(scope, params: dict, as_of: date, since: date):
    """Ids of the patients with a PFT in the window and an earlier one, up to a window before
    it, higher by nearly the PPF 2022 FVC or DLCO fall: a superset of those the decline table
    finds, so that only they are read and compared."""
    days = params["lung.decline_window_days"]
    higher = (Q(fvc_pct_predicted__gte=OuterRef("fvc_pct_predicted")
                + (params["lung.fvc_decline_points"] - CANDIDATE_MARGIN))
              | Q(dlco_pct_predicted__gte=OuterRef("dlco_pct_predicted")
                  + (params["lung.dlco_decline_points"] - CANDIDATE_MARGIN)))
    earlier = (PulmonaryFunctionTest.objects
               .filter(higher, patient_id=OuterRef("patient_id"),
                       observed_on__lt=OuterRef("observed_on"),
                       observed_on__gte=DaysBefore(OuterRef("observed_on"), days))
               .exclude(status=RecordStatus.ENTERED_IN_ERROR))
    return (PulmonaryFunctionTest.objects
            .filter(Exists(earlier), patient__in=scope, observed_on__gte=since,
                    observed_on__lte=as_of)
            .exclude(status=RecordStatus.ENTERED_IN_ERROR).values("patient_id"))


def _progression_found(scope, params: dict, as_of: date, since: date) -> dict[int, tuple]:
    """Patient id -> (newest PFT decline meeting PPF 2022 physiology, last judgement of
    radiological progression), either possibly None: PFT pairs whose later test is in the
    window (and so the earlier one up to a window before it), and clinicians' judgements in
    the window."""
    window = timedelta(days=params["lung.decline_window_days"])
    pfts = _values(PulmonaryFunctionTest, *PFT_FIELDS, "patient__family_name",
                   patient__in=_decline_candidates(scope, params, as_of, since),
                   observed_on__gte=since - window, observed_on__lte=as_of)
    imaging = _values(PpfAssessment, "observed_on", "patient__family_name",
                      patient__in=scope, observed_on__gte=since, observed_on__lte=as_of,
                      radiological_progression=True)
    found = {}
    for pid in set(pfts) | set(imaging):
        hits = [r for r in sch.decline_table((pft_fact(p) for p in pfts[pid]), params)
                if r.earlier and r.later.date >= since and r.ppf_physiological]
        judged = imaging[pid][-1].observed_on if imaging[pid] else None
        if hits or judged:
            name = (pfts[pid] or imaging[pid])[0].patient__family_name
            found[pid] = (hits[0] if hits else None, judged, name)
    return found


def _progression_ranked(found: dict, positive: dict) -> list[_Ranked]:
    """Anti-MDA5 positive patients first, then the newest progression first."""
    ranked = []
    for pid, (decline, judged, name) in found.items():
        latest = max(d for d in (decline.later.date if decline else None, judged) if d)
        key = (pid not in positive, -latest.toordinal(), name, pid)
        ranked.append(_Ranked(key, pid, (decline, judged, pid in positive)))
    return sorted(ranked, key=lambda r: r.key)


def lung_cohort_for(*, user, site: Site | None, as_of: date, mda5_page=None,
                    progression_page=None) -> LungCohort:
    """The user's sites (or one): the requested page of each list (the first by default, the
    last when past the end)."""
    params = ruleset_active().params
    scope = patient_list_for(user=user)
    if site:
        scope = scope.filter(site=site)
    scope = scope.order_by()

    positive = _mda5_positive(scope.values("pk"))
    since = as_of - timedelta(days=params["lung.decline_window_days"])
    found = _progression_found(scope.values("pk"), params, as_of, since)
    mda5 = Paginator(_mda5_ranked(positive, params, as_of), PAGE_SIZE).get_page(mda5_page)
    progression = Paginator(_progression_ranked(found, positive),
                            PAGE_SIZE).get_page(progression_page)
    # Only the rows shown become full rows: their patients (with their site), in one query.
    shown = {r.patient_id for r in (*mda5, *progression)}
    patients = scope.filter(pk__in=list(shown)).select_related("site").in_bulk()
    mda5.object_list = [Mda5Row(patients[r.patient_id], *r.shown) for r in mda5]
    progression.object_list = [ProgressionRow(patients[r.patient_id], *r.shown)
                               for r in progression]
    return LungCohort(mda5, progression, since)
