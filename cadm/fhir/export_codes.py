"""The codes the FHIR export emits, each with its source, and nothing else.

Clinical codes (LOINC, SNOMED CT) come only from ../shared/clinical-reference.md §8; where §8
verifies none, a resource carries `code.text` alone and a note saying so: a code is never
invented, a guessed one would be worse than none in a receiving EHR. A test reads §8 and
checks every LOINC and SNOMED code of an export against it
(tests/cadm/fhir/test_export_codes.py).

The other codings are FHIR's own structural value sets (status, category, clinical and
verification status), UCUM units, and identifier systems of ours (`urn:cadm:...`), which
name our records and are no clinical codes.
"""

from __future__ import annotations

from decimal import Decimal

from cadm.rules.measurements import QUANTITIES

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
# HL7 v2 table 0203, identifier types: MR is "Medical record number", how FHIR import (and
# EHRs) tell the MRN among a patient's identifiers.
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"

# Identifier systems of ours: a URN per site, since an MRN is unique per site only.
FLAG_ID_SYSTEM = "urn:cadm:flag"
RULE_CODE_SYSTEM = "urn:cadm:rule"


def mrn_system(site_code: str) -> str:
    """The system of a site's MRNs; site codes are slugs, so the URN needs no escaping."""
    return f"urn:cadm:site:{site_code}:mrn"


def site_code_of_mrn_system(system: str) -> str | None:
    """The site code named by an MRN system of ours, or None for any other system."""
    prefix, suffix = "urn:cadm:site:", ":mrn"
    if system.startswith(prefix) and system.endswith(suffix):
        code = system[len(prefix):-len(suffix)]
        return code or None
    return None


# Alternative LOINC codes that §8.1 lists beside the main one (which is
# cadm.rules.measurements.QUANTITIES[...].loinc). A stored lab row keeps the code its source
# used (an import from Synthea stores 14804-9 for LDH); the export repeats it when §8 lists it
# for that analyte, else it uses the main code.
LAB_ALTERNATIVE_LOINC: dict[str, frozenset[str]] = {
    "ldh": frozenset({"14804-9"}),  # §8.1: LDH, lactate→pyruvate method
    "esr": frozenset({"4537-7"}),  # §8.1: ESR, Westergren
}


def lab_loinc(analyte: str, stored: str = "") -> str | None:
    """The LOINC of a lab row: the stored one if §8 lists it for the analyte, else the main
    one; None for KL-6 (§8.1: not found)."""
    main = QUANTITIES[analyte].loinc
    if stored and (stored == main or stored in LAB_ALTERNATIVE_LOINC.get(analyte, ())):
        return stored
    return main


# Antibodies (§8.1). 82424-3 is "MDA5 Ab [Presence] in Serum by Line blot": a line-blot
# result only, since a code for an ELISA result would name another test. 82440-9 (SAE1) and
# 18485-3 (Mi-2) carry no method in §8's table, so they are emitted whatever the method, as
# FHIR import reads them (cadm/fhir/codes.py); the method travels in Observation.method.
# §8 found no code for the others (TIF1-γ, NXP2, Jo-1...): text only.
ANTIBODY_LOINC: dict[tuple[str, str | None], str] = {
    ("mda5", "line_blot"): "82424-3",
    ("sae1", None): "82440-9",
    ("mi2", None): "18485-3",
}


def antibody_loinc(antibody: str, method: str) -> str | None:
    return ANTIBODY_LOINC.get((antibody, method)) or ANTIBODY_LOINC.get((antibody, None))


# Lung-function and 6-minute-walk values by field: the LOINC of QUANTITIES (from §8.1; None
# for TLC % predicted, which §8 does not list), the normalised unit, its UCUM code.
LUNG_FIELDS: dict[str, str] = {
    "fvc_l": "fvc_l",
    "fvc_pct_predicted": "fvc_pct_predicted",
    "dlco_pct_predicted": "dlco_pct_predicted",
    "tlc_pct_predicted": "tlc_pct_predicted",
    "distance_m": "distance_m",
    "spo2_nadir": "spo2",
    "spo2_rest": "spo2",
}

# Our normalised units (cadm.rules.measurements) are UCUM's case-sensitive codes already;
# the table makes that a checked fact rather than an accident (an unknown unit is sent as
# text with no UCUM code).
UCUM_CODES = frozenset({"U/L", "ng/mL", "mg/L", "mm/h", "U/mL", "%", "L", "m", "kg", "mg/d"})
# §8.1: "6-minute walk distance 64098-7 (panel 62619-2, PhenX 6MWT)": the walk as a whole.
WALK_PANEL_LOINC = "62619-2"

# A visit's examination (cadm/fhir/export_visits.py). §8 verifies no LOINC or SNOMED CT code
# for these findings, and none for body weight, so they are coded in local systems of ours,
# as §8.1 itself advises where it found no code (KL-6): the observation and its parts under
# VISIT_SYSTEM, each finding under VOCABULARY_SYSTEM + the name of its vocabulary
# (cadm.rules.vocabulary), its code ours, its label the display. FHIR import reads them back
# (cadm/fhir/visits.py) and nothing else under these systems.
VISIT_SYSTEM = "urn:cadm:visit"
VISIT_EXAMINATION = "examination"  # Observation.code: the visit's examination
VISIT_NONE = "none"  # a part's value when it was examined and nothing was found
# Component code -> (the Visit field, the vocabulary's name): the parts with findings.
VISIT_FINDINGS: dict[str, tuple[str, str]] = {
    "skin": ("skin", "skin_signs"),
    "weakness": ("weakness", "weakness"),
    "symptoms": ("symptoms", "symptoms"),
}
VISIT_MMT8 = "mmt8"
VISIT_WEIGHT = "weight"
VISIT_CODES = frozenset({VISIT_EXAMINATION, VISIT_NONE, *VISIT_FINDINGS, VISIT_MMT8,
                         VISIT_WEIGHT})
VOCABULARY_SYSTEM = "urn:cadm:vocabulary:"

# §8.2: dermatomyositis (disorder), VERIFIED-T. It codes the recorded diagnosis (every patient
# of ours has one; amyopathic DM is dermatomyositis) and the classic subtype. "Amyopathic
# dermatomyositis" was not found, so the other derived subtypes are text with a note: a
# subtype is never sent as its parent concept, where a receiving system would read
# "dermatomyositis" and lose the amyopathic label this product exists to keep right.
DERMATOMYOSITIS_SNOMED = "396230008"
SUBTYPE_SNOMED: dict[str, str] = {"classic_dm": DERMATOMYOSITIS_SNOMED}
NO_SUBTYPE_CODE_NOTE = ("No SNOMED CT code for this subtype is verified in the project's "
                        "clinical reference (§8.2); the subtype is given as text only.")
NO_LOINC_NOTE = ("No LOINC code for this test is verified in the project's clinical "
                 "reference (§8.1); it is coded in a local code system of CADM's only.")

# Our flag severities (CDS Hooks indicator words) as DetectedIssue.severity.
DETECTED_ISSUE_SEVERITY = {"critical": "high", "warning": "moderate", "info": "low"}


def fhir_decimal(value: Decimal | float | int) -> int | float:
    """A stored decimal as a JSON number without padding zeros (120.000 -> 120)."""
    number = Decimal(str(value)).normalize()
    if number == number.to_integral_value():
        return int(number)
    return float(number)
