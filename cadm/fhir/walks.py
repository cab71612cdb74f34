"""FHIR import of a 6-minute walk test in the grouped form our export writes
(export_resources.WALK_MEMBERS): a grouping Observation coded LOINC 62619-2 (§8.1, the 6MWT
panel) and `urn:cadm:six-minute-walk|test`, whose `hasMember` references one Observation per
value -> the raw values of a SixMinuteWalkInput, with the FHIR path of each.

Which member is which: the distance by LOINC 64098-7 or our `distance` code; the SpO2 nadir
and the resting SpO2 only by our codes (`spo2-nadir`, `spo2-rest`), since both are LOINC
59408-5 and nothing standard tells them apart. So another system's 62619-2 panel comes in
when its members say which SpO2 is the nadir, and is skipped with the reason otherwise; a
lone distance or SpO2 (no panel) stays skipped as cadm.fhir.codes NOT_MAPPED says, since a
walk test needs both.

The group passes the gate every Observation passes (cadm.fhir.observations.admitted) and its
status is the walk's; each member must be valid R4 and about the same patient. Values are in
UCUM `m` and `%`, converted and rounded to their columns as the lung values are; the typed
input checks the rest (§6.2 ranges, the nadir not above rest).
"""

from __future__ import annotations

from . import codes as c
from . import export_codes
from . import local_codes as local
from .mapped import MappedRow, Skipped
from .observations import Outcome, admitted, measured, resource_problems
from .structure import codings

SECTION_KEY = "six-minute-walk"
QUANTITY = {"distance_m": "distance_m", "spo2_nadir": "spo2", "spo2_rest": "spo2"}
NEEDED = ("distance_m", "spo2_nadir")


def is_walk(resource: dict) -> bool:
    pairs = {(system, code) for system, code, _ in codings(resource.get("code"))}
    return (c.LOINC, export_codes.WALK_PANEL_LOINC) in pairs or (local.WALK,
                                                                  local.WALK_TEST) in pairs


def members_of(resource: dict, by_reference: dict[str, tuple[str, dict]]
               ) -> list[tuple[str, dict]]:
    """The members the bundle holds, with their paths (by fullUrl or Observation/<id>)."""
    found = []
    items = resource.get("hasMember")
    for item in items if isinstance(items, list) else []:
        ref = item.get("reference") if isinstance(item, dict) else None
        if isinstance(ref, str) and ref in by_reference and by_reference[ref] not in found:
            found.append(by_reference[ref])
    return found


def _field(member: dict) -> str | None:
    """The SixMinuteWalk field a member holds; "" for an SpO2 that does not say which."""
    found = codings(member.get("code"))
    for system, code, _ in found:
        if system == local.WALK and code in local.WALK_PARTS:
            return local.WALK_PARTS[code]
    loinc = {code for system, code, _ in found if system == c.LOINC}
    if "64098-7" in loinc:
        return "distance_m"
    return "" if loinc & {"59408-5", "2708-6"} else None


def walk_observation(resource: dict, path: str, members: list[tuple[str, dict]], *,
                     patient_refs: frozenset[str] | None) -> Outcome:
    out = Outcome()
    found = admitted(resource, path, patient_refs, out)
    if found is None:
        return out
    status, day, day_path = found
    problems = []
    for member_path, member in members:
        problems += resource_problems(member, member_path, patient_refs)
    if problems:
        out.refused.extend(problems)
        return out
    raw, fields = {"observed_on": day}, {"observed_on": day_path}
    unnamed = False
    for member_path, member in members:
        field = _field(member)
        if field is None:
            out.skipped.append(Skipped(member_path, "Member of a 6-minute walk that is not "
                                                    "its distance nor its SpO2: not read."))
            continue
        if field == "":
            unnamed = True
            continue
        if status == c.ENTERED_IN_ERROR:  # withdrawn: its members only find ours
            fields[field] = member_path
            continue
        value = measured(member, member_path, field, out, section_key=SECTION_KEY,
                         quantity=QUANTITY[field])
        if value is not None:
            raw[field], fields[field] = value
    if status != c.ENTERED_IN_ERROR and not all(name in raw for name in NEEDED):
        if len(out.refused) == 0:
            why = ("its SpO2 members do not say which is the nadir (LOINC 59408-5 names "
                   "both)" if unnamed else "it holds no distance or no SpO2 nadir")
            out.skipped.append(Skipped(path, f"6-minute walk test: {why}; a walk test needs "
                                             f"both. Enter it by hand."))
        return out
    out.rows.append(MappedRow(SECTION_KEY, raw, path, fields, status))
    return out
