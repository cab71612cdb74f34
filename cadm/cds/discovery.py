"""What `GET /cds-services` says: one `patient-view` service and the data it asks the EHR to
prefetch (the Patient, and the Observations our rules read, by LOINC)."""

from __future__ import annotations

from cadm.rules.measurements import QUANTITIES

SERVICE_ID = "cadm-patient-view"
HOOK = "patient-view"

# Codes the EHR may use for what we measure, beyond QUANTITIES' own (clinical-reference.md
# §8.1): LDH by the lactate->pyruvate method (Synthea's 14804-9), ESR by Westergren, FVC
# method unspecified, and the antibodies with a verified LOINC (MDA5, SAE1, Mi-2).
EXTRA_LOINC = ("14804-9", "4537-7", "19870-5", "82424-3", "82440-9", "18485-3")


def observation_codes() -> tuple[str, ...]:
    """Every LOINC code we read, in a stable order (the template must not change between
    calls: EHRs cache it)."""
    codes = [q.loinc for q in QUANTITIES.values() if q.loinc]
    return tuple(dict.fromkeys([*codes, *EXTRA_LOINC]))


def prefetch_templates() -> dict[str, str]:
    return {
        "patient": "Patient/{{context.patientId}}",
        "observations": ("Observation?patient={{context.patientId}}&code="
                         + ",".join(observation_codes())),
    }


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
