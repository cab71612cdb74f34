"""FHIR R4 structure: a resource checked by fhir.resources' R4B models, its errors as FHIR paths.

fhir.resources 8.x is R5 at its top level and rejects R4 data; `fhir.resources.R4B` parses
every R4 bundle and example of ../shared/interop/ (toolchain.md). Its error locations are
pydantic's (`entry.265.resource.valueQuantity.value`); a person reading an OperationOutcome
expects FHIRPath (`Bundle.entry[265].resource.valueQuantity.value`), so they are rewritten.
It checks types and cardinality, not value sets: a status or a code is checked by the mapper.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
SHOWN = 60  # characters of a refused value quoted back: enough to recognise it


def fhir_path(prefix: str, loc: Iterable) -> str:
    """pydantic's location under `prefix`, in FHIRPath: ints become [index]."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


def structure_problems(resource: dict, path: str) -> list[tuple[str, str]]:
    """(FHIR path, message) for each way `resource` is not a valid R4 resource; [] if valid.
    Validated only for resources the mapper reads: one we skip cannot fail an import."""
    kind = resource.get("resourceType")
    try:
        model = get_fhir_model_class(kind)
    except (ValueError, KeyError, TypeError):
        return [(f"{path}.resourceType", f"{shown(kind)} is not an R4 resource type.")]
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            where = fhir_path(path, error["loc"])
            if "input" in error and not isinstance(error["input"], dict | list):
                message = f"{shown(error['input'])} is not valid here: {message}"
            problems.append((where, message))
        return problems
    except (ValueError, TypeError) as exc:  # a model's own check that pydantic did not wrap
        return [(path, f"not a valid {kind}: {exc}")]
    return []


def codings(concept: object) -> list[tuple[str, str, str]]:
    """(system, code, display) of a CodeableConcept given as JSON, whatever its shape."""
    if not isinstance(concept, dict) or not isinstance(concept.get("coding"), list):
        return []
    return [(str(x.get("system") or ""), str(x.get("code") or ""), str(x.get("display") or ""))
            for x in concept["coding"] if isinstance(x, dict)]


def day_of(text: object) -> date | None:
    """The calendar day of a FHIR date or dateTime, as written (the source's own local day:
    "2020-02-22T23:10:00+01:00" is the 22nd, the day the clinician saw). None for a partial
    date ("2020-02") or anything else."""
    if not isinstance(text, str):
        return None
    match = DAY.match(text)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def decimal_of(value: object) -> Decimal | None:
    """A JSON number as the Decimal it was written as (a float's repr is its shortest exact
    spelling: 938.55 stays 938.55, never 938.549999…)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return None


_STEP = re.compile(r"^([A-Za-z_][\w]*)((?:\[\d+\])*)$")


def value_at(root: object, path: str) -> object:
    """The value at a FHIR path under `root` ("Bundle.entry[3].resource.valueQuantity.value"
    in a Bundle: the root's own name is skipped); None when the path leads nowhere (a choice
    such as `effective[x]`, a missing element)."""
    node = root
    for step in path.split(".")[1:]:
        match = _STEP.match(step)
        if not match:
            return None
        name, indexes = match.groups()
        node = node.get(name) if isinstance(node, dict) else None
        for index in re.findall(r"\[(\d+)\]", indexes):
            node = node[int(index)] if isinstance(node, list) and int(index) < len(node) \
                else None
    return node
