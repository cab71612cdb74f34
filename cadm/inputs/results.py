"""The other results of a day: autoantibody, muscle study, skin biopsy, retinal screening.

Each is checked once here, whatever the door: its values against the model's fields and
vocabularies, its own rules (an antibody's grade 1–3; histology findings on a biopsy only),
and its date, when the door gives one (a case file), against birth and today. A page gives
the date of the visit or of the results instead, checked by its own date form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date

from django import forms

from cadm.models import AutoantibodyResult, EyeExam, MuscleStudy, SkinBiopsy
from cadm.rules import vocabulary as v

from .base import Collector, Context, coerce, coerce_field, day

DATE_LABEL = "Date of the results"


def observed_on_of(p: Collector, model, raw: Mapping, context: Context) -> date | None:
    """The date of a door that sends one (else None: the page gives it)."""
    if "observed_on" not in raw:
        return None
    observed_on = coerce(p, model, "observed_on", raw["observed_on"], label=DATE_LABEL,
                         required=True)
    return day(p, "observed_on", observed_on, label=DATE_LABEL, context=context)


def yes_no(p: Collector, name: str, raw: object, *, label: str) -> bool | None:
    """A required yes/no: True/False as they are, else "yes"/"no" as the page's field takes
    them (same field, same message)."""
    if isinstance(raw, bool):
        return raw
    field = forms.TypedChoiceField(label=label, choices=[("yes", "Yes"), ("no", "No")],
                                   coerce=lambda value: value == "yes", empty_value=None)
    return coerce_field(p, name, field, raw, label=label)


def text_of(p: Collector, model, name: str, raw: Mapping, *, label: str) -> str:
    return coerce(p, model, name, raw.get(name) or "", label=label) or ""


@dataclass(frozen=True)
class ResultsDateInput:
    """The date of results entered between visits (the results page's date, a program's
    `observed_on`): not after today, nor before the patient's birth."""

    observed_on: date

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> ResultsDateInput:
        p = Collector()
        field = forms.DateField(label=DATE_LABEL)
        observed_on = coerce_field(p, "observed_on", field, raw.get("observed_on"),
                                   label=DATE_LABEL)
        observed_on = day(p, "observed_on", observed_on, label=DATE_LABEL, context=context)
        p.done()
        return cls(observed_on)


class ResultRow:
    def record_fields(self) -> dict:
        """The model's columns (the date excepted: the service places the row)."""
        fields = asdict(self)
        del fields["observed_on"]
        return fields


@dataclass(frozen=True)
class AutoantibodyInput(ResultRow):
    """One myositis autoantibody: its code, result and method from their vocabularies, the
    semi-quantitative grade 1–3 if reported, the titre as reported."""

    antibody: str
    result: str
    method: str
    grade: int | None = None
    titre: str = ""
    lab_name: str = ""
    observed_on: date | None = None

    LABELS = {"antibody": "Antibody", "result": "Result", "method": "Method",
              "grade": "Grade", "titre": "Titre", "lab_name": "Laboratory"}

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> AutoantibodyInput:
        p = Collector()
        L = cls.LABELS
        values = {name: coerce(p, AutoantibodyResult, name, raw.get(name), label=L[name],
                               required=True)
                  for name in ("antibody", "result", "method")}
        grade = coerce(p, AutoantibodyResult, "grade", raw.get("grade"), label=L["grade"])
        if grade is not None and not 1 <= grade <= 3:
            p.add("grade", f"Grade: {grade} is outside the accepted range 1–3.", "invalid")
            grade = None
        titre = text_of(p, AutoantibodyResult, "titre", raw, label=L["titre"])
        lab_name = text_of(p, AutoantibodyResult, "lab_name", raw, label=L["lab_name"])
        observed_on = observed_on_of(p, AutoantibodyResult, raw, context)
        p.done()
        return cls(**values, grade=grade, titre=titre, lab_name=lab_name,
                   observed_on=observed_on)


@dataclass(frozen=True)
class MuscleStudyInput(ResultRow):
    """A muscle MRI, EMG or biopsy: abnormal or not; histology findings for a biopsy only."""

    kind: str
    abnormal: bool
    findings: tuple[str, ...] = ()
    report: str = ""
    observed_on: date | None = None

    LABELS = {"kind": "Kind", "abnormal": "Abnormal", "findings": "Findings",
              "report": "Report"}
    FINDINGS_MESSAGE = ("Findings: histology findings apply to a muscle biopsy only; choose "
                        "'Muscle biopsy' or clear them.")

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> MuscleStudyInput:
        p = Collector()
        L = cls.LABELS
        kind = coerce(p, MuscleStudy, "kind", raw.get("kind"), label=L["kind"], required=True)
        abnormal = yes_no(p, "abnormal", raw.get("abnormal"), label=L["abnormal"])
        findings = coerce_field(
            p, "findings", forms.MultipleChoiceField(choices=v.BIOPSY_FINDINGS,
                                                     required=False),
            raw.get("findings") or [], label=L["findings"]) or []
        if findings and kind != "biopsy" and not p.has("kind"):
            p.add("findings", cls.FINDINGS_MESSAGE, "invalid")
        report = text_of(p, MuscleStudy, "report", raw, label=L["report"])
        observed_on = observed_on_of(p, MuscleStudy, raw, context)
        p.done()
        return cls(kind=kind, abnormal=abnormal, findings=tuple(findings), report=report,
                   observed_on=observed_on)

    def record_fields(self) -> dict:
        fields = super().record_fields()
        fields["findings"] = list(self.findings)
        return fields


@dataclass(frozen=True)
class SkinBiopsyInput(ResultRow):
    """A skin biopsy: consistent with dermatomyositis or not."""

    consistent_with_dm: bool
    report: str = ""
    observed_on: date | None = None

    LABELS = {"consistent_with_dm": "Consistent with dermatomyositis", "report": "Report"}

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> SkinBiopsyInput:
        p = Collector()
        consistent = yes_no(p, "consistent_with_dm", raw.get("consistent_with_dm"),
                             label=cls.LABELS["consistent_with_dm"])
        report = text_of(p, SkinBiopsy, "report", raw, label=cls.LABELS["report"])
        observed_on = observed_on_of(p, SkinBiopsy, raw, context)
        p.done()
        return cls(consistent_with_dm=consistent, report=report, observed_on=observed_on)


@dataclass(frozen=True)
class EyeExamInput(ResultRow):
    """A retinal screening: its finding from the vocabulary."""

    finding: str
    report: str = ""
    observed_on: date | None = None

    LABELS = {"finding": "Finding", "report": "Report"}

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> EyeExamInput:
        p = Collector()
        finding = coerce(p, EyeExam, "finding", raw.get("finding"),
                         label=cls.LABELS["finding"], required=True)
        report = text_of(p, EyeExam, "report", raw, label=cls.LABELS["report"])
        observed_on = observed_on_of(p, EyeExam, raw, context)
        p.done()
        return cls(finding=finding, report=report, observed_on=observed_on)
