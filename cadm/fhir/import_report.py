"""What a FHIR import answers: what was imported (and from which resources), marked entered in
error, skipped with its reason, and refused with the FHIR path, the value and what is
accepted. Built by cadm/fhir/importer.py; told as an OperationOutcome (outcomes.py) or as
text (the import_fhir command), with how a refusal shows the value and what is accepted."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from cadm.models import Patient
from cadm.rules import measurements
from cadm.rules import vocabulary as v

from .mapping import Skipped
from .structure import SHOWN, shown, value_at


@dataclass(frozen=True)
class Refusal:
    path: str       # FHIR path of the element refused
    value: str      # the value as sent ("" when there is none to show)
    accepted: str   # what is accepted (a range with its unit, units, choices; "" if none)
    message: str    # the input's own words, as every door shows them


@dataclass(frozen=True)
class Imported:
    paths: tuple[str, ...]  # the resources the row came from
    section_key: str
    record_id: uuid.UUID


@dataclass
class ImportReport:
    patient: Patient | None = None
    patient_created: bool = False
    imported: list[Imported] = field(default_factory=list)
    marked_in_error: list[Imported] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    partial: bool = False

    @property
    def saved(self) -> bool:
        """Whether anything of the bundle was kept (a refusal without `partial` keeps none)."""
        return not self.refused or self.partial

    def counts(self) -> dict[str, int]:
        return {"imported": len(self.imported) if self.saved else 0,
                "marked_in_error": len(self.marked_in_error) if self.saved else 0,
                "skipped": len(self.skipped), "refused": len(self.refused)}


def as_text(value: object) -> str:
    """A refused value as the report shows it: a number plainly (600000, not Decimal(...)),
    text as sent; nothing for a structure or no value."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, Decimal):
        return measurements.fmt(value)
    return value if isinstance(value, str) and len(value) <= SHOWN else shown(value)


def shown_at(bundle: dict, path: str) -> str:
    """The value at a FHIR path of the bundle, as a refusal shows it."""
    return as_text(value_at(bundle, path) if path.startswith("Bundle.") else None)


def accepted_for(section_key: str, raw: Mapping, name: str) -> str:
    """What a refused field accepts (a range with its unit, units, choices), for the report;
    "" when the message alone says it."""
    quantity = measurements.QUANTITIES.get(raw.get("analyte") if section_key == "labs"
                                           else name)
    if quantity is not None and name in ("value", "upper_limit", *measurements.QUANTITIES):
        return measurements.range_text(quantity.code)
    if quantity is not None and name == "unit":
        return " or ".join(quantity.units)
    choices = {"result": v.ANTIBODY_RESULTS, "method": v.ANTIBODY_METHODS}.get(name)
    if section_key == "antibodies" and choices:
        return ", ".join(code for code, _ in choices)
    return ""
