"""Terse builders of PatientFacts for the rule tests (no Django, no database).

    ev = run(make(visit("2025-01-10"), lab("2025-01-10", "ck", 400)), "2025-08-01")

`make` sorts records into the PatientFacts tuples by their type; patient fields are keywords.
Dates may be ISO strings or `date`s. The default patient is a woman born 1980-01-01 (age 44 at
the default skin onset 2024-01-01), diagnosed 2024-02-01; visits show a heliotrope rash unless
told otherwise, so the subtype is classifiable, and assess every part of the examination
(skin, strength, symptoms, weight) unless `assessed=` says otherwise; `skin_visit` is a
dermatologist's skin-only visit.
"""

from __future__ import annotations

from datetime import date, timedelta

from cadm.rules import facts as f
from cadm.rules.dates import add_months
from cadm.rules.engine import evaluate
from cadm.rules.params import DEFAULTS
from cadm.rules.vocabulary import ALL_VISIT_PARTS


def d(day: str | date) -> date:
    return date.fromisoformat(day) if isinstance(day, str) else day


def days(day: str | date, n: int) -> date:
    """`day` plus n days (n may be negative)."""
    return d(day) + timedelta(days=n)


def months(day: str | date, n: int) -> date:
    """`day` plus n calendar months, clamped to the month's end."""
    return add_months(d(day), n)


def patient(*, sex="female", birth="1980-01-01", onset="2024-01-01", diagnosis="2024-02-01",
            recorded=None, refractory=False, npc=False, screening_outcome_date=None,
            screening_plan_closed=False) -> f.PatientInfo:
    return f.PatientInfo(sex=sex, birth_date=d(birth), skin_onset_date=d(onset),
                         diagnosis_date=d(diagnosis), recorded_subtype=recorded,
                         refractory_disease=refractory, high_npc_risk_region=npc,
                         screening_outcome_date=screening_outcome_date,
                         screening_plan_closed=screening_plan_closed)


def visit(day, *, skin=("heliotrope",), weakness=(), symptoms=(), weight=None,
          mmt8=None, assessed=None) -> f.VisitFact:
    """A visit; `assessed` lists the parts examined (vocabulary.VISIT_PARTS), all by default
    as in a case file."""
    parts = ALL_VISIT_PARTS if assessed is None else frozenset(assessed)
    return f.VisitFact(d(day), weight, frozenset(skin), frozenset(weakness),
                       frozenset(symptoms), mmt8, parts)


def skin_visit(day, *, skin=("heliotrope",)) -> f.VisitFact:
    """A dermatologist's visit: the skin examined, nothing else (the skin-findings form)."""
    return visit(day, skin=skin, assessed=("skin",))


def lab(day, test, value, uln=None) -> f.LabFact:
    return f.LabFact(d(day), test, float(value), None if uln is None else float(uln))


def ab(day, antibody, result="positive", method="line_blot", grade=None) -> f.AntibodyFact:
    return f.AntibodyFact(d(day), antibody, result, method, grade)


def pft(day, fvc, dlco=None, fvc_l=None) -> f.PftFact:
    return f.PftFact(d(day), float(fvc), None if dlco is None else float(dlco), fvc_l)


def hrct(day, ild=True, findings=(), score=None) -> f.HrctFact:
    return f.HrctFact(d(day), ild, frozenset(findings), score)


def walk(day, nadir, distance=400.0, rest=None) -> f.WalkFact:
    return f.WalkFact(d(day), float(distance), float(nadir), rest)


def study(day, kind="mri", abnormal=True, findings=()) -> f.MuscleStudyFact:
    return f.MuscleStudyFact(d(day), kind, abnormal, frozenset(findings))


def med(start, dose=200.0, end=None, drug="hydroxychloroquine") -> f.MedicationFact:
    """A course of `drug` (hydroxychloroquine by default) from `start` to `end` (its last day
    taken; None while it goes on). A dose change is a new course (services.medications)."""
    return f.MedicationFact(drug, d(start), None if dose is None else float(dose),
                            None if end is None else d(end))


def eye(day) -> f.EyeExamFact:
    return f.EyeExamFact(d(day))


def screen(day, panel="basic", result="no_cancer") -> f.ScreeningRecordFact:
    return f.ScreeningRecordFact(d(day), panel, result)


_SLOTS = {
    f.VisitFact: "visits", f.LabFact: "labs", f.AntibodyFact: "antibodies", f.PftFact: "pft",
    f.HrctFact: "hrct", f.WalkFact: "six_minute_walk", f.MuscleStudyFact: "muscle_studies",
    f.MedicationFact: "medications", f.EyeExamFact: "eye_exams",
    f.ScreeningRecordFact: "cancer_screening",
}


def make(*records, **patient_fields) -> f.PatientFacts:
    """PatientFacts from records of any kind plus `patient(...)` keywords."""
    slots: dict[str, list] = {name: [] for name in _SLOTS.values()}
    for record in records:
        slots[_SLOTS[type(record)]].append(record)
    return f.PatientFacts(patient=patient(**patient_fields),
                          **{name: tuple(items) for name, items in slots.items()})


def params(overrides: dict | None = None) -> dict:
    return {**DEFAULTS, **(overrides or {})}


def run(facts: f.PatientFacts, as_of, overrides: dict | None = None):
    return evaluate(facts, params(overrides), d(as_of))


def codes(evaluation) -> set[str]:
    return {flag.code for flag in evaluation.flags}


def fires(facts: f.PatientFacts, as_of, code: str, overrides: dict | None = None) -> bool:
    return code in codes(run(facts, as_of, overrides))


def flag(facts: f.PatientFacts, as_of, code: str, overrides: dict | None = None):
    return run(facts, as_of, overrides).flag(code)
