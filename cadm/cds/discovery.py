"""What `GET /cds-services` says: one `patient-view` service and the data it asks the EHR to
prefetch: the Patient, the Observations our rules read (by LOINC) and the dermatomyositis
Condition, whose dates (onset, recorded) a patient we do not hold is evaluated from.

The codes are those the FHIR mapper reads (cadm.fhir.codes, clinical-reference.md §8), so we
ask for exactly what we can use: no more of the patient's record than the rules need.
"""

from __future__ import annotations

from cadm.fhir import codes

SERVICE_ID = "cadm-patient-view"
HOOK = "patient-view"


def observation_codes() -> tuple[str, ...]:
    """Every LOINC code the mapper reads a value from, in a stable order (the template must
    not change between calls: EHRs cache it)."""
    read = [*codes.LAB_LOINC, *codes.PFT_LOINC, *codes.ANTIBODY_LOINC]
    return tuple(dict.fromkeys(read))


def condition_codes() -> tuple[str, ...]:
    """Dermatomyositis as system|code tokens (SNOMED CT and ICD-10: one code, two systems)."""
    return tuple(sorted(f"{system}|{code}" for system, code in codes.DERMATOMYOSITIS))


def searches() -> dict[str, tuple[str, dict[str, str]]]:
    """Prefetch key -> (resource type, search parameters besides the patient)."""
    return {"observations": ("Observation", {"code": ",".join(observation_codes())}),
            "conditions": ("Condition", {"code": ",".join(condition_codes())})}


def prefetch_templates() -> dict[str, str]:
    templates = {"patient": "Patient/{{context.patientId}}"}
    for key, (kind, params) in searches().items():
        query = "&".join(f"{name}={value}" for name, value in params.items())
        templates[key] = f"{kind}?patient={{{{context.patientId}}}}&{query}"
    return templates


def discovery_document() -> dict:
    return {"services": [{
        "hook": HOOK,
        "title": "CADM decision support: dermatomyositis flags",
        "description": (
            "Open flags for patients with clinically amyopathic dermatomyositis: lung "
            "surveillance (anti-MDA5, rapidly progressive ILD markers), IMACS cancer "
            "screening, muscle involvement and reclassification, hydroxychloroquine safety. "
            "For a patient this service does not hold, the active rule set is evaluated on "
            "the prefetched data, and nothing is stored."),
        "id": SERVICE_ID,
        "prefetch": prefetch_templates(),
    }]}
