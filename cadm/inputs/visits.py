"""A visit's examination: the date, the parts examined, findings, strength, symptoms, weight."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from cadm.rules import vocabulary as v
from cadm.validation import check_measurement

from .base import Collector, Context, coerce_field, day

# Weight is not ticked: it counts as measured when a weight is written.
EXAMINED_PARTS = tuple((code, label) for code, label in v.VISIT_PARTS if code != "weight")

LABELS = {"visit_on": "Visit date", "assessed": "Examined at this visit",
          "weight_kg": "Weight (kg)", "skin": "Skin findings",
          "weakness": "Objective weakness on examination", "mmt8": "MMT-8 (0–80)",
          "symptoms": "Symptoms", "notes": "Notes"}
# Field -> the §6.2 quantity whose ranges apply (cadm.rules.measurements).
MEASURED = {"weight_kg": "weight_kg", "mmt8": "mmt8"}
LISTS = ("assessed", "skin", "weakness", "symptoms")
SKIN_ONLY = ("visit_on", "skin", "notes")


def _form_fields() -> dict[str, forms.Field]:
    """How the page takes each value; the parser cleans with the same fields (no widget)."""
    def codes(vocabulary):
        return forms.MultipleChoiceField(choices=vocabulary, required=False)

    return {
        "visit_on": forms.DateField(label=LABELS["visit_on"]),
        "assessed": codes(EXAMINED_PARTS),
        "weight_kg": forms.DecimalField(label=LABELS["weight_kg"], required=False,
                                        max_digits=5, decimal_places=1),
        "skin": codes(v.SKIN_SIGNS),
        "weakness": codes(v.WEAKNESS),
        "mmt8": forms.IntegerField(label=LABELS["mmt8"], required=False),
        "symptoms": codes(v.SYMPTOMS),
        "notes": forms.CharField(required=False),
    }


@dataclass(frozen=True)
class VisitInput:
    """A visit's examination checked once. `given`: the fields the door sent (a skin-only
    visit sends the date, the skin findings and notes; a correction may send fewer). The
    parts examined are completed by the service from the findings (services.visits
    .visit_parts): a part with a finding counts as examined."""

    given: frozenset[str]
    visit_on: date | None = None
    assessed: tuple[str, ...] = ()
    weight_kg: Decimal | None = None
    skin: tuple[str, ...] = ()
    weakness: tuple[str, ...] = ()
    mmt8: int | None = None
    symptoms: tuple[str, ...] = ()
    notes: str = ""

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context, skin_only: bool = False,
              partial: bool = False) -> VisitInput:
        """Raises InputInvalid keyed by field: the date not after today nor before birth;
        codes among their vocabulary; weight and MMT-8 within §6.2 (the soft range needs
        `context.confirmed`). `skin_only`: a dermatologist's visit, nothing but the skin.
        `partial`: only the keys present are parsed (a correction)."""
        p = Collector()
        names = [n for n in LABELS if not skin_only or n in SKIN_ONLY]
        if partial:
            names = [n for n in names if n in raw]
        fields = _form_fields()
        values: dict[str, object] = {}
        for name in names:
            value = coerce_field(p, name, fields[name], raw.get(name), label=LABELS[name],
                                 quantity=MEASURED.get(name))
            if value is not None and name in MEASURED:
                value = _measured(p, name, value, context.confirmed)
            if name == "visit_on":
                value = day(p, name, value, label=LABELS[name], context=context)
            values[name] = value
        p.done()
        for name in LISTS:
            if values.get(name) is not None:
                values[name] = tuple(values[name])
        if "notes" in values and values["notes"] is None:
            values["notes"] = ""
        return cls(given=frozenset(names),
                   **{k: val for k, val in values.items() if val is not None})

    def visit_data(self) -> dict:
        """The Visit's columns that were given (lists as lists)."""
        data = {}
        for name in LABELS:
            if name in self.given:
                value = getattr(self, name)
                data[name] = list(value) if name in LISTS else value
        return data


def _measured(p: Collector, name: str, value, confirmed: bool):
    try:
        check_measurement(MEASURED[name], value, None, confirmed=confirmed)
    except ValidationError as exc:
        p.add_validation_error(name, exc)
        return None
    return value
