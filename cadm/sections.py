"""The kinds of result a clinician can enter, as a registry.

The visit page, the results page and the timeline are built from these sections. Apps that
depend on cadm (monitoring) register their own sections at start-up, so cadm needs no import
of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.http import Http404

from cadm.choice_labels import shown
from cadm.permissions import Perm
from cadm.rules import measurements
from cadm.rules import vocabulary as v


@dataclass(frozen=True)
class ResultSection:
    key: str
    title: str
    model: type[models.Model]
    form_class: type
    permission: Perm
    order: int
    summary: Callable[[models.Model], str]
    blank_rows: int = 1
    initial_rows: Callable[[], list[dict]] = field(default=lambda: [])
    # Where the rows go in cadm.rules.facts.PatientFacts, and how one row becomes a fact.
    facts_key: str = ""
    to_fact: Callable[[models.Model], object] | None = None


_registry: dict[str, ResultSection] = {}


def register(section: ResultSection) -> None:
    _registry[section.key] = section


def all_sections() -> list[ResultSection]:
    return sorted(_registry.values(), key=lambda s: s.order)


def get_section(key: str) -> ResultSection:
    try:
        return _registry[key]
    except KeyError:
        raise Http404("No such kind of result.") from None


def label_list(codes, vocabulary) -> str:
    names = v.labels(vocabulary)
    return ", ".join(names.get(code, code) for code in codes)


def _lab_summary(r) -> str:
    uln = f" (ULN {measurements.fmt(r.upper_limit)})" if r.upper_limit is not None else ""
    flag = " ↑" if r.upper_limit is not None and r.value > r.upper_limit else ""
    text = f"{shown(r, 'analyte')} {measurements.fmt(r.value)} {r.unit}{uln}{flag}"
    if r.unit != r.unit_normalised:
        text += f" = {measurements.fmt(r.value_normalised)} {r.unit_normalised}"
    return text


def _antibody_summary(r) -> str:
    grade = f", grade {r.grade}" if r.grade else ""
    titre = f", titre {r.titre}" if r.titre else ""
    return f"{shown(r, 'antibody')} {r.result} ({shown(r, 'method')}{grade}{titre})"


def _muscle_summary(r) -> str:
    text = f"{shown(r, 'kind')}: {'abnormal' if r.abnormal else 'normal'}"
    if r.findings:
        text += f" — {label_list(r.findings, v.BIOPSY_FINDINGS)}"
    return text


def _medication_summary(r) -> str:
    name = r.drug_detail if r.drug == "other" else shown(r, 'drug')
    dose = f" {measurements.fmt(r.dose_mg_per_day)} mg/day" if r.dose_mg_per_day else ""
    until = f", stopped {r.end_on.isoformat()}" if r.end_on else ""
    return f"{name}{dose}, started{until}"


def optional_float(value) -> float | None:
    return None if value is None else float(value)


def _register_core() -> None:
    from cadm.forms import results as f
    from cadm.models import (
        AutoantibodyResult,
        EyeExam,
        LabResult,
        Medication,
        MuscleStudy,
        SkinBiopsy,
    )
    from cadm.rules import facts as rf

    register(ResultSection(
        "labs", "Laboratory results", LabResult, f.LabResultForm, Perm.RESULT_RECORD, 10,
        _lab_summary, blank_rows=0,
        initial_rows=lambda: [
            {"analyte": code, "unit": measurements.QUANTITIES[code].unit}
            for code in measurements.LAB_CODES
        ],
        facts_key="labs",
        to_fact=lambda r: rf.LabFact(r.observed_on, r.analyte, float(r.value_normalised),
                                     optional_float(r.upper_limit_normalised)),
    ))
    register(ResultSection(
        "antibodies", "Myositis autoantibodies", AutoantibodyResult, f.AutoantibodyForm,
        Perm.RESULT_RECORD, 20, _antibody_summary, blank_rows=3,
        facts_key="antibodies",
        to_fact=lambda r: rf.AntibodyFact(r.observed_on, r.antibody, r.result, r.method,
                                          r.grade),
    ))
    register(ResultSection(
        "muscle", "Muscle MRI, EMG, biopsy", MuscleStudy, f.MuscleStudyForm,
        Perm.RESULT_RECORD, 50, _muscle_summary,
        facts_key="muscle_studies",
        to_fact=lambda r: rf.MuscleStudyFact(r.observed_on, r.kind, r.abnormal,
                                             frozenset(r.findings)),
    ))
    register(ResultSection(
        "skin-biopsy", "Skin biopsy", SkinBiopsy, f.SkinBiopsyForm, Perm.SKIN_RECORD, 60,
        lambda r: "Skin biopsy: " + ("consistent with DM" if r.consistent_with_dm
                                     else "not consistent with DM"),
    ))
    register(ResultSection(
        "medications", "Medications", Medication, f.MedicationForm, Perm.RESULT_RECORD, 70,
        _medication_summary, blank_rows=2,
        facts_key="medications",
        to_fact=lambda r: rf.MedicationFact(r.drug, r.observed_on,
                                            optional_float(r.dose_mg_per_day), r.end_on),
    ))
    register(ResultSection(
        "eye-exams", "Retinal screening", EyeExam, f.EyeExamForm, Perm.RESULT_RECORD, 80,
        lambda r: f"Retinal screening: {shown(r, 'finding').lower()}",
        facts_key="eye_exams", to_fact=lambda r: rf.EyeExamFact(r.observed_on),
    ))
