"""Our rows as FHIR R4 resources (plain JSON dicts): one builder per kind of resource.

Pure functions of the rows they are given: no query, no clock, no request. What to read and
in which order is cadm/fhir/export.py's job. Dicts rather than fhir.resources models: the
shapes are few and fixed, and the tests validate every one of them with fhir.resources' R4B
models and, strictly, with fhirclient's FHIR 4.0.1 models, which is where a validation belongs
(a model per resource per request would cost pydantic work on every export for no gain).

Ids: a resource that is one of our rows takes the row's public UUID; a PFT or 6-minute walk
row gives a grouping Observation with that UUID and one member Observation per value, named
`<uuid>-<value>` (each value is meaningful alone, which FHIR models with hasMember, not
components); the recorded diagnosis is `<patient uuid>-diagnosis`, and the derived subtype,
stored nowhere, `<patient uuid>-subtype`. The other kinds of row (HRCT, muscle studies, skin
biopsies, eye examinations, PPF assessments, cancer-screening records, medications) are built
by cadm/fhir/export_records.py, with these helpers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from cadm.models import RecordStatus
from cadm.rules import vocabulary as v
from cadm.rules.measurements import QUANTITIES

from . import export_codes as codes
from . import local_codes as local

SUBTYPE_LABELS = dict(v.SUBTYPES)
ANTIBODY_LABELS = dict(v.ANTIBODIES)
ANTIBODY_METHOD_LABELS = dict(v.ANTIBODY_METHODS)
RESULT_LABELS = dict(v.ANTIBODY_RESULTS)


def reference(resource_type: str, resource_id, display: str | None = None) -> dict:
    ref = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        ref["display"] = display
    return ref


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def categories(code: str) -> list[dict]:
    return [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": code}]}]


def quantity(value, unit: str) -> dict:
    quantity = {"value": codes.fhir_decimal(value), "unit": unit}
    if unit in codes.UCUM_CODES:
        quantity |= {"system": codes.UCUM, "code": unit}
    return quantity


def concept(text: str, system: str | None = None, code: str | None = None,
            also: tuple[dict, ...] = ()) -> dict:
    """A CodeableConcept: the standard coding when there is one, then codings of ours."""
    found = [{"system": system, "code": code}] if system and code else []
    found += list(also)
    return {"text": text, "coding": found} if found else {"text": text}


def annotations(*texts: str) -> list[dict]:
    return [{"text": t} for t in texts if t]


def observation(row, *, obs_id: str, patient_ref: dict, code: dict, category: str,
                 notes: Iterable[str] = ()) -> dict:
    """What every Observation of ours shares: status from the row's, the date, the patient."""
    in_error = row.status == RecordStatus.ENTERED_IN_ERROR
    resource = {
        "resourceType": "Observation",
        "id": obs_id,
        "status": "entered-in-error" if in_error else "final",
        "category": categories(category),
        "code": code,
        "subject": patient_ref,
        "effectiveDateTime": row.observed_on.isoformat(),
    }
    texts = list(notes)
    if in_error and row.status_reason:
        texts.append(f"Entered in error: {row.status_reason}")
    if texts:
        resource["note"] = annotations(*texts)
    return resource


# ---------------------------------------------------------------- Patient

def patient_resource(patient, external_identifiers: Iterable[tuple[str, str]] = ()) -> dict:
    """Our MRN under its site's URN, then the identifiers other systems gave the patient."""
    identifiers = [{"use": "usual",
                    "type": {"coding": [{"system": codes.IDENTIFIER_TYPE, "code": "MR"}]},
                    "system": codes.mrn_system(patient.site.code), "value": patient.mrn}]
    identifiers += [{"system": system, "value": value} for system, value in external_identifiers]
    return {
        "resourceType": "Patient",
        "id": str(patient.public_id),
        # Read by IMACS's nasoendoscopy rule; an extension of ours (no standard element).
        "extension": [{"url": local.HIGH_NPC_REGION,
                       "valueBoolean": bool(patient.high_npc_risk_region)}],
        "identifier": identifiers,
        "name": [{"family": patient.family_name, "given": [patient.given_name]}],
        "gender": patient.sex,  # our two values are FHIR's administrative-gender codes
        "birthDate": patient.birth_date.isoformat(),
        "managingOrganization": {"display": patient.site.name},
    }


# ---------------------------------------------------------------- Observations

def lab_observation(row, patient_ref: dict) -> dict:
    """Value and upper limit in the normalised unit: that is what the rules compared. A test
    §8 verifies no LOINC for (KL-6) is coded under our lab_tests vocabulary instead."""
    label = QUANTITIES[row.analyte].label
    loinc = codes.lab_loinc(row.analyte, row.loinc)
    ours = () if loinc else (local.coding("lab_tests", row.analyte),)
    resource = observation(row, obs_id=str(row.public_id), patient_ref=patient_ref,
                           code=concept(label, codes.LOINC, loinc, ours), category="laboratory",
                           notes=() if loinc else (codes.NO_LOINC_NOTE,))
    resource["valueQuantity"] = quantity(row.value_normalised, row.unit_normalised)
    if row.upper_limit_normalised is not None:
        resource["referenceRange"] = [
            {"high": quantity(row.upper_limit_normalised, row.unit_normalised)}]
    if row.lab_name:
        resource["performer"] = [{"display": row.lab_name}]
    return resource


def _local_part(system: str, code: str, text: str) -> dict:
    return {"coding": [{"system": system, "code": code, "display": text}], "text": text}


def antibody_observation(row, patient_ref: dict) -> dict:
    """The antibody under our vocabulary always (LOINC first where §8 verifies one: it names
    a method, ours does not), the method and result under ours too, the grade (which FLAIR
    reads) and titre as components, also told in notes for a reader."""
    label = ANTIBODY_LABELS.get(row.antibody, row.antibody)
    loinc = codes.antibody_loinc(row.antibody, row.method)
    notes = [] if loinc else [codes.NO_LOINC_NOTE]
    components = []
    if row.grade:
        notes.append(f"Grade {row.grade} ({'+' * row.grade})")
        components.append({"code": _local_part(local.ANTIBODY, local.ANTIBODY_GRADE, "Grade"),
                           "valueInteger": int(row.grade)})
    if row.titre:
        notes.append(f"Titre as reported: {row.titre}")
        components.append({"code": _local_part(local.ANTIBODY, local.ANTIBODY_TITRE, "Titre"),
                           "valueString": row.titre})
    code = concept(label, codes.LOINC, loinc, (local.coding("antibodies", row.antibody),))
    resource = observation(row, obs_id=str(row.public_id), patient_ref=patient_ref, code=code,
                           category="laboratory", notes=notes)
    resource["valueCodeableConcept"] = {
        "coding": [local.coding("antibody_results", row.result)],
        "text": RESULT_LABELS.get(row.result, row.result)}
    resource["method"] = {"coding": [local.coding("antibody_methods", row.method)],
                          "text": ANTIBODY_METHOD_LABELS.get(row.method, row.method)}
    if components:
        resource["component"] = components
    if row.lab_name:
        resource["performer"] = [{"display": row.lab_name}]
    return resource


# (member id suffix, field, label, coding of ours) of a PFT row and of a 6-minute-walk row,
# in display order. A walk's members carry ours beside the LOINC: SpO2 at rest and the nadir
# share 59408-5, and only ours tells FHIR import which is which (cadm/fhir/walks.py).
PFT_MEMBERS = (("fvc-l", "fvc_l", "FVC", None),
               ("fvc-pct", "fvc_pct_predicted", "FVC % predicted", None),
               ("dlco-pct", "dlco_pct_predicted", "DLCO % predicted", None),
               ("tlc-pct", "tlc_pct_predicted", "TLC % predicted", (local.PFT, local.PFT_TLC)))
WALK_MEMBERS = tuple(
    (suffix, field, text, (local.WALK, part)) for (suffix, field, text), part in zip(
        (("distance", "distance_m", "6-minute walk distance"),
         ("spo2-nadir", "spo2_nadir", "SpO2 nadir during the 6-minute walk"),
         ("spo2-rest", "spo2_rest", "SpO2 at rest before the 6-minute walk")),
        local.WALK_PARTS, strict=True))
# The walk as a whole: LOINC 62619-2 (§8.1, the 6MWT panel), and ours.
WALK_GROUP = concept("6-minute walk test", codes.LOINC, codes.WALK_PANEL_LOINC,
                     ({"system": local.WALK, "code": local.WALK_TEST,
                       "display": "6-minute walk test"},))


def _grouped(row, patient_ref: dict, *, code: dict, members, category: str) -> list[dict]:
    """The grouping Observation (the row) and one member per recorded value."""
    group_id = str(row.public_id)
    found = []
    for suffix, field, label, ours in members:
        value = getattr(row, field)
        if value is None:
            continue
        measured = QUANTITIES[codes.LUNG_FIELDS[field]]
        also = ({"system": ours[0], "code": ours[1], "display": label},) if ours else ()
        member = observation(row, obs_id=f"{group_id}-{suffix}", patient_ref=patient_ref,
                             code=concept(label, codes.LOINC, measured.loinc, also),
                             category=category,
                             notes=() if measured.loinc else (codes.NO_LOINC_NOTE,))
        member["valueQuantity"] = quantity(value, measured.unit)
        member["derivedFrom"] = [reference("Observation", group_id)]
        found.append(member)
    group = observation(row, obs_id=group_id, patient_ref=patient_ref, code=code,
                        category=category)
    group["hasMember"] = [reference("Observation", m["id"], m["code"]["text"]) for m in found]
    return [group, *found]


def pft_observations(row, patient_ref: dict) -> list[dict]:
    return _grouped(row, patient_ref, code={"text": "Pulmonary function test"},
                    members=PFT_MEMBERS, category="procedure")


def walk_observations(row, patient_ref: dict) -> list[dict]:
    return _grouped(row, patient_ref, code=WALK_GROUP, members=WALK_MEMBERS,
                    category="procedure")


# ---------------------------------------------------------------- Condition

def diagnosis_condition_id(patient) -> str:
    return f"{patient.public_id}-diagnosis"


def diagnosis_condition(patient) -> dict:
    """The dermatomyositis diagnosis as the care team recorded it: every patient of ours has
    one (its date anchors the screening plan). Amyopathic DM is dermatomyositis (§3; ICD-10
    M33.1 covers it, §8.2), so the verified code of §8.2 is true of every patient; the subtype
    is the other Condition's business. Onset is the skin onset (the disease's first sign) and
    recordedDate the diagnosis date, which is how FHIR import reads them back
    (cadm/fhir/patients.py), so an exported patient can be registered elsewhere without
    retyping its disease dates. The care team's subtype on record and the refractory-disease
    marker, which the rules read (reclassification, IMACS tier), are extensions of ours on
    it, read back the same way (local_codes.py)."""
    resource = {
        "resourceType": "Condition",
        "id": diagnosis_condition_id(patient),
        "clinicalStatus": {"coding": [{"system": codes.CONDITION_CLINICAL,
                                       "code": "active"}]},
        "code": concept("Dermatomyositis", codes.SNOMED, codes.DERMATOMYOSITIS_SNOMED),
        "subject": reference("Patient", patient.public_id),
        "onsetDateTime": patient.skin_onset_date.isoformat(),
        "recordedDate": patient.diagnosis_date.isoformat(),
    }
    extensions = [{"url": local.REFRACTORY, "valueBoolean": bool(patient.refractory_disease)}]
    if patient.recorded_subtype:
        label = SUBTYPE_LABELS.get(patient.recorded_subtype, patient.recorded_subtype)
        resource["note"] = annotations(f"Subtype on record (the care team's): {label}.")
        extensions.insert(0, {"url": local.RECORDED_SUBTYPE, "valueCodeableConcept": {
            "coding": [local.coding("subtypes", patient.recorded_subtype)], "text": label}})
    resource["extension"] = extensions
    return resource


def subtype_condition_id(patient) -> str:
    return f"{patient.public_id}-subtype"


def subtype_condition(patient, classification, *, as_of: date, version: int) -> dict | None:
    """The derived subtype. None when the rules find it not classifiable (no hallmark skin
    sign): that is the absence of a classification, not a condition to assert."""
    subtype = classification.subtype
    if subtype == "not_classifiable":
        return None
    snomed = codes.SUBTYPE_SNOMED.get(subtype)
    label = SUBTYPE_LABELS.get(subtype, subtype)
    resource = {
        "resourceType": "Condition",
        "id": subtype_condition_id(patient),
        # The rules derive the subtype as it stands on `as_of`: a current condition.
        "clinicalStatus": {"coding": [{"system": codes.CONDITION_CLINICAL,
                                       "code": "active"}]},
        "code": concept(label, codes.SNOMED, snomed),
        "subject": reference("Patient", patient.public_id),
        "onsetDateTime": patient.skin_onset_date.isoformat(),
        "recordedDate": as_of.isoformat(),
        "note": annotations(
            f"Derived by the CADM rules (rule-set version {version}) on {as_of.isoformat()}: "
            f"{classification.reason}.",
            "" if snomed else codes.NO_SUBTYPE_CODE_NOTE),
    }
    # Only amyopathic and hypomyopathic have a confirmation (24 months without weakness);
    # for the others the rules say nothing about it, so neither does the export.
    if classification.confirmation in ("provisional", "confirmed"):
        resource["verificationStatus"] = {"coding": [{
            "system": codes.CONDITION_VERIFICATION, "code": classification.confirmation}]}
    return resource


# ---------------------------------------------------------------- DetectedIssue

def _mitigation_text(action) -> str:
    kind = action.kind
    if kind == "dismissed":
        text = f"Dismissed: {action.get_reason_display()} ({action.reason})"
    elif kind == "snoozed":
        text = "Snoozed"
    else:
        text = "Acknowledged"
    return f"{text}. {action.comment}" if action.comment else f"{text}."


def _person(user) -> dict:
    return {"display": user.get_full_name() or user.username}


def detected_issue(flag, patient, *, review, evidence_refs: dict) -> dict:
    """One live flag. `review`: the reviewer's action that set the flag's current state
    (acknowledged, snoozed, dismissed), or None while the flag is open; `evidence_refs` maps
    an evidence item (kind, date, label) to the Observation it names, where one is exported."""
    resource = {
        "resourceType": "DetectedIssue",
        "id": str(flag.public_id),
        "identifier": [{"system": codes.FLAG_ID_SYSTEM, "value": str(flag.public_id)}],
        "status": "final",
        "code": {"coding": [{"system": codes.RULE_CODE_SYSTEM, "code": flag.code}],
                 "text": flag.summary},
        "severity": codes.DETECTED_ISSUE_SEVERITY[flag.severity],
        "patient": reference("Patient", patient.public_id),
        "identifiedDateTime": flag.opened_at.isoformat(),
        "author": {"display": f"CADM rules, rule-set version {flag.ruleset.number}"},
        "detail": (f"{flag.detail}\n\nSource: {flag.citation} (evidence: "
                   f"{flag.evidence_label}; rule-set version {flag.ruleset.number})."),
    }
    evidence = [_evidence(item, evidence_refs) for item in flag.evidence or ()]
    if evidence:
        resource["evidence"] = evidence
    if review is not None:
        mitigation = {"action": {"text": _mitigation_text(review)}, "date": review.at.isoformat()}
        if review.actor is not None:
            mitigation["author"] = _person(review.actor)
        resource["mitigation"] = [mitigation]
    return resource


def evidence_key(kind: str, day: str | None, label: str) -> tuple:
    return (kind, day, label)


def _evidence(item: dict, refs: dict) -> dict:
    day = item.get("date")
    value = f": {item['value']}" if item.get("value") else ""
    when = f" ({day})" if day else ""
    entry: dict = {"code": [{"text": f"{item.get('label', '')}{value}{when}"}]}
    ref = refs.get(evidence_key(item.get("kind", ""), day, item.get("label", "")))
    if ref is not None:
        entry["detail"] = [ref]
    return entry
