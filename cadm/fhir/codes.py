"""The codes FHIR import reads: which LOINC code is which of our values.

Every code here is one that clinical-reference.md §8 lists (8.1 LOINC, 8.2 SNOMED CT / ICD-10);
none is invented. The primary codes come from cadm.rules.measurements (`Quantity.loinc`), so
import and the measurements module cannot disagree; the alternates are the other codes §8.1
names for the same concept, as real data uses them (Synthea sends LDH as 14804-9, both codes
on one Observation in some bundles). Codes §8.1 lists for a concept we do not store, or for a
variant our one column cannot hold without a choice nobody has made (FVC % predicted before or
after a bronchodilator), are named in NOT_MAPPED so the skip reason says why. A lone SpO2 or
6-minute walk distance is one of them: the walk test is read as a whole, from a panel whose
members say which SpO2 is the nadir (cadm/fhir/walks.py). The codes of ours, for what §8
verifies none, are cadm/fhir/local_codes.py's.
"""

from __future__ import annotations

from cadm.rules import measurements

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"  # identifier types (MR: record no.)
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
RANGE_MEANING = "http://terminology.hl7.org/CodeSystem/referencerange-meaning"


def _primary(codes: tuple[str, ...]) -> dict[str, str]:
    """LOINC -> quantity code, from the measurements module (None there: no verified code)."""
    return {measurements.QUANTITIES[c].loinc: c for c in codes
            if measurements.QUANTITIES[c].loinc}


# LOINC -> analyte (cadm.rules.vocabulary.LAB_TESTS). §8.1: LDH "2532-0 (alt. 14804-9,
# lactate→pyruvate method)"; CRP "1988-5 (hs-CRP 30522-7)", the same analyte in mg/L; ESR
# "4537-7 (Westergren); 30341-2 (method unspecified)". Aldolase 1761-6 (§8.1). KL-6: none.
LAB_LOINC: dict[str, str] = {
    **_primary(measurements.LAB_CODES),
    "14804-9": "ldh",
    "30522-7": "crp",
    "4537-7": "esr",
}

# LOINC -> PftInput field. §8.1: FVC "19868-9 (by spirometry); 19870-5 (method unspecified)";
# FVC % predicted 19872-1; DLCO % predicted 98130-8 (measured/predicted). TLC: no code.
PFT_LOINC: dict[str, str] = {
    **_primary(("fvc_l", "fvc_pct_predicted", "dlco_pct_predicted", "tlc_pct_predicted")),
    "19870-5": "fvc_l",
}

# LOINC -> (antibody, method implied by the code, or "" when the code names none). §8.1:
# anti-MDA5 82424-3 "MDA5 Ab [Presence] in Serum by Line blot"; anti-SAE1 82440-9 and
# anti-Mi-2 18485-3 (ARUP component list, no method in the name). TIF1-γ, NXP2, Jo-1: "not
# found", so they are never read from a code.
ANTIBODY_LOINC: dict[str, tuple[str, str]] = {
    "82424-3": ("mda5", "line_blot"),
    "82440-9": ("sae1", ""),
    "18485-3": ("mi2", ""),
}

# Codes §8.1 lists that import reads no value from, with the reason it says.
NOT_MAPPED: dict[str, str] = {
    "19871-3": "FVC % predicted before bronchodilation: our PFT holds one FVC % predicted and "
               "no rule says which of pre/post to read; enter it by hand",
    "19873-9": "FVC % predicted after bronchodilation: our PFT holds one FVC % predicted and "
               "no rule says which of pre/post to read; enter it by hand",
    "19874-7": "FVC after bronchodilation (a volume): not stored",
    "19911-7": "DLCO as a volume rate: we store DLCO % predicted only (98130-8)",
    "19910-9": "DLCO predicted value: we store DLCO % predicted only (98130-8)",
    "59408-5": "SpO2 on its own: stored only as part of a 6-minute walk test (read from a "
               "walk panel, 62619-2, whose members say which SpO2 is the nadir)",
    "2708-6": "arterial oxygen saturation on its own: stored only as part of a 6-minute walk",
    "64098-7": "6-minute walk distance on its own: a walk test also needs its SpO2 nadir "
               "(read from a walk panel, 62619-2, with both); enter the test by hand",
    "62619-2": "6-minute walk panel as a value: read only as the group of its members",
}

# Dermatomyositis as a Condition (§8.2): SNOMED CT 396230008; ICD-10 M33.1 (which covers
# amyopathic DM). Read only to date a new patient's disease; never written.
DERMATOMYOSITIS: frozenset[tuple[str, str]] = frozenset({(SNOMED, "396230008"),
                                                        (ICD10, "M33.1")})

# Observation.status (FHIR R4 value set observation-status). fhir.resources does not check
# value sets (toolchain.md, Known pitfalls), so an unknown status is refused here.
IMPORTED_STATUSES = frozenset({"final", "amended", "corrected"})
NOT_IMPORTED_STATUSES = {
    "registered": "status 'registered': no result yet",
    "preliminary": "status 'preliminary': imported only once final",
    "cancelled": "status 'cancelled': the observation was not done",
    "unknown": "status 'unknown': the source does not know whether it is final",
}
ENTERED_IN_ERROR = "entered-in-error"
ALL_STATUSES = IMPORTED_STATUSES | set(NOT_IMPORTED_STATUSES) | {ENTERED_IN_ERROR}

# Words of a qualitative antibody result (valueString, valueCodeableConcept text or display)
# and the HL7 v3 interpretation codes, to our results (vocabulary.ANTIBODY_RESULTS).
RESULT_WORDS = {"positive": "positive", "negative": "negative", "equivocal": "equivocal",
                "borderline": "equivocal", "indeterminate": "equivocal",
                "detected": "positive", "not detected": "negative"}
INTERPRETATION_RESULTS = {"POS": "positive", "NEG": "negative", "IND": "equivocal",
                          "E": "equivocal"}
METHOD_WORDS = (("line blot", "line_blot"), ("immunoblot", "line_blot"),
                ("elisa", "elisa"), ("immunoprecipitation", "immunoprecipitation"))
