"""Reading case files (../shared/case-format.md): JSON Schema, then the semantic checks.

`case.schema.json` is a copy of the shared contract (a test keeps it equal to
../shared/case.schema.json when that folder is present), so the product runs without it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

from cadm.inputs.medications import DRUG_LABELS, dose_refusal
from cadm.rules.casefile import CaseError, facts_from_case
from cadm.rules.facts import PatientFacts

SCHEMA_PATH = Path(__file__).with_name("case.schema.json")


class CaseFileInvalid(Exception):
    """A case file that must be refused: the message names the path, value and what fits."""


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _describe(error) -> str:
    path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
    return f"{path}: {error.message}"


def case_read(path: str | Path) -> dict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CaseFileInvalid(f"{path}: cannot read the file ({exc.strerror})") from None
    try:
        case = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseFileInvalid(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    return case


def case_validate(case: dict, *, rule_params: Mapping[str, object],
                  rule_set: int | None) -> tuple[PatientFacts, date]:
    """Schema first (every error, deepest first), then units, ranges and dates, then the
    rule set's entry guards (daily doses) with the version the caller evaluates or imports
    with: so evaluate_case and import_case refuse the same files, in the same words."""
    errors = sorted(_validator().iter_errors(case), key=lambda e: list(e.path))
    if errors:
        raise CaseFileInvalid("\n".join(_describe(e) for e in errors))
    try:
        facts, as_of = facts_from_case(case)
    except CaseError as exc:
        raise CaseFileInvalid(f"{exc.path}: {exc.message}") from None
    for index, course in enumerate(case.get("medications") or []):
        # The pages list the usual drugs; any other is recorded as "other" (case_loader).
        drug = course["drug"] if course["drug"] in DRUG_LABELS else "other"
        refusal = dose_refusal(drug, course.get("dose_mg_per_day"), rule_params=rule_params,
                               rule_set=rule_set)
        if refusal:
            raise CaseFileInvalid(f"$.medications[{index}].dose_mg_per_day: {refusal}")
    return facts, as_of
