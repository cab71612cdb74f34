"""No invented code: every LOINC and SNOMED CT code the export emits, and every code its
tables hold, is one that clinical-reference.md §8 lists (read from the file itself), and the
concepts §8 did not find are sent as text only. The other codings are FHIR's own value sets,
UCUM units, our rule codes, and our local visit and vocabulary codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from cadm.fhir import export_codes as codes
from cadm.fhir import local_codes as local
from cadm.models import Flag
from cadm.rules.measurements import LAB_CODES, QUANTITIES
from tests.cadm.api.conftest import token_client
from tests.factories import PatientFactory, VisitFactory

from .export_support import HL7_CODE_SYSTEMS, codings, full_patient, validate_r4

# The shared contract beside the project (as ../shared/cases for evaluate_case): required.
REFERENCE = Path(settings.BASE_DIR).parent / "shared" / "clinical-reference.md"


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end, text.index(start))]


def reference_codes() -> tuple[frozenset[str], frozenset[str]]:
    """(LOINC codes of §8.1, SNOMED CT ids of §8.2), as the file writes them."""
    text = REFERENCE.read_text(encoding="utf-8")
    section = _section(text, "## 8. Terminology codes", "## 9.")
    loinc = _section(section, "### 8.1 LOINC", "### 8.2")
    snomed = section[section.index("### 8.2 SNOMED CT"):]
    return (frozenset(re.findall(r"(?<![\d.-])\d{1,7}-\d(?![\d.-])", loinc)),
            frozenset(re.findall(r"\|\s*\**(\d{6,18})\**\s*\|", snomed)))


def test_the_reference_is_read():
    loinc, snomed = reference_codes()
    assert {"2157-6", "82424-3", "98130-8", "14804-9"} <= loinc
    assert snomed == {"396230008", "31384009"}


def test_every_code_of_the_tables_is_in_section_8():
    loinc, snomed = reference_codes()
    tables = {q.loinc for q in QUANTITIES.values() if q.loinc}
    tables |= {c for alternatives in codes.LAB_ALTERNATIVE_LOINC.values() for c in alternatives}
    tables |= set(codes.ANTIBODY_LOINC.values())
    assert tables <= loinc, tables - loinc
    assert set(codes.SUBTYPE_SNOMED.values()) <= snomed


def test_what_section_8_did_not_find_is_text_only():
    assert QUANTITIES["kl6"].loinc is None and QUANTITIES["tlc_pct_predicted"].loinc is None
    assert codes.lab_loinc("kl6") is None
    for antibody in ("tif1g", "nxp2", "jo1", "hmgcr", "srp"):
        for method in ("line_blot", "elisa", "immunoprecipitation", "other"):
            assert codes.antibody_loinc(antibody, method) is None
    assert codes.antibody_loinc("mda5", "elisa") is None  # 82424-3 is "by Line blot"
    assert set(codes.SUBTYPE_SNOMED) == {"classic_dm"}
    # A stored code §8 does not list for the analyte is replaced by the main one.
    assert codes.lab_loinc("ldh", "14804-9") == "14804-9"
    assert codes.lab_loinc("ck", "14804-9") == "2157-6"
    assert all(codes.lab_loinc(a) == QUANTITIES[a].loinc for a in LAB_CODES)


@pytest.mark.django_db
def test_every_code_an_export_emits_is_in_section_8_or_structural(site, rheumatologist,
                                                                  dermatologist):
    loinc, snomed = reference_codes()
    classic = PatientFactory(site=site, created_by=rheumatologist)
    VisitFactory(patient=classic, weakness=["proximal_upper"])
    patients = [full_patient(site, rheumatologist, dermatologist), classic]
    client = token_client(rheumatologist)
    emitted: list[dict] = []
    for patient in patients:
        bundle = client.get(f"/fhir/r4/Patient/{patient.public_id}/$everything").json()
        validate_r4(bundle)
        emitted += list(codings(bundle))
    by_system: dict[str, set[str]] = {}
    for coding in emitted:
        by_system.setdefault(coding["system"], set()).add(coding["code"])
    assert by_system[codes.LOINC] <= loinc, by_system[codes.LOINC] - loinc
    assert by_system[codes.SNOMED] == {"396230008"}
    assert by_system[codes.UCUM] <= codes.UCUM_CODES
    assert by_system[codes.RULE_CODE_SYSTEM] == set(
        Flag.objects.exclude(state="resolved").values_list("code", flat=True))
    structural = set(HL7_CODE_SYSTEMS)
    # Our local systems (no clinical code is claimed): the visit's parts, the parts of each
    # kind of record (local_codes.py), and the codes under our vocabularies, every code one
    # of the vocabulary's.
    assert by_system[codes.VISIT_SYSTEM] <= codes.VISIT_CODES
    for system, known in local.KIND_CODES.items():
        assert by_system.get(system, set()) <= known, system
    ours = {s for s in by_system if s.startswith(local.VOCABULARY)}
    for system in ours:
        vocabulary = local.vocabulary(system.removeprefix(local.VOCABULARY))
        assert by_system[system] <= {c for c, _ in vocabulary}, system
    # Every kind of record of the full patient is coded, by §8 or by us.
    assert {"urn:cadm:vocabulary:" + name for name in (
        "lab_tests", "antibodies", "antibody_methods", "antibody_results", "hrct_findings",
        "muscle_study_kinds", "biopsy_findings", "eye_exam_findings", "screening_panels",
        "screening_results", "drugs")} <= ours
    assert set(local.KIND_CODES) - {local.MUSCLE} <= set(by_system)
    assert set(by_system) <= {codes.LOINC, codes.SNOMED, codes.UCUM, codes.RULE_CODE_SYSTEM,
                              codes.VISIT_SYSTEM, *local.KIND_CODES, *ours,
                              *structural}, set(by_system)
    # The full patient's export exercises the codes it can: labs, antibodies, lung, walk.
    assert {"2157-6", "14804-9", "2276-4", "1988-5", "82424-3", "18485-3", "19868-9",
            "19872-1", "98130-8", "64098-7", "59408-5", "62619-2"} <= by_system[codes.LOINC]
