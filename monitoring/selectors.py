"""Reads of the lung-monitoring pages, in a fixed number of queries whatever the history.

The pure modules (schedule, trends, scores) decide what is shown; this module loads the rows,
turns them into plain values and hands them over, always with the ACTIVE rule set's params.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q

from cadm.models import AutoantibodyResult, Patient, RecordStatus, RuleSetVersion, Site
from cadm.rules import facts as rf
from cadm.rules.criteria import lung as lung_rules
from cadm.rules.criteria.common import first_positive
from cadm.rules.outcomes import Evaluation
from cadm.selectors.facts import patient_facts
from cadm.selectors.flags import patient_live_flags
from cadm.selectors.patients import patient_list_for
from cadm.selectors.records import PatientRecords, patient_records
from cadm.selectors.rulesets import ruleset_active
from cadm.services.evaluation import patient_evaluation

from . import schedule as sch
from . import scores, trends
from .models import HrctStudy, PpfAssessment, PulmonaryFunctionTest, SixMinuteWalk
from .sections import hrct_fact, pft_fact

# The engine's codes shown on the lung pages (live flags come ordered by severity).
LUNG_FLAG_CODES = (
    "LUNG_BASELINE_MISSING", "MDA5_RPILD_MARKERS", "MDA5_RESPIRATORY_SYMPTOMS",
    "ILD_PROGRESSION", "LUNG_MONITORING_OVERDUE", "EXERTIONAL_DESATURATION",
    "MDA5_LDH_AGE_FEVER", "ILD_SCREENING_ADVISED", "ILD_RELATIVE_DECLINE",
    "AMBULATORY_OXIMETRY_DUE", "FLAIR_SCORE", "MCK_COUNT",
)


def _final(queryset):
    return queryset.exclude(status=RecordStatus.ENTERED_IN_ERROR)


@dataclass(frozen=True)
class Mda5Status:
    """The latest anti-MDA5 result, and the first positive one (the schedule counts from it)."""

    latest: AutoantibodyResult | None
    first_positive_on: date | None

    @property
    def positive(self) -> bool:
        return bool(self.latest and self.latest.result == "positive")


def _mda5_status(results: list[AutoantibodyResult]) -> Mda5Status:
    """From a patient's antibody rows, in any order (other antibodies are ignored)."""
    mda5 = [r for r in results if r.antibody == "mda5"]
    ordered = sorted(mda5, key=lambda r: (r.observed_on, r.created_at))
    first = next((r.observed_on for r in ordered if r.result == "positive"), None)
    return Mda5Status(ordered[-1] if ordered else None, first)


@dataclass(frozen=True)
class LungPanel:
    schedule: sch.ScheduleView
    mda5: Mda5Status
    hrct: HrctStudy | None
    walk: SixMinuteWalk | None


def lung_panel_for(patient: Patient, evaluation: Evaluation, params: dict, as_of: date,
                   records: PatientRecords | None = None) -> LungPanel:
    """The patient page's compact lung summary: no query when the page's `records` are
    given, else three (latest HRCT, latest 6-minute walk, anti-MDA5 results)."""
    if records is not None:
        hrct = next(iter(records.current("hrct")), None)
        walk = next(iter(records.current("six-minute-walk")), None)
        mda5 = _mda5_status(records.current("antibodies"))
    else:
        hrct = _final(HrctStudy.objects.filter(patient=patient)).first()
        walk = _final(SixMinuteWalk.objects.filter(patient=patient)).first()
        mda5 = _mda5_status(list(_final(AutoantibodyResult.objects.filter(
            patient=patient, antibody="mda5"))))
    view = sch.schedule_view(evaluation.lung_schedule, params, as_of,
                             mda5_first_positive=mda5.first_positive_on,
                             mda5_positive=mda5.positive)
    return LungPanel(view, mda5, hrct, walk)


@dataclass
class LungOverview:
    """Everything the lung page and its JSON show."""

    patient: Patient
    as_of: date
    ruleset: RuleSetVersion
    evaluation: Evaluation
    panel: LungPanel
    series: tuple[trends.Series, ...]
    declines: list[sch.DeclineRow]
    criterion_labels: dict[str, str]
    ppf: sch.PpfSummary
    assessments: list[PpfAssessment]
    flair: scores.Score | None
    mck: scores.Score | None
    flags: list = field(default_factory=list)

    @property
    def scores(self) -> list[scores.Score]:
        return [s for s in (self.flair, self.mck) if s]

    def as_dict(self) -> dict:
        return {
            "patient": str(self.patient.public_id), "as_of": self.as_of.isoformat(),
            "rule_set_version": self.ruleset.number,
            "schedule": self.panel.schedule.as_dict(),
            "series": [s.as_dict() for s in self.series],
            "declines": [r.as_dict(self.criterion_labels) for r in self.declines],
            "ppf": self.ppf.as_dict(),
            "flair": self.flair.as_dict() if self.flair else None,
            "mck": self.mck.as_dict() if self.mck else None,
            "flags": [{"code": f.code, "severity": f.severity, "summary": f.summary}
                      for f in self.flags],
        }


def lung_overview_for(patient: Patient, *, as_of: date) -> LungOverview:
    """One query per kind of result and visits, then the rule set and the live flags."""
    records = patient_records(patient)
    ruleset = ruleset_active()
    params = ruleset.params
    evaluation = patient_evaluation(patient, as_of=as_of, ruleset=ruleset, records=records)
    facts = patient_facts(patient, records).up_to(as_of)
    live = patient_live_flags(patient)
    panel = lung_panel_for(patient, evaluation, params, as_of, records)
    declines = sch.decline_table(facts.pft, params)
    assessments = [r for r in records.current("ppf") if r.observed_on <= as_of]
    judgements = [sch.Judgement(r.observed_on, r.worsening_symptoms,
                                r.radiological_progression, r.note) for r in assessments]
    flag_data = [{"code": f.code, "evidence": f.evidence} for f in live]
    return LungOverview(
        patient=patient, as_of=as_of, ruleset=ruleset, evaluation=evaluation, panel=panel,
        series=trends.lung_series(facts, params, flag_data, patient.sex),
        declines=declines, criterion_labels=sch.criterion_labels(params),
        ppf=sch.ppf_summary(declines, judgements, params, as_of), assessments=assessments,
        flair=scores.flair(facts, params), mck=scores.mck(facts, params),
        flags=[f for f in live if f.code in LUNG_FLAG_CODES],
    )


# ---------------------------------------------------------------- cohort




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
    mda5: list[Mda5Row]
    progression: list[ProgressionRow]
    since: date


def _by_patient(rows) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[row.patient_id].append(row)
    return grouped


def _info(p: Patient) -> rf.PatientInfo:
    return rf.PatientInfo(sex=p.sex, birth_date=p.birth_date, skin_onset_date=p.skin_onset_date,
                          diagnosis_date=p.diagnosis_date)


def _mda5_rows(patients: dict[int, Patient], antibodies: dict[int, list], params: dict,
               as_of: date) -> list[Mda5Row]:
    """Anti-MDA5 positive patients with the engine's own schedule (lung.surveillance), built
    from their anti-MDA5 results, PFTs and HRCTs: three queries for the whole cohort."""
    ids = [pid for pid, rows in antibodies.items() if _mda5_status(rows).positive]
    pfts = _by_patient(_final(PulmonaryFunctionTest.objects.filter(patient_id__in=ids)))
    hrcts = _by_patient(_final(HrctStudy.objects.filter(patient_id__in=ids)))
    rows = []
    for pid in ids:
        ab = [rf.AntibodyFact(r.observed_on, r.antibody, r.result, r.method, r.grade)
              for r in antibodies[pid]]
        facts = rf.PatientFacts(patient=_info(patients[pid]), antibodies=tuple(ab),
                                pft=tuple(pft_fact(r) for r in pfts[pid]),
                                hrct=tuple(hrct_fact(r) for r in hrcts[pid])).up_to(as_of)
        first = first_positive(facts, "mda5")
        view = sch.schedule_view(lung_rules.surveillance(facts, params, as_of), params, as_of,
                                 mda5_first_positive=first.date, mda5_positive=True)
        last = facts.pft[-1].date if facts.pft else None
        rows.append(Mda5Row(patients[pid], first.date, last,
                            (as_of - last).days if last else None, view))
    # Overdue (or without a baseline) first; then the longest since the last PFT first.
    rows.sort(key=lambda r: (not r.schedule.overdue, r.last_pft is not None,
                             -(r.days_since_pft or 0), r.patient.family_name))
    return rows


def _progression_rows(scope, patients: dict[int, Patient], mda5_ids: set[int], params: dict,
                      as_of: date, since: date) -> list[ProgressionRow]:
    """PFT pairs whose later test is in the window (and so the earlier one up to a window
    before it), and clinicians' judgements of radiological progression in the window."""
    window = timedelta(days=params["lung.decline_window_days"])
    pfts = _by_patient(_final(PulmonaryFunctionTest.objects.filter(
        patient__in=scope, observed_on__gte=since - window, observed_on__lte=as_of)))
    imaging = _by_patient(_final(PpfAssessment.objects.filter(
        patient__in=scope, observed_on__gte=since, observed_on__lte=as_of,
        radiological_progression=True)))
    rows = []
    for pid in sorted(set(pfts) | set(imaging)):
        hits = [r for r in sch.decline_table((pft_fact(p) for p in pfts[pid]), params)
                if r.earlier and r.later.date >= since and r.ppf_physiological]
        judged = imaging[pid][0].observed_on if imaging[pid] else None
        if hits or judged:
            rows.append(ProgressionRow(patients[pid], hits[0] if hits else None, judged,
                                       pid in mda5_ids))
    rows.sort(key=lambda r: (not r.mda5_positive, -r.latest_on.toordinal(),
                             r.patient.family_name))
    return rows


def lung_cohort_for(*, user, site: Site | None, as_of: date) -> LungCohort:
    """The user's sites (or one): anti-MDA5 patients by PFT schedule, and patients with
    progression in the last `lung.decline_window_days`. A fixed number of queries."""
    params = ruleset_active().params
    scope = patient_list_for(user=user)
    if site:
        scope = scope.filter(site=site)
    antibodies = _by_patient(_final(AutoantibodyResult.objects.filter(
        patient__in=scope, antibody="mda5")).order_by("observed_on", "created_at"))
    patients = {p.pk: p for p in scope.filter(
        Q(pk__in=list(antibodies)) | Q(pk__in=PulmonaryFunctionTest.objects.filter(
            observed_on__gte=as_of - 2 * timedelta(days=params["lung.decline_window_days"]))
            .values("patient_id"))
        | Q(pk__in=PpfAssessment.objects.filter(radiological_progression=True).values(
            "patient_id")))}
    mda5 = _mda5_rows(patients, antibodies, params, as_of)
    since = as_of - timedelta(days=params["lung.decline_window_days"])
    progression = _progression_rows(scope, patients, {r.patient.pk for r in mda5}, params,
                                    as_of, since)
    return LungCohort(mda5, progression, since)
