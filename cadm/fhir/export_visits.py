"""A visit's examination as one FHIR R4 Observation, so that a round trip (export, import at
another site, evaluate) gives the same flags (issue 12).

Shape, chosen as the simplest that comes back exactly (cadm/fhir/visits.py reads it):
- one Observation per current visit (entered-in-error visits are not exported: nothing here
  could be withdrawn by them, and a receiver never had them), id = the visit's public UUID,
  category `exam`, code `urn:cadm:visit|examination`, effectiveDateTime = the visit date,
  the visit's notes as `note`;
- one `component` per finding of a part examined, its code the part
  (`urn:cadm:visit|skin`, `|weakness`, `|symptoms`), its valueCodeableConcept our vocabulary
  code under `urn:cadm:vocabulary:<name>` (skin_signs, weakness, symptoms) with the label as
  display;
- a part examined with nothing found gives one component valued `urn:cadm:visit|none`
  ("None found"), and a part not examined gives no component at all. That is the
  difference DESIGN requires be kept: "not examined" must never travel as "normal", since a
  visit that did not examine something may not clear a flag about it. Muscle strength is
  examined when it has a weakness component (`none` included) or an MMT-8;
- MMT-8 as `urn:cadm:visit|mmt8` with valueInteger; weight as `urn:cadm:visit|weight` with a
  valueQuantity in UCUM `kg` (§8 verifies no LOINC for body weight, so it is local too).

Components, not one Observation per part: a part means nothing apart from its visit (which
parts were examined together is what "assessed" says), and the receiver gets one resource per
encounter, as the visit is one row of ours. Pure functions of the visit given: no query.
"""

from __future__ import annotations

from cadm.inputs.visits import LABELS
from cadm.rules import vocabulary as v
from cadm.services.visits import visit_parts

from . import export_codes as codes

VOCABULARIES = {"skin_signs": v.SKIN_SIGNS, "weakness": v.WEAKNESS, "symptoms": v.SYMPTOMS}
# Component code -> the part of VISIT_PARTS it tells about.
PART_OF = {"skin": "skin", "weakness": "strength", "symptoms": "symptoms",
           codes.VISIT_MMT8: "strength", codes.VISIT_WEIGHT: "weight"}
COMPONENT_LABELS = {"skin": LABELS["skin"], "weakness": LABELS["weakness"],
                    "symptoms": LABELS["symptoms"], codes.VISIT_MMT8: LABELS["mmt8"],
                    codes.VISIT_WEIGHT: LABELS["weight_kg"]}
NONE_FOUND = "None found"


def _local(code: str, display: str) -> dict:
    return {"coding": [{"system": codes.VISIT_SYSTEM, "code": code, "display": display}],
            "text": display}


def _finding(vocabulary: str, code: str) -> dict:
    label = dict(VOCABULARIES[vocabulary]).get(code, code)
    return {"coding": [{"system": codes.VOCABULARY_SYSTEM + vocabulary, "code": code,
                        "display": label}], "text": label}


def _components(visit) -> list[dict]:
    data = {"assessed": visit.assessed, "skin": visit.skin, "weakness": visit.weakness,
            "symptoms": visit.symptoms, "mmt8": visit.mmt8, "weight_kg": visit.weight_kg}
    parts = set(visit_parts(data))  # a part with a finding counts as examined, as on save
    components = []
    for part_code, (field, vocabulary) in codes.VISIT_FINDINGS.items():
        if PART_OF[part_code] not in parts:
            continue
        code = _local(part_code, COMPONENT_LABELS[part_code])
        found = getattr(visit, field) or []
        values = [_finding(vocabulary, c) for c in found] or [_local(codes.VISIT_NONE,
                                                                       NONE_FOUND)]
        components += [{"code": code, "valueCodeableConcept": value} for value in values]
    if visit.mmt8 is not None:
        components.append({"code": _local(codes.VISIT_MMT8, COMPONENT_LABELS["mmt8"]),
                           "valueInteger": int(visit.mmt8)})
    if visit.weight_kg is not None:
        components.append({
            "code": _local(codes.VISIT_WEIGHT, COMPONENT_LABELS["weight"]),
            "valueQuantity": {"value": codes.fhir_decimal(visit.weight_kg), "unit": "kg",
                              "system": codes.UCUM, "code": "kg"}})
    return components


def visit_observation(visit, patient_ref: dict) -> dict:
    resource = {
        "resourceType": "Observation",
        "id": str(visit.public_id),
        "status": "final",
        "category": [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": "exam"}]}],
        "code": _local(codes.VISIT_EXAMINATION, "Examination at a visit"),
        "subject": patient_ref,
        "effectiveDateTime": visit.visit_on.isoformat(),
    }
    components = _components(visit)
    if components:
        resource["component"] = components
    if visit.notes:
        resource["note"] = [{"text": visit.notes}]
    return resource
