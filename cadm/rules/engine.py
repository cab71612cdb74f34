"""The entry point: evaluate(facts, params, as_of) -> Evaluation. Pure: no clock, no I/O."""

from __future__ import annotations

from datetime import date

from . import citations as c
from .criteria import cancer, classification, hcq, lung, markers
from .criteria.common import make_flag, positive
from .facts import PatientFacts
from .outcomes import SEVERITY_ORDER, Classification, Evaluation, Evidence, Flag
from .params import validate_params

SUBTYPE_LABELS = {"classic_dm": "classic DM", "hypomyopathic": "hypomyopathic DM",
                  "amyopathic": "amyopathic DM"}


def reclassify(facts: PatientFacts, params: dict, cls: Classification) -> Flag | None:
    """RECLASSIFY: the recorded subtype no longer fits the data (Sontheimer; §3.1 and
    candidate 24-25). A suggestion: a clinician accepts or rejects it."""
    recorded, derived = facts.patient.recorded_subtype, cls.subtype
    if not recorded or recorded == derived or derived in ("undetermined", "not_classifiable"):
        return None
    return make_flag(
        "RECLASSIFY", params,
        f"Reclassify: {SUBTYPE_LABELS.get(recorded, recorded)} → "
        f"{SUBTYPE_LABELS.get(derived, derived)}",
        f"Recorded subtype {recorded}; the data now give {derived}: {cls.reason}. Accept to "
        f"change the recorded subtype, or reject with a reason. Clears when they agree.",
        [Evidence("classification", None, "derived subtype", derived)],
        c.SONTHEIMER_2002, "VERIFIED-S", **{"from": recorded, "to": derived})


def evaluate(facts: PatientFacts, params: dict, as_of: date, *, version: int = 1,
             validated: bool = False) -> Evaluation:
    """Everything the rules say about one patient on `as_of`, with the given parameters."""
    params = params if validated else validate_params(dict(params))
    facts = facts.up_to(as_of)
    cls = classification.classify(facts, params, as_of)
    risk = cancer.cancer_risk(facts, params, cls.subtype)
    plan = cancer.screening_plan(facts, params, risk.tier, as_of)
    schedule = lung.surveillance(facts, params, as_of)
    flags = [reclassify(facts, params, cls)]
    flags += cancer.cancer_flags(facts, params, as_of, risk, plan, cls.subtype)
    flags += [
        lung.baseline_missing(facts, params),
        lung.monitoring_overdue(facts, params, as_of, schedule),
        lung.progression(facts, params),
        lung.relative_decline(facts, params),
        lung.desaturation(facts, params),
        markers.rpild_markers(facts, params, as_of),
        markers.respiratory_symptoms(facts, params),
        markers.ldh_age_fever(facts, params, as_of),
        markers.ild_screening(facts, params),
        markers.oximetry_due(facts, params, as_of),
        markers.flair(facts, params),
        markers.mck(facts, params),
        hcq.dose(facts, params, as_of),
        hcq.eye_screening(facts, params, as_of),
    ]
    ordered = sorted((f for f in flags if f), key=lambda f: (SEVERITY_ORDER[f.severity], f.code))
    return Evaluation(as_of, version, cls, tuple(sorted(positive(facts))), risk, plan,
                      tuple(ordered), schedule)
