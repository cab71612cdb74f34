"""FHIR R4 resources -> the raw values of our typed inputs (cadm.inputs), with the FHIR path
of every value, and the resources skipped or refused with their reasons.

A CONTRACT: the importer (cadm.fhir.importer) writes what this gives; the CDS Hooks service
evaluates prefetched FHIR data through it without storing anything. `map_resources` and
`map_bundle` and the dataclasses of cadm.fhir.mapped keep their shape.

Nothing here reads the database or writes anything: a value is not checked here beyond what
turning FHIR into our raw fields needs (the typed input's parser is the one place a value is
checked, whatever the door). What is refused here is what no parser could be given: a
structure fhir.resources' R4B models reject, a status outside the value set, a unit that is
not UCUM, a date that is not a day, a second patient, an Observation about someone else.

Observations we do not use (blood pressure, glucose, …) are skipped with a reason, never a
failure. Observation.status: final/amended/corrected are mapped; preliminary, registered,
cancelled and unknown are skipped with the reason; entered-in-error is mapped with its status
so the importer can mark our matching record entered in error. The codes and units read are
those of cadm.fhir.codes (clinical-reference.md §8) and cadm.fhir.observations.

A visit's examination, as our own export writes it (codes of ours only), is mapped by
cadm.fhir.visits into `Mapped.visits`. Our export's other records under local codes: a
6-minute walk (a group and its members, cadm.fhir.walks), an HRCT, muscle study, skin
biopsy, retinal screening, PPF judgement or cancer-screening panel (cadm.fhir.records) are
`rows` as results are; a medication course (a MedicationStatement, cadm.fhir.medications)
is in `Mapped.medications`. The facts our export writes as extensions (the subtype on record,
refractory disease, a high nasopharyngeal-cancer-risk region) join the patient's raw values.

PFT values of one day (FVC % predicted, FVC, DLCO % predicted, whether separate Observations
or components of one) make one PFT row, as our PFT holds them; a day without FVC % predicted
(which every PFT needs) is skipped with the reason.
"""

from __future__ import annotations

import re

from . import medications, observations, patients, records, visits, walks
from .mapped import Mapped, MappedRow, Skipped
from .observations import named
from .structure import shown

__all__ = ["Mapped", "MappedRow", "Skipped", "map_bundle", "map_resources", "resource_paths"]

BUNDLE_TYPES = ("transaction", "collection", "searchset")
_RESOURCE = re.compile(r"^(.*?\.resource)(?:[.\[]|$)")


def map_resources(resources: list[tuple[str, dict]]) -> Mapped:
    """Map resources given with their FHIR paths (e.g. a CDS Hooks prefetch: "prefetch.patient",
    "prefetch.observations.entry[3].resource")."""
    return _map([(path, resource, None) for path, resource in resources])


def map_bundle(bundle: dict) -> Mapped:
    """Map a Bundle of type transaction, collection or searchset: its entries' resources
    (an entry that is only a request, e.g. a DELETE, is skipped)."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        kind = bundle.get("resourceType") if isinstance(bundle, dict) else type(bundle).__name__
        return _refused("Bundle", f"Expected a Bundle resource; got {shown(kind)}.")
    if bundle.get("type") not in BUNDLE_TYPES:
        return _refused("Bundle.type", f"Bundle type {shown(bundle.get('type'))} is not "
                                       f"imported; accepted: {', '.join(BUNDLE_TYPES)}.")
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        return _refused("Bundle.entry", "Expected a list of entries.")
    items, skipped = [], []
    for index, entry in enumerate(entries):
        path = f"Bundle.entry[{index}]"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            request = entry.get("request") if isinstance(entry, dict) else None
            what = (f"a {request.get('method')} request" if isinstance(request, dict)
                    else "nothing")
            skipped.append(Skipped(path, f"Entry without a resource ({what}): not imported."))
            continue
        full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
        items.append((f"{path}.resource", resource, full_url))
    mapped = _map(items)
    return Mapped(mapped.patient, mapped.patient_path, mapped.rows,
                  sorted(skipped + mapped.skipped, key=lambda s: _order(s.path)),
                  mapped.refused, mapped.visits, mapped.medications)


def resource_paths(row: MappedRow) -> list[str]:
    """The resources a row came from (a PFT row may join several Observations)."""
    found = [row.path]
    for path in row.fields.values():
        match = _RESOURCE.match(path)
        if match and match.group(1) not in found:
            found.append(match.group(1))
    return found


def _refused(path: str, message: str) -> Mapped:
    return Mapped(None, None, [], [], [(path, message)])


def _order(path: str) -> tuple:
    return tuple(int(n) if n.isdigit() else n for n in re.split(r"(\d+)", path))


def _walk_members(items: list[tuple[str, dict, str | None]]
                  ) -> dict[str, list[tuple[str, dict]]]:
    """Each 6-minute walk group's members (by its path), resolved by fullUrl or
    Observation/<id>; a member is read as part of its walk, never on its own."""
    by_reference: dict[str, tuple[str, dict]] = {}
    for path, resource, full_url in items:
        if resource.get("resourceType") == "Observation":
            if full_url:
                by_reference[full_url] = (path, resource)
            if isinstance(resource.get("id"), str):
                by_reference[f"Observation/{resource['id']}"] = (path, resource)
    return {path: walks.members_of(resource, by_reference) for path, resource, _ in items
            if resource.get("resourceType") == "Observation" and walks.is_walk(resource)}


def _map(items: list[tuple[str, dict, str | None]]) -> Mapped:
    patient = patient_path = None
    refs: frozenset[str] | None = None
    dates: tuple[dict, dict] = ({}, {})
    rows: list[MappedRow] = []
    visit_rows: list[MappedRow] = []
    course_rows: list[MappedRow] = []
    skipped: list[Skipped] = []
    refused: list[tuple[str, str]] = []
    groups = _walk_members(items)
    members = {path for found in groups.values() for path, _ in found}
    # The patient first: the Observations' subjects are checked against it.
    for path, resource, full_url in items:
        if resource.get("resourceType") != "Patient":
            continue
        if patient_path is not None:
            refused.append((path, f"A second Patient: an import holds one patient's data "
                                  f"(the first is {patient_path})."))
            continue
        patient_path = path
        patient, problems = patients.patient(resource, path)
        refused.extend(problems)
        refs = patients.references(resource, full_url)
    for path, resource, _ in items:
        kind = resource.get("resourceType")
        if kind == "Patient":
            continue
        if kind == "Observation" and path in members and path not in groups:
            continue  # read with its walk
        if kind in ("Observation", "MedicationStatement"):
            found, into = _mapped_one(resource, path, refs, groups)
            if into == "visits":
                visit_rows += found.rows
            elif into == "medications":
                course_rows += found.rows
            else:
                rows += found.rows
            skipped += found.skipped
            refused += found.refused
        elif kind == "Condition" and patients.is_dermatomyositis(resource):
            raw, fields = patients.disease_record(resource, path)
            if raw and not dates[0]:
                dates = (raw, fields)
            skipped.append(Skipped(path, "Condition dermatomyositis: read for a new patient's "
                                         "disease dates (and our subtype on record and "
                                         "refractory marker) only."))
        else:
            what = f" {named(resource.get('code'))}" if kind == "Condition" else ""
            skipped.append(Skipped(path, f"{shown(kind) if not isinstance(kind, str) else kind}"
                                         f"{what}: not imported (CADM reads Patient, "
                                         f"Observation and MedicationStatement resources)."))
    if patient is not None and dates[0]:
        patient = {**patient, **dates[0], "fields": {**patient["fields"], **dates[1]}}
    rows, unpaired = _pft_days(rows)
    return Mapped(patient, patient_path, rows, skipped + unpaired, refused, visit_rows,
                  course_rows)


def _mapped_one(resource: dict, path: str, refs: frozenset[str] | None,
                groups: dict[str, list[tuple[str, dict]]]):
    """One Observation or MedicationStatement by its reader, and where its rows go."""
    if resource.get("resourceType") == "MedicationStatement":
        return medications.medication_statement(resource, path, patient_refs=refs), \
            "medications"
    if visits.is_visit(resource):
        return visits.visit_observation(resource, path, patient_refs=refs), "visits"
    if path in groups:
        return walks.walk_observation(resource, path, groups[path], patient_refs=refs), "rows"
    if records.record_kind(resource):
        return records.record_observation(resource, path, patient_refs=refs), "rows"
    return observations.observation(resource, path, patient_refs=refs), "rows"


def _pft_days(rows: list[MappedRow]) -> tuple[list[MappedRow], list[Skipped]]:
    """One PFT row per day and set of values; a day without FVC % predicted is skipped."""
    out: list[MappedRow] = []
    days: list[MappedRow] = []
    for row in rows:
        if row.section_key != "pft" or row.status == "entered-in-error":
            out.append(row)
            continue
        (name,) = (k for k in row.raw if k != "observed_on")
        for index, day in enumerate(days):
            if day.raw["observed_on"] == row.raw["observed_on"] and name not in day.raw:
                days[index] = MappedRow("pft", {**day.raw, name: row.raw[name]}, day.path,
                                        {**day.fields, name: row.fields[name]}, day.status)
                break
        else:
            days.append(row)
    skipped = []
    for day in days:
        if "fvc_pct_predicted" in day.raw:
            out.append(day)
        else:
            skipped += [Skipped(path, f"PFT of {day.raw['observed_on']}: no FVC % predicted "
                                      f"(LOINC 19872-1) that day, which a PFT needs; enter "
                                      f"it by hand.") for path in resource_paths(day)]
    return out, skipped
