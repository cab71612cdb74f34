"""GET /fhir/r4/Patient/<id>/$everything: what the Bundle holds, that it is valid FHIR R4
(fhir.resources R4B and fhirclient 4.0.1, strictly), that it is audited, and that its query
count does not grow with the history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhirclient.models.bundle import Bundle as StrictBundle

from cadm.models import AuditEvent, Flag
from cadm.selectors.flags import patient_live_flags
from cadm.services.evaluation import patient_reevaluate
from cadm.services.flags import flag_acknowledge
from tests.cadm.api.conftest import token_client
from tests.factories import (
    AntibodyFactory,
    LabResultFactory,
    PatientFactory,
    PftFactory,
    VisitFactory,
)

from .export_support import days_ago, full_patient, validate_r4

pytestmark = pytest.mark.django_db

FHIR_JSON = "application/fhir+json"
MR = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}


def everything_url(patient) -> str:
    return f"/fhir/r4/Patient/{patient.public_id}/$everything"


@pytest.fixture
def exported(site, rheumatologist, dermatologist):
    return full_patient(site, rheumatologist, dermatologist)


@pytest.fixture
def bundle(rheumatologist, exported):
    response = token_client(rheumatologist).get(everything_url(exported))
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    return response.json()


def by_type(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def by_id(bundle: dict) -> dict[str, dict]:
    return {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}


def test_the_bundle_is_valid_fhir_r4_both_ways(bundle):
    validate_r4(bundle)
    StrictBundle(bundle, strict=True)
    assert bundle["type"] == "searchset"
    assert bundle["total"] == len(bundle["entry"])
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {"Patient", "Condition", "Observation", "MedicationStatement",
                     "DetectedIssue", "CarePlan", "ServiceRequest"}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"].endswith(f"/fhir/r4/{resource['resourceType']}/{resource['id']}")
        assert entry["fullUrl"].startswith("http")


def test_every_reference_resolves_within_the_bundle(bundle):
    present = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}

    def references(node):
        if isinstance(node, dict):
            if isinstance(node.get("reference"), str):
                yield node["reference"]
            for value in node.values():
                yield from references(value)
        elif isinstance(node, list):
            for value in node:
                yield from references(value)

    found = set(references(bundle))
    assert found and found <= present, found - present


def test_the_patient_carries_the_mrn_under_the_sites_urn(bundle, exported):
    [patient] = by_type(bundle, "Patient")
    assert patient["id"] == str(exported.public_id)
    assert patient["identifier"][0] == {"use": "usual", "type": MR,
                                        "system": "urn:cadm:site:north:mrn",
                                        "value": exported.mrn}
    assert patient["gender"] == "female"
    assert patient["birthDate"] == exported.birth_date.isoformat()
    assert patient["name"] == [{"family": exported.family_name,
                                "given": [exported.given_name]}]


def _by_code(observations, code):
    return [o for o in observations
            if any(c["code"] == code for c in o["code"].get("coding", []))]


def test_labs_in_the_normalised_unit_with_ucum_and_the_upper_limit(bundle):
    observations = by_type(bundle, "Observation")
    [ck] = [o for o in _by_code(observations, "2157-6") if o["status"] == "final"]
    assert ck["code"]["coding"] == [{"system": "http://loinc.org", "code": "2157-6"}]
    assert ck["valueQuantity"] == {"value": 850, "unit": "U/L",
                                   "system": "http://unitsofmeasure.org", "code": "U/L"}
    assert ck["referenceRange"] == [{"high": {"value": 192, "unit": "U/L",
                                              "system": "http://unitsofmeasure.org",
                                              "code": "U/L"}}]
    assert ck["performer"] == [{"display": "North Lab"}]
    assert ck["effectiveDateTime"] == days_ago(10).isoformat()
    assert ck["category"][0]["coding"][0]["code"] == "laboratory"
    # Entered as 3 mg/dL with a ULN of 0.5 mg/dL: sent as the rules read it, in mg/L.
    [crp] = _by_code(observations, "1988-5")
    assert crp["valueQuantity"]["value"] == 30 and crp["valueQuantity"]["code"] == "mg/L"
    assert crp["referenceRange"][0]["high"]["value"] == 5
    # LDH keeps Synthea's LOINC, which §8.1 lists as the alternative.
    [ldh] = _by_code(observations, "14804-9")
    assert ldh["code"]["text"] == "LDH"


def test_a_lab_without_a_verified_code_is_coded_locally_with_a_note(bundle):
    [kl6] = [o for o in by_type(bundle, "Observation") if o["code"].get("text") == "KL-6"]
    assert kl6["code"]["coding"] == [
        {"system": "urn:cadm:vocabulary:lab_tests", "code": "kl6", "display": "KL-6"}]
    assert "no loinc code" in kl6["note"][0]["text"].lower()
    assert kl6["valueQuantity"]["code"] == "U/mL"
    assert "referenceRange" not in kl6


def test_a_row_entered_in_error_is_sent_with_that_status(bundle):
    [wrong] = [o for o in _by_code(by_type(bundle, "Observation"), "2157-6")
               if o["status"] == "entered-in-error"]
    assert wrong["valueQuantity"]["value"] == 99999
    assert wrong["note"][-1]["text"] == "Entered in error: Wrong patient"


def _local(observation: dict, element: str = "code") -> list[tuple[str, str]]:
    return [(c["system"], c["code"]) for c in observation[element].get("coding", ())
            if c["system"].startswith("urn:cadm:")]


def test_antibodies_carry_loinc_only_where_section_8_verifies_and_ours_always(bundle):
    observations = by_type(bundle, "Observation")
    [mda5] = _by_code(observations, "82424-3")
    assert mda5["method"]["text"] == "Line blot"
    assert _local(mda5, "method") == [("urn:cadm:vocabulary:antibody_methods", "line_blot")]
    assert mda5["valueCodeableConcept"]["text"] == "Positive"
    assert _local(mda5) == [("urn:cadm:vocabulary:antibodies", "mda5")]
    [tif1g] = [o for o in observations if o["code"].get("text") == "Anti-TIF1-γ"]
    assert [c["system"] for c in tif1g["code"]["coding"]] == ["urn:cadm:vocabulary:antibodies"]
    assert tif1g["valueCodeableConcept"]["text"] == "Negative"
    [mi2] = _by_code(observations, "18485-3")
    assert mi2["method"]["text"] == "ELISA"
    notes = [n["text"] for n in mi2["note"]]
    assert "Grade 2 (++)" in notes and "Titre as reported: 1:320" in notes
    # FLAIR reads the grade: a component of ours, as is the titre.
    assert [(c["code"]["coding"][0]["code"], c.get("valueInteger", c.get("valueString")))
            for c in mi2["component"]] == [("grade", 2), ("titre", "1:320")]


def test_lung_function_is_a_grouping_observation_with_one_member_per_value(bundle):
    resources = by_id(bundle)
    [pft] = [o for o in by_type(bundle, "Observation")
             if o["code"].get("text") == "Pulmonary function test"]
    members = [resources[m["reference"].split("/")[1]] for m in pft["hasMember"]]
    assert [(m["code"].get("coding", [{}])[0].get("code"), m["valueQuantity"]["value"],
             m["valueQuantity"]["unit"]) for m in members] == [
        ("19868-9", 2.9, "L"), ("19872-1", 78, "%"), ("98130-8", 61, "%"),
        ("tlc-pct-predicted", 80, "%")]
    assert members[3]["code"]["text"] == "TLC % predicted" and members[3]["note"]
    assert _local(members[3]) == [("urn:cadm:pft", "tlc-pct-predicted")]
    assert all(m["derivedFrom"] == [{"reference": f"Observation/{pft['id']}"}]
               for m in members)
    [walk] = [o for o in by_type(bundle, "Observation")
              if o["code"].get("text") == "6-minute walk test"]
    assert walk["code"]["coding"][0] == {"system": "http://loinc.org", "code": "62619-2"}
    assert _local(walk) == [("urn:cadm:six-minute-walk", "test")]
    members = [resources[m["reference"].split("/")[1]] for m in walk["hasMember"]]
    # SpO2 at rest and the nadir share their LOINC; only our coding tells them apart.
    assert [(m["code"]["coding"][0]["code"], _local(m)[0][1], m["valueQuantity"]["value"])
            for m in members] == [("64098-7", "distance", 420), ("59408-5", "spo2-nadir", 86),
                                  ("59408-5", "spo2-rest", 97)]
    [hrct] = [o for o in by_type(bundle, "Observation") if "HRCT" in o["code"]["text"]]
    assert hrct["valueBoolean"] is True and _local(hrct) == [("urn:cadm:hrct", "ild")]
    assert [c.get("valueCodeableConcept", {}).get("text", c.get("valueInteger"))
            for c in hrct["component"]] == ["Ground-glass opacity", "Reticulation", 12]
    assert hrct["note"] == [{"text": "Basal ground glass."}]


def conditions(bundle: dict) -> dict[str, dict]:
    """The Conditions by what they are: "diagnosis", "subtype"."""
    return {c["id"].rsplit("-", 1)[1]: c for c in by_type(bundle, "Condition")}


def test_the_recorded_diagnosis_is_a_coded_condition_with_the_disease_dates(bundle, exported):
    diagnosis = conditions(bundle)["diagnosis"]
    assert diagnosis["id"] == f"{exported.public_id}-diagnosis"
    assert diagnosis["code"] == {"text": "Dermatomyositis", "coding": [
        {"system": "http://snomed.info/sct", "code": "396230008"}]}
    assert diagnosis["onsetDateTime"] == exported.skin_onset_date.isoformat()
    assert diagnosis["recordedDate"] == exported.diagnosis_date.isoformat()
    assert "verificationStatus" not in diagnosis


def test_the_subtype_on_record_and_the_markers_the_rules_read_travel(rheumatologist, site):
    patient = PatientFactory(site=site, created_by=rheumatologist,
                             recorded_subtype="amyopathic", refractory_disease=True,
                             high_npc_risk_region=True)
    bundle = token_client(rheumatologist).get(everything_url(patient)).json()
    validate_r4(bundle)
    diagnosis = conditions(bundle)["diagnosis"]
    assert diagnosis["note"] == [
        {"text": "Subtype on record (the care team's): Amyopathic DM."}]
    assert diagnosis["extension"] == [
        {"url": "urn:cadm:extension:recorded-subtype", "valueCodeableConcept": {
            "coding": [{"system": "urn:cadm:vocabulary:subtypes", "code": "amyopathic",
                        "display": "Amyopathic DM"}], "text": "Amyopathic DM"}},
        {"url": "urn:cadm:extension:refractory-disease", "valueBoolean": True}]
    [found] = by_type(bundle, "Patient")
    assert found["extension"] == [{"url": "urn:cadm:extension:high-npc-risk-region",
                                   "valueBoolean": True}]


def test_the_derived_subtype_is_a_condition_without_an_invented_code(bundle, exported):
    condition = conditions(bundle)["subtype"]
    assert condition["subject"] == {"reference": f"Patient/{exported.public_id}"}
    assert condition["onsetDateTime"] == exported.skin_onset_date.isoformat()
    # 300 days of skin disease, no weakness, CK above its ULN: hypomyopathic, provisional
    # (under 24 months); §8.2 verifies no code for it.
    assert condition["code"] == {"text": "Hypomyopathic DM"}
    assert condition["verificationStatus"]["coding"][0]["code"] == "provisional"
    assert any("§8.2" in n["text"] for n in condition["note"])


def test_classic_dm_carries_the_verified_snomed_code(rheumatologist, site):
    patient = PatientFactory(site=site, created_by=rheumatologist)
    VisitFactory(patient=patient, weakness=["proximal_upper"])
    bundle = token_client(rheumatologist).get(everything_url(patient)).json()
    validate_r4(bundle)
    condition = conditions(bundle)["subtype"]
    assert condition["code"] == {"text": "Classic dermatomyositis", "coding": [
        {"system": "http://snomed.info/sct", "code": "396230008"}]}
    assert "verificationStatus" not in condition


def test_no_subtype_condition_when_the_rules_cannot_classify(rheumatologist, site):
    patient = PatientFactory(site=site, created_by=rheumatologist)
    VisitFactory(patient=patient, skin=[])
    bundle = token_client(rheumatologist).get(everything_url(patient)).json()
    validate_r4(bundle)
    assert list(conditions(bundle)) == ["diagnosis"]
    # The visit's examination travels (cadm/fhir/export_visits.py); no subtype Condition.
    assert [r["resourceType"] for r in (e["resource"] for e in bundle["entry"])] == [
        "Patient", "Condition", "Observation"]


def test_live_flags_are_detected_issues_with_their_review(bundle, exported):
    issues = {i["id"]: i for i in by_type(bundle, "DetectedIssue")}
    live = patient_live_flags(exported)
    assert set(issues) == {str(f.public_id) for f in live}
    severity = {"critical": "high", "warning": "moderate", "info": "low"}
    for flag in live:
        issue = issues[str(flag.public_id)]
        assert issue["code"]["coding"] == [{"system": "urn:cadm:rule", "code": flag.code}]
        assert issue["code"]["text"] == flag.summary
        assert issue["severity"] == severity[flag.severity]
        assert issue["detail"].startswith(flag.detail) and flag.citation in issue["detail"]
        assert len(issue["evidence"]) == len(flag.evidence)
        if flag.state == Flag.State.ACKNOWLEDGED:
            assert issue["mitigation"][0]["action"]["text"] == "Acknowledged. Seen."
        elif flag.state == Flag.State.DISMISSED:
            assert issue["mitigation"][0]["action"]["text"] == (
                "Dismissed: Need more information (need-more-info). Waiting for the HRCT "
                "report.")
        else:
            assert "mitigation" not in issue
    states = {f.state for f in live}
    assert {Flag.State.ACKNOWLEDGED, Flag.State.DISMISSED} <= states
    reviewed = [i for i in issues.values() if "mitigation" in i]
    assert all(i["mitigation"][0]["author"]["display"] for i in reviewed)


def test_evidence_links_the_observation_that_fired_the_flag(bundle):
    resources = by_id(bundle)
    [mda5] = _by_code(by_type(bundle, "Observation"), "82424-3")
    linked = [d["reference"] for i in by_type(bundle, "DetectedIssue")
              for e in i.get("evidence", ()) for d in e.get("detail", ())]
    assert f"Observation/{mda5['id']}" in linked
    assert all(ref.split("/")[1] in resources for ref in linked)


def test_resolved_flags_are_not_exported(rheumatologist, exported):
    flag = patient_live_flags(exported)[0]
    Flag.objects.filter(pk=flag.pk).update(state=Flag.State.RESOLVED)
    bundle = token_client(rheumatologist).get(everything_url(exported)).json()
    assert str(flag.public_id) not in by_id(bundle)


def test_the_screening_plan_is_a_care_plan_with_its_items(bundle, exported):
    [plan] = by_type(bundle, "CarePlan")
    stored = exported.screening_plan
    assert plan["id"] == str(stored.public_id)
    assert plan["status"] == "active" and plan["intent"] == "plan"
    assert plan["description"] == stored.basis
    requests = {r["id"]: r for r in by_type(bundle, "ServiceRequest")}
    items = stored.items.exclude(status="superseded")
    assert set(requests) == {str(i.public_id) for i in items}
    assert [a["reference"]["reference"] for a in plan["activity"]] == [
        f"ServiceRequest/{i.public_id}" for i in items.order_by("due_on", "pk")]
    diagnosis = conditions(bundle)["diagnosis"]
    assert plan["addresses"] == [{"reference": f"Condition/{diagnosis['id']}"}]
    for item in items:
        request = requests[str(item.public_id)]
        assert request["basedOn"] == [{"reference": f"CarePlan/{stored.public_id}"}]
        assert request["code"] == {"text": item.get_panel_display()}
        assert request["reasonReference"] == [{"reference": f"Condition/{diagnosis['id']}"}]
        if item.window_start:
            assert request["occurrencePeriod"]["start"] == item.window_start.isoformat()
        if item.status == "suggested":
            assert request["intent"] == "proposal"


def test_the_export_is_audited(rheumatologist, exported, bundle):
    [event] = AuditEvent.objects.filter(action="fhir.export", patient=exported)
    assert event.actor == rheumatologist
    assert event.target_id == str(exported.public_id)
    assert event.detail["operation"] == "$everything"
    assert event.detail["resources"]["Observation"] == len(by_type(bundle, "Observation"))
    assert sum(event.detail["resources"].values()) == bundle["total"]


def _with_visits(patient, n: int) -> None:
    for k in range(n):
        day = days_ago(200 - 3 * k)
        VisitFactory(patient=patient, visit_on=day)
        LabResultFactory(patient=patient, observed_on=day, analyte="ck", value=100 + k)
        AntibodyFactory(patient=patient, observed_on=day, antibody="sae1",
                        result="negative")
        PftFactory(patient=patient, observed_on=day, fvc_l=3, tlc_pct_predicted=90)


def test_the_query_count_is_the_same_with_5_and_50_visits(rheumatologist, dermatologist,
                                                          site):
    client = token_client(rheumatologist)
    client.get("/api/v1/me/")  # the token's last use is written at most once a minute

    def count(patient) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(everything_url(patient))
            assert response.status_code == 200
        return len(queries), response.json()["total"]

    few, many = (PatientFactory(site=site, created_by=rheumatologist) for _ in range(2))
    _with_visits(few, 5)
    _with_visits(many, 50)
    for patient in (few, many):
        patient_reevaluate(patient.pk)
        for flag in patient_live_flags(patient):  # reviews are read too
            flag_acknowledge(actor=dermatologist, flag=flag, data={"comment": "Seen."})
    (q_few, n_few), (q_many, n_many) = count(few), count(many)
    assert n_many > n_few + 200
    assert q_many == q_few
    assert q_few <= 30, q_few


def test_the_subtype_is_derived_as_of_today(rheumatologist, bundle):
    assert conditions(bundle)["subtype"]["recordedDate"] == dt.date.today().isoformat()
