"""Medication courses: a new course (`MedicationInput`), the two one-step changes of a course
(`CourseStopInput`, `DoseChangeInput`), and the rule set's typo guard on a daily dose.

`dose_refusal` needs no database: the rule set's parameters are passed in, so
`evaluate_case` (rule set from the code or a stored version) and `import_case` / the pages
(the active version) refuse the same doses with the same message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from cadm.models import Medication
from cadm.rules import vocabulary as v
from cadm.rules.measurements import fmt

from .base import Collector, Context, coerce, day

DRUG_LABELS = v.labels(v.DRUGS)


def dose_refusal(drug: str, dose: Decimal | float | int | None, *,
                 rule_params: Mapping[str, object], rule_set: int | None) -> str | None:
    """The refusal of a daily dose, or None. The highest accepted dose per drug is a typo
    guard of the rule set (`entry.max_dose_mg_per_day.<drug>`, UNVERIFIED); a drug without
    one (e.g. "other") has only the lower bound."""
    if dose is None or not drug:
        return None
    dose = Decimal(str(dose)) if not isinstance(dose, Decimal) else dose
    top = rule_params.get(f"entry.max_dose_mg_per_day.{drug}")
    name = DRUG_LABELS.get(drug, drug).lower()
    version = f" (rule set v{rule_set})" if rule_set is not None else ""
    if top is None:
        if dose > 0:
            return None
        return f"Dose: {fmt(dose)} mg/day must be above 0 mg/day."
    top = Decimal(str(top))
    if 0 < dose <= top:
        return None
    return (f"Dose: {fmt(dose)} mg/day is outside the accepted range for {name}: "
            f"above 0 up to {fmt(top)} mg/day{version}.")


LABELS = {"drug": "Drug", "drug_detail": "Drug detail", "dose_mg_per_day": "Dose (mg/day)",
          "observed_on": "Start date", "end_on": "End date"}


def _guard(p, name: str, drug: str, dose, context) -> None:
    """The rule set's typo guard, when the door put the rule set in the context (the pages and
    the case loader do; the service applies it again with the active version)."""
    if not context.rule_params or dose is None or p.has(name):
        return
    refusal = dose_refusal(drug, dose, rule_params=context.rule_params,
                           rule_set=context.rule_set)
    if refusal:
        p.add(name, refusal, "out_of_range")


@dataclass(frozen=True)
class MedicationInput:
    """A new course of a drug. `observed_on` (the start) is None when the page gives the date
    (the visit's or the results'): the service then checks the end date against that day."""

    drug: str
    drug_detail: str = ""
    dose_mg_per_day: Decimal | None = None
    observed_on: date | None = None
    end_on: date | None = None

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> MedicationInput:
        """Raises InputInvalid keyed by field: the drug among the choices, named when
        "other"; the dose above 0 and within the rule set's guard (if `context.rule_params`);
        the start (required when the key is given) not after today nor before birth; the end
        not in the future, nor before the start."""
        p = Collector()
        drug = coerce(p, Medication, "drug", raw.get("drug"), label=LABELS["drug"],
                      required=True)
        detail = coerce(p, Medication, "drug_detail", raw.get("drug_detail") or "",
                        label=LABELS["drug_detail"]) or ""
        dose = coerce(p, Medication, "dose_mg_per_day", raw.get("dose_mg_per_day"),
                      label=LABELS["dose_mg_per_day"], unit="mg/day")
        if dose is not None and dose <= 0:
            p.add("dose_mg_per_day", f"Dose: {fmt(dose)} mg/day must be above 0 mg/day.",
                  "out_of_range")
        if drug == "other" and not detail.strip() and not p.has("drug_detail"):
            p.add("drug_detail", "Drug detail: name the drug when you choose 'Other'.",
                  "required")
        start = None
        if "observed_on" in raw:  # else the page gives the date
            start = coerce(p, Medication, "observed_on", raw["observed_on"],
                           label=LABELS["observed_on"], required=True)
            start = day(p, "observed_on", start, label=LABELS["observed_on"], context=context)
        end = coerce(p, Medication, "end_on", raw.get("end_on"), label=LABELS["end_on"])
        if end is not None and end > context.today:
            p.add("end_on", f"End date: {end.isoformat()} is in the future; leave it blank "
                            "while the drug is taken.", "future")
        elif start and end and end < start:
            p.add("end_on", f"End date: {end.isoformat()} is before the start date "
                            f"({start.isoformat()}).", "before_start")
        if drug:
            _guard(p, "dose_mg_per_day", drug, dose, context)
        p.done()
        return cls(drug=drug, drug_detail=detail, dose_mg_per_day=dose, observed_on=start,
                   end_on=end)

    def record_fields(self) -> dict:
        """The Medication columns; the start only when given (else the service places it)."""
        fields = asdict(self)
        if fields["observed_on"] is None:
            del fields["observed_on"]
        return fields


@dataclass(frozen=True)
class CourseStopInput:
    """The last day a course was taken. The course's own start is the service's check."""

    end_on: date

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> CourseStopInput:
        p = Collector()
        end = coerce(p, Medication, "end_on", raw.get("end_on"), label="End date",
                     required=True)
        end = day(p, "end_on", end, label="End date", context=context)
        p.done()
        return cls(end_on=end)


@dataclass(frozen=True)
class DoseChangeInput:
    """A new dose from a day on: the current course ends the day before. `drug` is the
    course's (for the rule set's guard); the course's dates are the service's checks."""

    dose: Decimal
    from_on: date

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context, drug: str) -> DoseChangeInput:
        p = Collector()
        dose = coerce(p, Medication, "dose_mg_per_day", raw.get("dose"),
                      label="New dose (mg/day)", required=True, unit="mg/day")
        if "dose_mg_per_day" in p.errors:  # the coercion names the model field: ours is dose
            p.errors["dose"] = p.errors.pop("dose_mg_per_day")
        if dose is not None:
            # Without a rule set in the context, the guard is its lower bound only.
            refusal = dose_refusal(drug, dose, rule_params=context.rule_params,
                                   rule_set=context.rule_set)
            if refusal:
                p.add("dose", refusal, "out_of_range")
        start = coerce(p, Medication, "observed_on", raw.get("from_on"), label="New dose from",
                       required=True)
        if "observed_on" in p.errors:
            p.errors["from_on"] = p.errors.pop("observed_on")
        start = day(p, "from_on", start, label="New dose from", context=context)
        p.done()
        return cls(dose=dose, from_on=start)
