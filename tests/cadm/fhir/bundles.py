"""Real FHIR material (../shared/interop/, see its PROVENANCE.md) and small resources of our
own making, for the FHIR import tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path

INTEROP = Path(__file__).resolve().parents[4] / "shared" / "interop"
SYNTHEA = INTEROP / "synthea"
HL7 = INTEROP / "hl7-fhir-r4"
KALLIE = "Kallie862_Frami345_9a0d7938-4f49-43f6-8eea-b22e1bbe1b74.json"
LEAN = "Lean294_Davis923_3e36b31d-3c32-43b4-b016-b46a90c2e50f.json"
HEALTHWALLET = "healthwallet-1017080-bundle.json"
SYNTHEA_FILES = (KALLIE, LEAN, HEALTHWALLET)


def synthea(name: str) -> dict:
    return json.loads((SYNTHEA / name).read_text())


def hl7(name: str) -> dict:
    return json.loads((HL7 / name).read_text())


PATIENT = {"resourceType": "Patient", "id": "p1",
           "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/"
                                                          "CodeSystem/v2-0203", "code": "MR"}]},
                           "system": "urn:example:mrn", "value": "EHR-0001"}],
           "name": [{"use": "official", "family": "Example", "given": ["Ada", "B"]}],
           "gender": "female", "birthDate": "1980-03-03"}
DM_CONDITION = {"resourceType": "Condition", "id": "dm",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "396230008",
                                     "display": "Dermatomyositis"}]},
                "subject": {"reference": "Patient/p1"},
                "onsetDateTime": "2024-12-01", "recordedDate": "2025-01-20"}


def lab(code: str, value, unit: str = "U/L", *, day: str = "2025-02-01", status: str = "final",
        id: str | None = None, **extra) -> dict:
    resource = {"resourceType": "Observation", "status": status,
                "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                "subject": {"reference": "Patient/p1"}, "effectiveDateTime": day,
                "valueQuantity": {"value": value, "unit": unit,
                                  "system": "http://unitsofmeasure.org", "code": unit}}
    if id:
        resource["id"] = id
        resource["identifier"] = [{"system": "urn:example:lab", "value": id}]
    resource.update(extra)
    return resource


def bundle(*resources: dict, type: str = "collection") -> dict:
    return {"resourceType": "Bundle", "type": type,
            "entry": [{"fullUrl": f"urn:example:{index}", "resource": copy.deepcopy(r)}
                      for index, r in enumerate(resources)]}
