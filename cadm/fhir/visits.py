"""FHIR import of a visit's examination: the Observation cadm/fhir/export_visits.py writes
(code `urn:cadm:visit|examination`, its parts as components) -> the raw values of a
VisitInput, with the FHIR path of each value; or why it is skipped or refused.

Only our local systems are read (urn:cadm:visit, urn:cadm:vocabulary:<name>): no other
system codes a visit, and a guess at someone else's examination coding would put findings
in a patient's record that nobody made. One Observation is one visit (two visits of a day
stay two). A part is examined when a component names it, with a finding or `none`; a part no
component names was not examined, and stays so ("assessed"), so the copy clears no flag the
original could not. A component or finding under a code we do not know is skipped with the
reason, never a failure; the typed input (VisitInput) checks the rest, as at every door.
"""

from __future__ import annotations

from . import export_codes as codes
from .export_visits import PART_OF, VOCABULARIES
from .mapped import MappedRow, Skipped
from .observations import Outcome, codings, effective_day, named, resource_problems
from .structure import decimal_of, shown

MAPPED_STATUSES = ("final", "amended", "corrected")


def is_visit(resource: dict) -> bool:
    """An Observation coded in our visit system (whatever the code: an unknown one is
    skipped by `visit_observation` with its reason)."""
    return any(system == codes.VISIT_SYSTEM for system, _, _ in codings(resource.get("code")))


def _local_code(concept: object) -> str | None:
    return next((code for system, code, _ in codings(concept)
                 if system == codes.VISIT_SYSTEM), None)


def visit_observation(resource: dict, path: str, *, patient_refs: frozenset[str] | None
                      ) -> Outcome:
    out = Outcome()
    code = _local_code(resource.get("code"))
    if code != codes.VISIT_EXAMINATION:
        out.skipped.append(Skipped(path, f"Observation {named(resource.get('code'))}: not a "
                                         f"code of ours that CADM reads."))
        return out
    status = resource.get("status")
    if status not in MAPPED_STATUSES:
        # Only current visits are exported; a withdrawn or provisional one is not recorded.
        out.skipped.append(Skipped(path, f"Visit examination with status {shown(status)}: "
                                         f"not imported."))
        return out
    problems = resource_problems(resource, path, patient_refs)
    if problems:
        out.refused.extend(problems)
        return out
    day, day_path = effective_day(resource, path, out)
    if day is None:
        return out
    raw: dict = {"visit_on": day, "assessed": [], "skin": [], "weakness": [], "symptoms": []}
    fields = {"visit_on": day_path}
    for index, component in enumerate(resource.get("component") or []):
        _component(component, f"{path}.component[{index}]", raw, fields, out)
    notes = [n.get("text") for n in resource.get("note") or [] if isinstance(n, dict)]
    if any(notes):
        raw["notes"] = "\n\n".join(n for n in notes if n)
        fields["notes"] = f"{path}.note"
    raw["assessed"] = [p for p in dict.fromkeys(raw["assessed"]) if p != "weight"]
    out.rows.append(MappedRow("visits", raw, path, fields, status))
    return out


def _component(component: dict, where: str, raw: dict, fields: dict, out: Outcome) -> None:
    code = _local_code(component.get("code"))
    if code in codes.VISIT_FINDINGS:
        field, vocabulary = codes.VISIT_FINDINGS[code]
        value = _finding(component.get("valueCodeableConcept"), vocabulary)
        if value is None:
            out.skipped.append(Skipped(f"{where}.valueCodeableConcept", f"{code}: value "
                                       f"{named(component.get('valueCodeableConcept'))} is "
                                       f"not a code of ours; the finding is not imported."))
            return
        raw["assessed"].append(PART_OF[code])
        fields.setdefault(field, f"{where}.valueCodeableConcept")
        if value != codes.VISIT_NONE and value not in raw[field]:
            raw[field].append(value)
    elif code == codes.VISIT_MMT8 and type(component.get("valueInteger")) is int:
        raw["assessed"].append(PART_OF[code])
        raw["mmt8"], fields["mmt8"] = component["valueInteger"], f"{where}.valueInteger"
    elif code == codes.VISIT_WEIGHT and _kg(component.get("valueQuantity")) is not None:
        raw["weight_kg"] = _kg(component["valueQuantity"])
        fields["weight_kg"] = f"{where}.valueQuantity"
    else:
        out.skipped.append(Skipped(where, f"Visit component {named(component.get('code'))}: "
                                          f"not a code or value of ours; not imported."))


def _finding(concept: object, vocabulary: str) -> str | None:
    """Our vocabulary code, `none` for "examined, none found", or None for anything else."""
    known = {c for c, _ in VOCABULARIES[vocabulary]}
    for system, code, _ in codings(concept):
        if system == codes.VOCABULARY_SYSTEM + vocabulary and code in known:
            return code
        if system == codes.VISIT_SYSTEM and code == codes.VISIT_NONE:
            return code
    return None


def _kg(quantity: object):
    """A weight in UCUM kg, the only unit we write; another unit is not read as kilograms."""
    if not isinstance(quantity, dict) or quantity.get("code") != "kg" \
            or quantity.get("system") != codes.UCUM:
        return None
    return decimal_of(quantity.get("value"))
