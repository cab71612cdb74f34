"""Lung results: pulmonary function, HRCT, 6-minute walk, and the clinician's PPF judgement.

Each is checked once here, whatever the door, in the words the lung forms used: every number
against its column's digits and its range of clinical-reference.md §6.2 (the soft range
needs `context.confirmed`), HRCT findings from their vocabulary, a walk's nadir not above
its resting saturation, the PPF answers yes or no; and the date, when the door sends one (a
case file), against birth and today. A page gives the date of the visit or of the results
instead, checked by its own date form.

cadm never imports the monitoring app (DESIGN.md §3): its models, whose fields give these
values their digits and labels, are found through Django's app registry when a value is
parsed, as cadm reaches the lung rows through the section registry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError

from cadm.rules import vocabulary as v
from cadm.validation import check_measurement

from .base import Collector, Context, coerce, coerce_field
from .results import ResultRow, observed_on_of, text_of, yes_no


def _model(name: str):
    return apps.get_model("monitoring", name)


def _measured(p: Collector, model, raw: Mapping, labels: Mapping[str, str],
              measured: Mapping[str, str], context: Context, *,
              required: tuple[str, ...]) -> dict[str, Decimal | None]:
    """Each measured field as its column takes it, then within its §6.2 range. A value
    refused here is None, so no rule across fields reads it (as the forms did)."""
    values = {}
    for name, quantity in measured.items():
        value = coerce(p, model, name, raw.get(name), label=labels[name],
                       required=name in required, quantity=quantity)
        if value is not None:
            try:
                check_measurement(quantity, value, None, confirmed=context.confirmed)
            except ValidationError as exc:
                p.add_validation_error(name, exc)
                value = None
        values[name] = value
    return values


@dataclass(frozen=True)
class PftInput(ResultRow):
    """A pulmonary function test: FVC % predicted (required), FVC in litres, DLCO and TLC %
    predicted, each within §6.2."""

    fvc_pct_predicted: Decimal
    fvc_l: Decimal | None = None
    dlco_pct_predicted: Decimal | None = None
    tlc_pct_predicted: Decimal | None = None
    observed_on: date | None = None

    LABELS = {"fvc_l": "FVC (L)", "fvc_pct_predicted": "FVC % predicted",
              "dlco_pct_predicted": "DLCO % predicted", "tlc_pct_predicted": "TLC % predicted"}
    # Field -> its §6.2 quantity (cadm.rules.measurements).
    MEASURED = {"fvc_l": "fvc_l", "fvc_pct_predicted": "fvc_pct_predicted",
                "dlco_pct_predicted": "dlco_pct_predicted",
                "tlc_pct_predicted": "tlc_pct_predicted"}

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> PftInput:
        p = Collector()
        model = _model("PulmonaryFunctionTest")
        values = _measured(p, model, raw, cls.LABELS, cls.MEASURED, context,
                           required=("fvc_pct_predicted",))
        observed_on = observed_on_of(p, model, raw, context)
        p.done()
        return cls(**values, observed_on=observed_on)


@dataclass(frozen=True)
class SixMinuteWalkInput(ResultRow):
    """A 6-minute walk: distance, SpO₂ at rest (optional) and its nadir, within §6.2; the
    nadir, the lowest reading, not above the resting value."""

    distance_m: Decimal
    spo2_nadir: Decimal
    spo2_rest: Decimal | None = None
    observed_on: date | None = None

    LABELS = {"distance_m": "Distance (m)", "spo2_rest": "SpO₂ at rest (%)",
              "spo2_nadir": "SpO₂ nadir (%)"}
    MEASURED = {"distance_m": "distance_m", "spo2_rest": "spo2", "spo2_nadir": "spo2"}

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> SixMinuteWalkInput:
        p = Collector()
        model = _model("SixMinuteWalk")
        values = _measured(p, model, raw, cls.LABELS, cls.MEASURED, context,
                           required=("distance_m", "spo2_nadir"))
        rest, nadir = values["spo2_rest"], values["spo2_nadir"]
        if rest is not None and nadir is not None and nadir > rest:
            # Not one of Django's generic codes: the forms would otherwise reword it.
            p.add("spo2_nadir", f"SpO₂ nadir: {nadir} % is above the resting value ({rest} %); "
                                f"the nadir is the lowest reading.", "nadir_above_rest")
        observed_on = observed_on_of(p, model, raw, context)
        p.done()
        return cls(**values, observed_on=observed_on)


@dataclass(frozen=True)
class HrctInput(ResultRow):
    """An HRCT of the chest: ILD or not, findings from the vocabulary, the radiologists'
    extent score (optional, not negative), the report."""

    ild: bool
    findings: tuple[str, ...] = ()
    extent_score: int | None = None
    report: str = ""
    observed_on: date | None = None

    LABELS = {"ild": "Interstitial lung disease", "findings": "Findings",
              "extent_score": "Extent score (optional)", "report": "Report"}

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> HrctInput:
        p = Collector()
        L = cls.LABELS
        model = _model("HrctStudy")
        ild = yes_no(p, "ild", raw.get("ild"), label=L["ild"])
        findings = coerce_field(
            p, "findings", forms.MultipleChoiceField(choices=v.HRCT_FINDINGS, required=False),
            raw.get("findings") or [], label=L["findings"]) or []
        extent_score = coerce(p, model, "extent_score", raw.get("extent_score"),
                              label=L["extent_score"])
        report = text_of(p, model, "report", raw, label=L["report"])
        observed_on = observed_on_of(p, model, raw, context)
        p.done()
        return cls(ild=ild, findings=tuple(findings), extent_score=extent_score,
                   report=report, observed_on=observed_on)

    def record_fields(self) -> dict:
        fields = super().record_fields()
        fields["findings"] = list(self.findings)
        return fields


@dataclass(frozen=True)
class PpfAssessmentInput(ResultRow):
    """The two PPF 2022 criteria that are clinical judgements (clinical-reference.md §5):
    worsening respiratory symptoms and radiological progression, each answered yes or no."""

    worsening_symptoms: bool
    radiological_progression: bool
    note: str = ""
    observed_on: date | None = None

    LABELS = {"worsening_symptoms": "Worsening respiratory symptoms",
              "radiological_progression": "Radiological progression on HRCT", "note": "Note"}

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> PpfAssessmentInput:
        p = Collector()
        L = cls.LABELS
        model = _model("PpfAssessment")
        answers = {name: yes_no(p, name, raw.get(name), label=L[name])
                   for name in ("worsening_symptoms", "radiological_progression")}
        note = text_of(p, model, "note", raw, label=L["note"])
        observed_on = observed_on_of(p, model, raw, context)
        p.done()
        return cls(**answers, note=note, observed_on=observed_on)
