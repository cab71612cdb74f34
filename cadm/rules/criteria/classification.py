"""Subtype (Sontheimer) and EULAR/ACR 2017 classification.

Subtype: clinical-reference.md §3.1 (Sontheimer 2002; VERIFIED-S), with the order of tests
fixed by case-format.md. EULAR/ACR: §2.1 weights (VERIFIED-P/S), §2.2 cut-offs (VERIFIED-P),
§2.3 subgroup tree (UNVERIFIED in detail).
"""

from __future__ import annotations

import math
from datetime import date

from ..dates import add_months, age_years, months_between
from ..facts import PatientFacts
from ..outcomes import Classification, EularAcr
from ..vocabulary import HALLMARK_SKIN_SIGNS
from .common import ENZYMES, positive, uln_for

# §2.1: (without biopsy, with biopsy). Published weights of the instrument, not tunables:
# changing one would no longer be EULAR/ACR 2017.
WEIGHTS = {
    "age_18_to_40": (1.3, 1.5), "age_40_plus": (2.1, 2.2),
    "proximal_upper": (0.7, 0.7), "proximal_lower": (0.8, 0.5), "neck_flexor": (1.9, 1.6),
    "proximal_leg_over_distal": (0.9, 1.2),
    "heliotrope": (3.1, 3.2), "gottron_papules": (2.1, 2.7), "gottron_sign": (3.3, 3.7),
    "dysphagia": (0.7, 0.6), "anti_jo1": (3.9, 3.8), "enzymes_above_uln": (1.3, 1.4),
    "endomysial_infiltrate": (0.0, 1.7), "perimysial_perivascular_infiltrate": (0.0, 1.2),
    "perifascicular_atrophy": (0.0, 1.9), "rimmed_vacuoles": (0.0, 3.1),
}


def hallmark_signs(facts: PatientFacts) -> set[str]:
    return {s for v in facts.visits for s in v.skin if s in HALLMARK_SKIN_SIGNS}


def weakness_signs(facts: PatientFacts) -> set[str]:
    return {w for v in facts.visits for w in v.weakness}


def strength_examined(facts: PatientFacts) -> bool:
    """Whether any visit examined muscle strength (vocabulary.VISIT_PARTS) or found weakness.
    "No weakness" is a finding only of a visit that examined strength: skin-only visits say
    nothing about it. Case files examine every part, so for them this is true whenever
    there is a visit."""
    return any("strength" in v.assessed or v.weakness for v in facts.visits)


def muscle_abnormalities(facts: PatientFacts, params: dict) -> list:
    """Enzymes above the ULN and abnormal MRI/EMG/biopsy on or after skin onset (§3.1)."""
    onset = facts.patient.skin_onset_date
    found: list = [lab for lab in facts.labs
                   if lab.test in ENZYMES and lab.date >= onset
                   and lab.value > uln_for(lab, facts.patient.sex, params)]
    found += [s for s in facts.muscle_studies if s.abnormal and s.date >= onset]
    return sorted(found, key=lambda x: x.date)


def subtype(facts: PatientFacts, params: dict, as_of: date) -> tuple[str, str]:
    """(subtype, reason), tested in the order of case-format.md. Skin disease is "shorter
    than 6 months" while `as_of` is before skin onset + 6 calendar months (clamped to the
    month's end), so the day itself already gives a subtype.

    When no visit examined muscle strength (only skin-only visits: a product record, never a
    case file), the absence of weakness is unknown, not found: such a record cannot be
    `amyopathic` (an absence of weakness and of muscle abnormality) and is `undetermined`
    with that reason; a muscle abnormality still gives `hypomyopathic` (the abnormality is
    a finding, and the amyopathic label no longer fits), with a reason saying that classic DM
    is not excluded."""
    onset = facts.patient.skin_onset_date
    if not hallmark_signs(facts):
        return "not_classifiable", "no hallmark skin sign recorded at any visit"
    weak = [v for v in facts.visits if v.weakness]
    if weak:
        return "classic_dm", f"objective weakness recorded on {weak[0].date.isoformat()}"
    if as_of < add_months(onset, params["subtype.undetermined_months"]):
        return "undetermined", (f"skin disease for less than "
                                f"{params['subtype.undetermined_months']} months")
    abnormal = muscle_abnormalities(facts, params)
    examined = strength_examined(facts)
    if abnormal:
        return "hypomyopathic", (
            f"subclinical muscle abnormality on {abnormal[0].date}" + (
                "" if examined else "; muscle strength not examined at any visit, so classic "
                                    "DM is not excluded"))
    if not examined:
        return "undetermined", ("muscle strength not examined at any visit: amyopathic needs "
                                "an examination that finds no weakness")
    return "amyopathic", "no weakness and no muscle abnormality"


def classify(facts: PatientFacts, params: dict, as_of: date) -> Classification:
    kind, reason = subtype(facts, params, as_of)
    onset = facts.patient.skin_onset_date
    confirmation = None
    # "Confirmed" is 24 months without weakness: it needs strength to have been examined.
    if kind in ("amyopathic", "hypomyopathic") and strength_examined(facts):
        confirmed = as_of >= add_months(onset, params["subtype.confirmed_months"])
        confirmation = "confirmed" if confirmed else "provisional"
    return Classification(kind, confirmation, months_between(onset, as_of),
                          eular_acr(facts, params), reason)


def _items(facts: PatientFacts, params: dict) -> list[str]:
    """Items present at any visit or result up to `as_of` (case-format.md); the enzyme item
    is CK, LDH, AST or ALT above its ULN at any date (no skin-onset limit, unlike the
    subtype's muscle abnormality); anti-Jo-1 by its most recent result."""
    age = age_years(facts.patient.birth_date, facts.patient.skin_onset_date)
    items = []
    if age >= params["eular.older_age_years"]:
        items.append("age_40_plus")
    elif age >= params["eular.adult_age_years"]:
        items.append("age_18_to_40")
    items += sorted(weakness_signs(facts)) + sorted(hallmark_signs(facts))
    if any({"dysphagia_mild", "dysphagia_moderate_severe"} & v.symptoms for v in facts.visits):
        items.append("dysphagia")
    if "jo1" in positive(facts):
        items.append("anti_jo1")
    if any(lab.test in ("ck", "ldh", "ast", "alt")
           and lab.value > uln_for(lab, facts.patient.sex, params) for lab in facts.labs):
        items.append("enzymes_above_uln")
    biopsy_findings = {f for s in facts.muscle_studies if s.kind == "biopsy" for f in s.findings}
    return items + sorted(biopsy_findings)


def eular_acr(facts: PatientFacts, params: dict) -> EularAcr:
    """Score, category by the §2.2 score cut-offs only, estimated probability, subgroup.

    Contract reading: the Karolinska calculator's rule (no hallmark skin sign → biopsy
    features required, §2.2, VERIFIED-S) is not applied; case-format.md names only the
    cut-offs, so a high-scoring patient without skin signs or biopsy can reach 'pm'."""
    with_biopsy = any(s.kind == "biopsy" for s in facts.muscle_studies)
    column = 1 if with_biopsy else 0
    scored = tuple((name, WEIGHTS[name][column]) for name in _items(facts, params)
                   if WEIGHTS[name][column])
    # Weights have one decimal; rounding keeps 5.5 from becoming 5.4999999.
    score = round(sum(points for _, points in scored), 1)
    suffix = "biopsy" if with_biopsy else "no_biopsy"
    if score >= params[f"eular.definite_{suffix}"]:
        category = "definite"
    elif score >= params[f"eular.probable_{suffix}"]:
        category = "probable"
    elif score >= params[f"eular.possible_{suffix}"]:
        category = "possible"
    else:
        category = "not_iim"
    constant = params[f"eular.logit_constant_{suffix}"]
    probability = round(1 / (1 + math.exp(constant - score)), 3)
    subgroup = _subgroup(facts, params) if category in ("probable", "definite") else None
    return EularAcr(score, with_biopsy, category, probability, subgroup, scored)


def _subgroup(facts: PatientFacts, params: dict) -> str:
    """§2.3 tree (UNVERIFIED in detail): juvenile / adult, skin signs, weakness, biopsy.
    "No objective weakness" needs a visit that examined strength: without one the adult
    skin branch has no subgroup (None) rather than "amyopathic_dm"."""
    age = age_years(facts.patient.birth_date, facts.patient.skin_onset_date)
    skin = bool(hallmark_signs(facts))
    if age < params["eular.adult_age_years"]:
        return "juvenile_dm" if skin else "juvenile_other"
    if skin:
        if weakness_signs(facts):
            return "dm"
        return "amyopathic_dm" if strength_examined(facts) else None
    vacuoles = any("rimmed_vacuoles" in s.findings for s in facts.muscle_studies)
    return "ibm" if vacuoles else "pm"
