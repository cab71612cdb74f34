"""Small helpers shared by the criteria."""

from __future__ import annotations

from datetime import date

from ..citations import PENDING
from ..facts import AntibodyFact, LabFact, PatientFacts
from ..outcomes import Evidence, Flag

ENZYMES = ("ck", "aldolase", "ldh", "ast", "alt")
UNITS = {"ck": "U/L", "aldolase": "U/L", "ldh": "U/L", "ast": "U/L", "alt": "U/L",
         "ferritin": "ng/mL", "crp": "mg/L", "esr": "mm/h", "kl6": "U/mL"}
LAB_LABELS = {"ck": "CK", "aldolase": "Aldolase", "ldh": "LDH", "ast": "AST", "alt": "ALT",
              "ferritin": "Ferritin", "crp": "CRP", "esr": "ESR", "kl6": "KL-6"}


# Values arrive as floats (e.g. 82 - 77.1 = 4.900000000000006); a threshold comparison must
# not flip on binary noise, and must not round a real 5.004 down to 5.0 either.
EPSILON = 1e-9


def reaches(value: float, limit: float) -> bool:
    """value ≥ limit, tolerant of float noise only."""
    return value >= limit - EPSILON


def exceeds(value: float, limit: float) -> bool:
    """value > limit, tolerant of float noise only."""
    return value > limit + EPSILON


def num(x: float) -> str:
    """1500.0 -> '1500', 76.5 -> '76.5', 5.333 -> '5.33'."""
    return f"{round(x, 2):.2f}".rstrip("0").rstrip(".")


def iso(day: date | None) -> str:
    return day.isoformat() if day else "—"


def uln_for(lab: LabFact, sex: str, params: dict) -> float:
    """The reporting lab's upper limit, or the rule set's default for the analyte and sex."""
    if lab.upper_limit is not None:
        return lab.upper_limit
    if lab.test == "ck":
        return params[f"uln.ck_{sex}"]
    return params[f"uln.{lab.test}"]


def lab_evidence(lab: LabFact, uln: float | None = None) -> Evidence:
    limit = f" (ULN {num(uln)})" if uln is not None else ""
    return Evidence("lab", lab.date, LAB_LABELS[lab.test],
                    f"{num(lab.value)} {UNITS[lab.test]}{limit}")


def antibody_evidence(ab: AntibodyFact) -> Evidence:
    grade = f", grade {ab.grade}" if ab.grade else ""
    return Evidence("antibody", ab.date, f"anti-{ab.antibody.upper()}",
                    f"{ab.result} ({ab.method}{grade})")


def latest(items, predicate=lambda i: True):
    chosen = [i for i in items if predicate(i)]
    return chosen[-1] if chosen else None


def make_flag(code: str, params: dict, summary: str, detail: str, evidence, citation: str,
              evidence_label: str, severity: str | None = None, **extra) -> Flag:
    """A flag with the version's severity; UNVERIFIED sources say so in the detail."""
    if evidence_label == "UNVERIFIED":
        detail = f"{detail} Evidence label UNVERIFIED: {PENDING}."
    return Flag(code=code, severity=severity or params[f"severity.{code}"],
                summary=summary[:139], detail=detail, evidence=tuple(evidence),
                citation=citation, evidence_label=evidence_label, extra=extra)


def latest_assessing(facts: PatientFacts, part: str):
    """The latest visit that assessed `part` (vocabulary.VISIT_PARTS), or None. A visit that
    did not look at a part says nothing about it, so it can neither fire nor clear a rule."""
    return latest(facts.visits, lambda v: part in v.assessed)


def latest_visit_symptoms(facts: PatientFacts, codes) -> tuple:
    """(latest visit that reviewed symptoms, the listed symptoms it records as words);
    (None, "") when it records none of them."""
    visit = latest_assessing(facts, "symptoms")
    found = sorted(set(codes) & visit.symptoms) if visit else []
    return (visit, ", ".join(s.replace("_", " ") for s in found)) if found else (None, "")


def antibody_status(facts: PatientFacts) -> dict[str, AntibodyFact]:
    """Each antibody's most recent result (case-format: positive when the latest is)."""
    status: dict[str, AntibodyFact] = {}
    for ab in facts.antibodies:  # sorted by date; a later row of the same day wins
        status[ab.antibody] = ab
    return status


def positive(facts: PatientFacts) -> dict[str, AntibodyFact]:
    return {k: v for k, v in antibody_status(facts).items() if v.result == "positive"}


def first_positive(facts: PatientFacts, antibody: str) -> AntibodyFact | None:
    return next((a for a in facts.antibodies
                 if a.antibody == antibody and a.result == "positive"), None)
