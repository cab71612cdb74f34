"""FHIR R4 resources -> our typed inputs' raw values (cadm.fhir.mapping), on real material
(Synthea bundles, official HL7 R4 examples) and on variants of our own making."""

from __future__ import annotations

import copy
from collections import Counter
from decimal import Decimal

import pytest

from cadm.fhir.mapping import Mapped, MappedRow, Skipped, map_bundle, map_resources
from tests.cadm.fhir.bundles import (
    DM_CONDITION,
    HEALTHWALLET,
    KALLIE,
    LEAN,
    PATIENT,
    bundle,
    hl7,
    lab,
    synthea,
)

pytestmark = pytest.mark.django_db  # the app registry only; nothing is written


def _one(mapped: Mapped) -> MappedRow:
    assert not mapped.refused, mapped.refused
    (row,) = mapped.rows
    return row


@pytest.mark.parametrize(("name", "rows", "skipped"), [
    (KALLIE, Counter(), 296),
    (LEAN, Counter({"labs": 20}), 487),
    (HEALTHWALLET, Counter({"labs": 24}), 591),
])
def test_synthea_bundles_map_without_refusal(name, rows, skipped):
    mapped = map_bundle(synthea(name))
    assert mapped.refused == []
    assert Counter(r.section_key for r in mapped.rows) == rows
    assert len(mapped.skipped) == skipped
    # Every entry is accounted for once: the patient, a row, or a skip.
    entries = len(synthea(name)["entry"])
    assert 1 + len(mapped.rows) + len(mapped.skipped) == entries
    assert mapped.patient_path == "Bundle.entry[0].resource"


def test_synthea_ldh_ferritin_and_patient():
    """Synthea's LDH is 14804-9 (with 2532-0), its ferritin in ug/L; the MR identifier is the
    MRN; every (system, value) identifier is kept for matching."""
    mapped = map_bundle(synthea(HEALTHWALLET))
    by_path = {r.path: r for r in mapped.rows}
    ldh = by_path["Bundle.entry[264].resource"]
    assert ldh.raw == {"analyte": "ldh", "value": Decimal("332.82"), "unit": "U/L",
                       "observed_on": "2020-02-22"}
    ferritin = by_path["Bundle.entry[262].resource"]
    assert (ferritin.raw["analyte"], ferritin.raw["unit"]) == ("ferritin", "ug/L")
    ck = by_path["Bundle.entry[265].resource"]
    assert ck.fields["value"] == "Bundle.entry[265].resource.valueQuantity.value"
    assert ck.fields["observed_on"] == "Bundle.entry[265].resource.effectiveDateTime"
    assert ck.status == "final"
    patient = mapped.patient
    assert (patient["sex"], patient["birth_date"], patient["family_name"],
            patient["given_name"]) == ("male", "1967-06-24", "VonRueden376", "Dorian295")
    assert patient["mrn"] == "622da958-d492-c2ca-a555-1b4689729c5b"
    assert ("http://hospital.smarthealthit.org", patient["mrn"]) in patient["identifiers"]
    assert "skin_onset_date" not in patient  # no dermatomyositis Condition: never guessed


def test_a_value_more_precise_than_its_column_is_rounded():
    """Synthea writes AST 4.1272 U/L; the column keeps 3 decimals."""
    rows = {r.path: r for r in map_bundle(synthea(HEALTHWALLET)).rows}
    assert rows["Bundle.entry[309].resource"].raw["value"] == Decimal("4.127")


def test_unused_observations_are_skipped_with_a_reason():
    skipped = {s.path: s.reason for s in map_bundle(synthea(KALLIE)).skipped}
    assert skipped["Bundle.entry[81].resource"] == \
        "Observation LOINC 19926-5 (FEV1/FVC): not used by CADM."
    assert skipped["Bundle.entry[1].resource"].endswith(
        "not imported (CADM reads Patient, Observation and MedicationStatement resources).")


# -- HL7 R4 examples -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Observation-f001.json", "Observation-f004.json",
                                  "Observation-f203.json", "Observation-f204.json",
                                  "Observation-blood-pressure.json"])
def test_hl7_observations_we_do_not_use_are_skipped(name):
    mapped = map_resources([("Observation", hl7(name))])
    assert (mapped.rows, mapped.refused) == ([], [])
    assert [s.path for s in mapped.skipped] == ["Observation"]
    assert mapped.skipped[0].reason.endswith("not used by CADM.")


def test_hl7_cancelled_observation_is_skipped_for_its_status():
    resource = hl7("Observation-unsat.json")
    resource["code"]["coding"] = [{"system": "http://loinc.org", "code": "2157-6"}]  # a CK
    mapped = map_resources([("Observation", resource)])
    assert mapped.skipped == [Skipped("Observation", "Observation LOINC 2157-6: status "
                                                     "'cancelled': the observation was not "
                                                     "done.")]


def test_hl7_transaction_bundle():
    """Five Patients (one person, five ways to write him), requests without resources, a
    Parameters: the first Patient is the import's; the others are refused by path; the
    requests and the Parameters skipped."""
    mapped = map_bundle(hl7("Bundle-bundle-transaction.json"))
    assert mapped.patient_path == "Bundle.entry[0].resource"
    assert mapped.patient["family_name"] == "Chalmers"
    assert mapped.patient["given_name"] == "Peter James"
    assert mapped.patient["identifiers"] == []
    assert [p for p, _ in mapped.refused] == [f"Bundle.entry[{i}].resource" for i in (1, 2, 3, 4)]
    reasons = {s.path: s.reason for s in mapped.skipped}
    assert reasons["Bundle.entry[5]"] == "Entry without a resource (a DELETE request): not " \
                                         "imported."
    assert reasons["Bundle.entry[8]"] == "Entry without a resource (a GET request): not imported."
    assert reasons["Bundle.entry[7].resource"].startswith("Parameters: not imported")


def test_hl7_lipids_bundle_is_all_skipped():
    mapped = map_bundle(hl7("Bundle-lipids.json"))
    assert (mapped.patient, mapped.rows, mapped.refused) == (None, [], [])
    assert len(mapped.skipped) == 5


# -- reference ranges -------------------------------------------------------------------------

def _ck(**extra) -> MappedRow:
    return _one(map_resources([("Observation", lab("2157-6", 250, **extra))]))


@pytest.mark.parametrize(("ranges", "uln"), [
    ([{"low": {"value": 26, "code": "U/L"}, "high": {"value": 192, "code": "U/L"}}], "192"),
    ([{"high": {"value": 192}}], "192"),  # high only, no unit: the value's unit
    ([{"low": {"value": 26}}], None),     # low only
    ([{"text": "26-192 U/L"}], None),     # text only
    ([], None),
    ([{"high": {"value": 192}, "type": {"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/referencerange-meaning",
        "code": "normal"}]}}], "192"),
    ([{"high": {"value": 500}, "type": {"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/referencerange-meaning",
        "code": "therapeutic"}]}}], None),
    ([{"high": {"value": 192}, "type": {"coding": [{"system": "urn:local", "code": "N"}]}}],
     None),               # a local meaning we cannot read
    ([{"high": {"value": 308}, "appliesTo": [{"text": "men"}]},
      {"high": {"value": 192}, "appliesTo": [{"text": "women"}]}], None),  # disagree: no guess
    ([{"high": {"value": 308}, "appliesTo": [{"text": "men"}]}, {"high": {"value": 192}}],
     "192"),
])
def test_reference_range_variants(ranges, uln):
    row = _ck(referenceRange=ranges)
    assert row.raw.get("upper_limit") == (None if uln is None else Decimal(uln))
    if uln is not None:
        assert row.fields["upper_limit"].startswith("Observation.referenceRange[")


def test_hl7_f001_reference_range_read_as_ours():
    """HL7's f001 (glucose) with low+high, were it CRP in mg/L: the high is the ULN."""
    resource = hl7("Observation-f001.json")
    resource["code"]["coding"] = [{"system": "http://loinc.org", "code": "1988-5"}]
    for q in (resource["valueQuantity"], *(resource["referenceRange"][0].values())):
        q["code"] = q["unit"] = "mg/L"
    row = _one(map_resources([("Observation", resource)]))
    assert row.raw == {"analyte": "crp", "value": Decimal("6.3"), "unit": "mg/L",
                       "upper_limit": Decimal("6.2"), "observed_on": "2013-04-02"}
    assert row.fields["observed_on"] == "Observation.effectivePeriod.start"
    assert row.fields["upper_limit"] == "Observation.referenceRange[0].high.value"


def test_uln_in_another_accepted_unit_is_converted_exactly():
    row = _one(map_resources([("Observation", lab(
        "1988-5", 12, "mg/L", referenceRange=[{"high": {"value": 0.5, "code": "mg/dL"}}]))]))
    assert row.raw["upper_limit"] == Decimal("5.0")


def test_uln_in_a_unit_we_cannot_convert_is_refused():
    mapped = map_resources([("Observation", lab(
        "1988-5", 12, "mg/L", referenceRange=[{"high": {"value": 5, "code": "mmol/L"}}]))])
    assert mapped.refused == [("Observation.referenceRange[0].high.code",
                               "ULN (CRP): unit 'mmol/L' is not accepted; use mg/L or mg/dL.")]


# -- units, statuses, structure ---------------------------------------------------------------

def test_ucum_litre_spelling_is_the_same_unit():
    assert _one(map_resources([("Observation", lab("2276-4", 900, "ng/ml"))])).raw["unit"] \
        == "ng/mL"


def test_a_unit_outside_ucum_is_refused_with_its_path():
    resource = lab("2157-6", 120)
    resource["valueQuantity"]["system"] = "http://snomed.info/sct"
    mapped = map_resources([("Observation", resource)])
    assert mapped.refused == [("Observation.valueQuantity.system",
                               "CK: the unit's system 'http://snomed.info/sct' is not UCUM "
                               "(http://unitsofmeasure.org); accepted units: U/L.")]


def test_a_structure_error_becomes_a_fhir_path():
    b = bundle(PATIENT, lab("2157-6", 120))
    b["entry"][1]["resource"]["valueQuantity"]["value"] = "abc"
    mapped = map_bundle(b)
    assert [p for p, _ in mapped.refused] == ["Bundle.entry[1].resource.valueQuantity.value"]
    assert "'abc'" in mapped.refused[0][1]


@pytest.mark.parametrize(("status", "rows", "skipped"), [
    ("final", 1, 0), ("amended", 1, 0), ("corrected", 1, 0),
    ("preliminary", 0, 1), ("registered", 0, 1), ("cancelled", 0, 1), ("unknown", 0, 1),
    ("entered-in-error", 1, 0),
])
def test_statuses(status, rows, skipped):
    mapped = map_resources([("Observation", lab("2157-6", 120, status=status))])
    assert (len(mapped.rows), len(mapped.skipped), mapped.refused) == (rows, skipped, [])
    if rows:
        assert mapped.rows[0].status == status


def test_a_status_outside_the_value_set_is_refused():
    mapped = map_resources([("Observation", lab("2157-6", 120, status="bogus"))])
    assert mapped.refused == [("Observation.status", "Status: 'bogus' is not an Observation "
                                                     "status; accepted: amended, cancelled, "
                                                     "corrected, entered-in-error, final, "
                                                     "preliminary, registered, unknown.")]


def test_entered_in_error_without_a_value_still_maps():
    resource = lab("2157-6", 120, status="entered-in-error")
    del resource["valueQuantity"]
    row = _one(map_resources([("Observation", resource)]))
    assert (row.section_key, row.raw["analyte"], row.status) == ("labs", "ck", "entered-in-error")


def test_a_partial_date_and_a_missing_date_are_refused():
    mapped = map_resources([("a", lab("2157-6", 120, day="2025-02")),
                            ("b", {**lab("2157-6", 120), "effectiveDateTime": None})])
    partial, missing = mapped.refused
    assert partial[0] == "a.effectiveDateTime" and "'2025-02' is not a full day" in partial[1]
    assert missing[0] == "b.effective[x]"


def test_a_comparator_is_a_bound_not_a_value():
    resource = lab("2157-6", 20)
    resource["valueQuantity"]["comparator"] = "<"
    mapped = map_resources([("Observation", resource)])
    assert mapped.rows == [] and mapped.skipped[0].reason.startswith("CK: <20 is a bound")


def test_an_observation_about_someone_else_is_refused():
    other = lab("2157-6", 120, subject={"reference": "Patient/somebody-else"})
    mapped = map_bundle(bundle(PATIENT, other))
    assert mapped.refused == [("Bundle.entry[1].resource.subject.reference",
                               "Subject: 'Patient/somebody-else' is not the bundle's patient; "
                               "an import holds one patient's data.")]


@pytest.mark.parametrize("bad", [[], {"resourceType": "Patient"},
                                 {"resourceType": "Bundle", "type": "document"},
                                 {"resourceType": "Bundle", "type": "collection", "entry": 3}])
def test_not_an_importable_bundle(bad):
    mapped = map_bundle(bad)
    assert mapped.rows == [] and len(mapped.refused) == 1


# -- PFT and antibodies ------------------------------------------------------------------------

def test_pft_values_of_one_day_make_one_row():
    mapped = map_resources([
        ("a", lab("19872-1", 78.44, "%")), ("b", lab("98130-8", 61, "%")),
        ("c", lab("19868-9", 2.755, "L")), ("d", lab("98130-8", 55, "%", day="2025-03-01")),
    ])
    row = _one(Mapped(None, None, mapped.rows, [], []))
    assert row.raw == {"fvc_pct_predicted": Decimal("78.4"), "dlco_pct_predicted": Decimal("61"),
                       "fvc_l": Decimal("2.76"), "observed_on": "2025-02-01"}
    assert row.fields["dlco_pct_predicted"] == "b.valueQuantity.value"
    assert [s.path for s in mapped.skipped] == ["d"]  # no FVC % predicted that day


def test_pft_from_components_and_unit_refused():
    panel = {"resourceType": "Observation", "status": "final",
             "code": {"text": "Spirometry"}, "effectiveDateTime": "2025-02-01",
             "component": [
                 {"code": {"coding": [{"system": "http://loinc.org", "code": "19872-1"}]},
                  "valueQuantity": {"value": 80, "system": "http://unitsofmeasure.org",
                                    "code": "%"}},
                 {"code": {"coding": [{"system": "http://loinc.org", "code": "19868-9"}]},
                  "valueQuantity": {"value": 2800, "system": "http://unitsofmeasure.org",
                                    "code": "mL"}}]}
    mapped = map_resources([("Observation", panel)])
    assert mapped.refused == [("Observation.component[1].valueQuantity.code",
                               "FVC: unit 'mL' is not accepted; use L.")]
    assert mapped.rows[0].raw["fvc_pct_predicted"] == Decimal("80")


@pytest.mark.parametrize(("value", "result"), [
    ({"valueCodeableConcept": {"text": "Positive"}}, "positive"),
    ({"valueString": "negative"}, "negative"),
    ({"interpretation": [{"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
        "code": "POS"}]}]}, "positive"),
])
def test_anti_mda5(value, result):
    resource = {"resourceType": "Observation", "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "82424-3"}]},
                "effectiveDateTime": "2025-02-01", **value}
    row = _one(map_resources([("Observation", resource)]))
    assert row.raw == {"antibody": "mda5", "result": result, "method": "line_blot",
                       "observed_on": "2025-02-01"}


# -- the patient and its disease dates ---------------------------------------------------------

def test_patient_with_a_dermatomyositis_condition():
    mapped = map_bundle(bundle(PATIENT, DM_CONDITION, lab("2157-6", 120)))
    patient = mapped.patient
    assert {k: patient[k] for k in ("sex", "birth_date", "family_name", "given_name", "mrn",
                                    "skin_onset_date", "diagnosis_date")} == {
        "sex": "female", "birth_date": "1980-03-03", "family_name": "Example",
        "given_name": "Ada B", "mrn": "EHR-0001", "skin_onset_date": "2024-12-01",
        "diagnosis_date": "2025-01-20"}
    assert patient["identifiers"] == [("urn:example:mrn", "EHR-0001")]
    assert patient["fields"]["diagnosis_date"] == "Bundle.entry[1].resource.recordedDate"


def test_mapping_does_not_change_its_input():
    b = bundle(PATIENT, lab("2157-6", 120))
    before = copy.deepcopy(b)
    map_bundle(b)
    assert b == before
