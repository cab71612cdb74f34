"""Reads of one patient's lung pages, in a fixed number of queries whatever the history (the
cohort page's are in monitoring/cohort.py).

The pure modules (schedule, trends, scores) decide what is shown; this module loads the rows,
turns them into plain values and hands them over, always with the ACTIVE rule set's params.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from cadm.models import AutoantibodyResult, Patient, RecordStatus, RuleSetVersion
from cadm.rules.outcomes import Evaluation
from cadm.selectors.facts import patient_facts
from cadm.selectors.flags import patient_live_flags
from cadm.selectors.records import PatientRecords, patient_records
from cadm.selectors.rulesets import ruleset_active
from cadm.services.evaluation import patient_evaluation

from . import schedule as sch
from . import scores, trends
from .models import HrctStudy, PpfAssessment, SixMinuteWalk

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
