"""Our local code systems for the records ../shared/clinical-reference.md §8 gives no
verified standard code for, shared by the FHIR export (which writes them) and import (which
reads them back, and nothing else under these systems).

§8 verifies LOINC codes for labs, some antibodies, lung function, SpO2 and the 6-minute walk,
and SNOMED CT for dermatomyositis; it verifies nothing for an HRCT read, a muscle MRI, EMG or
biopsy, a skin biopsy, a retinal screening, the PPF judgement, a cancer-screening panel, a
drug, KL-6, most myositis antibodies, or a subtype of dermatomyositis. Those are coded here,
as §8.1 itself advises for KL-6 ("use a local code"): a code of ours under a URN of ours,
never a guess at someone else's (a wrong LOINC or RxNorm would be worse than none in a
receiving EHR). Two shapes, as the visits' examination already uses (export_visits.py):

- `urn:cadm:vocabulary:<name>`: the codes of one of our vocabularies (cadm.rules.vocabulary,
  or a model's choices), the code ours and its label the display;
- `urn:cadm:<kind>`: the parts of one kind of record (what an Observation or a component is
  about), where no vocabulary of ours names them.

Where §8 does verify a standard code for the same concept, the export writes it first and
the local coding beside it (an SpO2 nadir is LOINC 59408-5, and ours says it is the walk's
nadir, which the LOINC alone cannot).
"""

from __future__ import annotations

from django.apps import apps

from cadm.rules import vocabulary as v

VOCABULARY = "urn:cadm:vocabulary:"


def vocabulary_system(name: str) -> str:
    return VOCABULARY + name


def _choices(app: str, model: str, field: str) -> tuple[tuple[str, str], ...]:
    """A model's choices, found through the app registry: cadm never imports the screening
    app (DESIGN.md §3), whose models hold the screening vocabularies."""
    return tuple(apps.get_model(app, model)._meta.get_field(field).choices)


def vocabulary(name: str) -> tuple[tuple[str, str], ...]:
    """(code, label) pairs of a vocabulary named in a `urn:cadm:vocabulary:<name>` system."""
    if name in _MODEL_VOCABULARIES:
        return _choices(*_MODEL_VOCABULARIES[name])
    return VOCABULARIES[name]


VOCABULARIES: dict[str, tuple[tuple[str, str], ...]] = {
    "skin_signs": v.SKIN_SIGNS,  # the visit's findings (export_visits.py)
    "weakness": v.WEAKNESS,
    "symptoms": v.SYMPTOMS,
    "subtypes": v.SUBTYPES,
    "lab_tests": v.LAB_TESTS,
    "antibodies": v.ANTIBODIES,
    "antibody_methods": v.ANTIBODY_METHODS,
    "antibody_results": v.ANTIBODY_RESULTS,
    "hrct_findings": v.HRCT_FINDINGS,
    "muscle_study_kinds": v.MUSCLE_STUDY_KINDS,
    "biopsy_findings": v.BIOPSY_FINDINGS,
    "drugs": v.DRUGS,
}
_MODEL_VOCABULARIES = {
    "eye_exam_findings": ("cadm", "EyeExam", "finding"),
    "screening_panels": ("screening", "CancerScreeningRecord", "panel"),
    "screening_results": ("screening", "CancerScreeningRecord", "result"),
}


def label(name: str, code: str) -> str:
    return dict(vocabulary(name)).get(code, code)


def coding(name: str, code: str) -> dict:
    return {"system": vocabulary_system(name), "code": code, "display": label(name, code)}


def code_in(codings: list[tuple[str, str, str]], name: str) -> str | None:
    """The first code of vocabulary `name` among (system, code, display) codings that the
    vocabulary holds; None when there is none (an unknown code of ours is no code)."""
    known = {code for code, _ in vocabulary(name)}
    return next((code for system, code, _ in codings
                 if system == vocabulary_system(name) and code in known), None)


# ---------------------------------------------------------------- the parts of a kind

HRCT = "urn:cadm:hrct"
HRCT_ILD = "ild"                  # Observation.code; valueBoolean: ILD on the scan
HRCT_FINDING = "finding"          # component; value from hrct_findings
HRCT_EXTENT = "extent-score"      # component; valueInteger

MUSCLE = "urn:cadm:muscle-study"  # Observation.code is the kind (muscle_study_kinds)
MUSCLE_FINDING = "finding"        # component; value from biopsy_findings

SKIN_BIOPSY = "urn:cadm:skin-biopsy"
SKIN_BIOPSY_DM = "consistent-with-dm"  # Observation.code; valueBoolean

EYE_EXAM = "urn:cadm:eye-exam"
EYE_EXAM_RETINA = "retinal-screening"  # Observation.code; value from eye_exam_findings

PPF = "urn:cadm:ppf"
PPF_ASSESSMENT = "assessment"     # Observation.code; the two judgements as components
PPF_PARTS = {"worsening-symptoms": "worsening_symptoms",
             "radiological-progression": "radiological_progression"}

WALK = "urn:cadm:six-minute-walk"
WALK_TEST = "test"                # the grouping Observation (beside LOINC 62619-2)
# Member code -> SixMinuteWalk field. SpO2 at rest and the nadir share LOINC 59408-5: only
# this coding tells them apart.
WALK_PARTS = {"distance": "distance_m", "spo2-nadir": "spo2_nadir", "spo2-rest": "spo2_rest"}

PFT = "urn:cadm:pft"
PFT_TLC = "tlc-pct-predicted"     # TLC % predicted: §8.1 lists no LOINC for it

ANTIBODY = "urn:cadm:antibody"
ANTIBODY_GRADE = "grade"          # component; valueInteger 1-3 (FLAIR reads it)
ANTIBODY_TITRE = "titre"          # component; valueString, as reported

# Extensions of ours on the Patient and the dermatomyositis Condition: facts the rules read
# that are the patient's or the disease's, not a dated result.
RECORDED_SUBTYPE = "urn:cadm:extension:recorded-subtype"   # valueCodeableConcept (subtypes)
REFRACTORY = "urn:cadm:extension:refractory-disease"       # valueBoolean
HIGH_NPC_REGION = "urn:cadm:extension:high-npc-risk-region"  # valueBoolean

# Dosage of a MedicationStatement: the daily dose as a rate in UCUM mg/d. Our record holds
# the total per day, not a regimen; a dose quantity with a timing would invent one.
DAILY_DOSE_UNIT = "mg/d"

# Every `urn:cadm:<kind>` system above, with the codes it holds (the export test checks that
# nothing else is written under them).
KIND_CODES: dict[str, frozenset[str]] = {
    HRCT: frozenset({HRCT_ILD, HRCT_FINDING, HRCT_EXTENT}),
    MUSCLE: frozenset({MUSCLE_FINDING}),
    SKIN_BIOPSY: frozenset({SKIN_BIOPSY_DM}),
    EYE_EXAM: frozenset({EYE_EXAM_RETINA}),
    PPF: frozenset({PPF_ASSESSMENT, *PPF_PARTS}),
    WALK: frozenset({WALK_TEST, *WALK_PARTS}),
    PFT: frozenset({PFT_TLC}),
    ANTIBODY: frozenset({ANTIBODY_GRADE, ANTIBODY_TITRE}),
}
