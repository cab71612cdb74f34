"""What the rules read: frozen dataclasses, built from the database or from a case file.

Values are already normalised (cadm.rules.measurements): CRP in mg/L, ferritin in ng/mL.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import date

from .vocabulary import ALL_VISIT_PARTS


@dataclass(frozen=True)
class PatientInfo:
    sex: str
    birth_date: date
    skin_onset_date: date
    diagnosis_date: date
    recorded_subtype: str | None = None
    refractory_disease: bool = False
    high_npc_risk_region: bool = False
    # When the care team last recorded the outcome of the screening plan (screening app).
    screening_outcome_date: date | None = None
    screening_plan_closed: bool = False


@dataclass(frozen=True)
class VisitFact:
    """One visit. `assessed`: the parts examined (vocabulary.VISIT_PARTS); an empty list of a
    part that was not assessed means "not known", not "none". Case files assess every part."""

    date: date
    weight_kg: float | None = None
    skin: frozenset[str] = frozenset()
    weakness: frozenset[str] = frozenset()
    symptoms: frozenset[str] = frozenset()
    mmt8: int | None = None
    assessed: frozenset[str] = ALL_VISIT_PARTS


@dataclass(frozen=True)
class LabFact:
    date: date
    test: str
    value: float
    upper_limit: float | None = None


@dataclass(frozen=True)
class AntibodyFact:
    date: date
    antibody: str
    result: str
    method: str
    grade: int | None = None


@dataclass(frozen=True)
class PftFact:
    date: date
    fvc_pct_predicted: float
    dlco_pct_predicted: float | None = None
    fvc_l: float | None = None


@dataclass(frozen=True)
class HrctFact:
    date: date
    ild: bool
    findings: frozenset[str] = frozenset()
    extent_score: int | None = None


@dataclass(frozen=True)
class WalkFact:
    date: date
    distance_m: float
    spo2_nadir: float
    spo2_rest: float | None = None


@dataclass(frozen=True)
class MuscleStudyFact:
    date: date
    kind: str
    abnormal: bool
    findings: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MedicationFact:
    drug: str
    start_date: date
    dose_mg_per_day: float | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class EyeExamFact:
    date: date


@dataclass(frozen=True)
class ScreeningRecordFact:
    date: date
    panel: str
    result: str


@dataclass(frozen=True)
class PatientFacts:
    patient: PatientInfo
    visits: tuple[VisitFact, ...] = ()
    labs: tuple[LabFact, ...] = ()
    antibodies: tuple[AntibodyFact, ...] = ()
    pft: tuple[PftFact, ...] = ()
    hrct: tuple[HrctFact, ...] = ()
    six_minute_walk: tuple[WalkFact, ...] = ()
    muscle_studies: tuple[MuscleStudyFact, ...] = ()
    medications: tuple[MedicationFact, ...] = ()
    eye_exams: tuple[EyeExamFact, ...] = ()
    cancer_screening: tuple[ScreeningRecordFact, ...] = ()

    def up_to(self, as_of: date) -> PatientFacts:
        """The record as it stood on `as_of`: nothing dated later exists."""
        def keep(items):
            return tuple(sorted((i for i in items if _day(i) <= as_of), key=_day))

        return PatientFacts(
            patient=self.patient,
            visits=keep(self.visits), labs=keep(self.labs), antibodies=keep(self.antibodies),
            pft=keep(self.pft), hrct=keep(self.hrct), six_minute_walk=keep(self.six_minute_walk),
            muscle_studies=keep(self.muscle_studies), medications=keep(self.medications),
            eye_exams=keep(self.eye_exams), cancer_screening=keep(self.cancer_screening),
        )


def _day(item) -> date:
    return item.start_date if isinstance(item, MedicationFact) else item.date


def facts_on_days(facts: PatientFacts, days: Iterable[date]) -> dict[date, PatientFacts]:
    """`facts.up_to(day)` for each day. up_to filters and sorts every kind of record
    again for each day, about half of the time classifying the visits took; here each kind
    is sorted once (up_to of the last day) and a day's records are the prefix dated up to
    it. The same tuples: the sort is stable, so a prefix keeps the order up_to gives."""
    days = sorted(set(days))
    if not days:
        return {}
    latest = facts.up_to(days[-1])
    kinds = {f.name: getattr(latest, f.name) for f in fields(PatientFacts) if f.name != "patient"}
    dated = {name: [_day(item) for item in items] for name, items in kinds.items()}
    return {day: replace(latest, **{name: items[:bisect_right(dated[name], day)]
                                    for name, items in kinds.items()})
            for day in days}
