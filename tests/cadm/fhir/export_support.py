"""Shared by the FHIR export tests: a patient with every kind of exported data, and the two
checks every exported resource passes (fhir.resources' R4B models; fhirclient's FHIR 4.0.1
models, strictly), plus FHIR R4's required value sets, which neither library checks
(toolchain.md, Known pitfalls)."""

from __future__ import annotations

import datetime as dt
import importlib

from fhir.resources.R4B import get_fhir_model_class
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from cadm.models import EyeExam, Medication, MuscleStudy, RecordStatus, SkinBiopsy
from cadm.selectors.flags import patient_live_flags
from cadm.services.evaluation import patient_reevaluate
from cadm.services.flags import flag_acknowledge, flag_dismiss
from monitoring.models import PpfAssessment, SixMinuteWalk
from screening.models import CancerScreeningRecord
from tests.cadm.rulesets.builders import mda5_patient
from tests.factories import AntibodyFactory, HrctFactory, LabResultFactory, PftFactory

TODAY = dt.date.today()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def full_patient(site, rheumatologist, dermatologist):
    """Anti-MDA5 positive (line blot) with ferritin 1200 (the rule-set tests' builder), then
    a raised CK with its lab's ULN, LDH under Synthea's code, KL-6 (no LOINC), a lab entered
    in error, a TIF1-γ by ELISA (no LOINC), Mi-2 by ELISA with grade and titre, a PFT with
    every value, a 6-minute walk, an HRCT with ILD, and a row of every other kind
    (`other_records`); evaluated (flags, screening plan); one flag acknowledged and one
    dismissed."""
    patient = mda5_patient(site, rheumatologist)
    LabResultFactory(patient=patient, observed_on=days_ago(10), analyte="ck", value=850,
                     upper_limit=192, lab_name="North Lab")
    LabResultFactory(patient=patient, observed_on=days_ago(10), analyte="ldh", value=400,
                     upper_limit=250, loinc="14804-9")
    LabResultFactory(patient=patient, observed_on=days_ago(10), analyte="kl6", value=900,
                     unit="U/mL", unit_normalised="U/mL", upper_limit=None)
    LabResultFactory(patient=patient, observed_on=days_ago(12), analyte="crp", value=3,
                     unit="mg/dL", value_normalised=30, unit_normalised="mg/L",
                     upper_limit=0.5, upper_limit_normalised=5)
    LabResultFactory(patient=patient, observed_on=days_ago(11), analyte="ck", value=99999,
                     status=RecordStatus.ENTERED_IN_ERROR, status_reason="Wrong patient")
    AntibodyFactory(patient=patient, observed_on=days_ago(240), antibody="tif1g",
                    method="elisa", result="negative")
    AntibodyFactory(patient=patient, observed_on=days_ago(240), antibody="mi2",
                    method="elisa", result="positive", grade=2, titre="1:320")
    PftFactory(patient=patient, observed_on=days_ago(30), fvc_l=2.9, fvc_pct_predicted=78,
               dlco_pct_predicted=61, tlc_pct_predicted=80)
    SixMinuteWalk.objects.create(patient=patient, observed_on=days_ago(30),
                                 recorded_by=rheumatologist, distance_m=420, spo2_nadir=86,
                                 spo2_rest=97)
    HrctFactory(patient=patient, observed_on=days_ago(28), ild=True,
                findings=["ground_glass", "reticulation"], extent_score=12,
                report="Basal ground glass.")
    other_records(patient, rheumatologist)
    patient_reevaluate(patient.pk)
    flags = patient_live_flags(patient)
    assert len(flags) >= 2, [f.code for f in flags]
    flag_acknowledge(actor=dermatologist, flag=flags[0], data={"comment": "Seen."})
    flag_dismiss(actor=dermatologist, flag=flags[1],
                 data={"reason": "need-more-info", "comment": "Waiting for the HRCT report."})
    return patient


def other_records(patient, user) -> None:
    """One row of each kind export_records.py builds: muscle MRI (abnormal) and a biopsy with
    findings, an EMG entered in error, a skin biopsy, a retinal screening, the PPF judgement,
    a cancer-screening panel, hydroxychloroquine (ongoing), an "other" drug with its name and
    an end, and a course entered in error."""
    common = {"patient": patient, "recorded_by": user}
    MuscleStudy.objects.create(**common, observed_on=days_ago(60), kind="mri", abnormal=True,
                               report="Oedema of both quadriceps.")
    MuscleStudy.objects.create(**common, observed_on=days_ago(58), kind="biopsy",
                               abnormal=True, findings=["perifascicular_atrophy"])
    MuscleStudy.objects.create(**common, observed_on=days_ago(57), kind="emg", abnormal=False,
                               status=RecordStatus.ENTERED_IN_ERROR,
                               status_reason="Other patient's study")
    SkinBiopsy.objects.create(**common, observed_on=days_ago(200), consistent_with_dm=True)
    EyeExam.objects.create(**common, observed_on=days_ago(100), finding="normal",
                           report="SD-OCT and visual fields normal.")
    PpfAssessment.objects.create(**common, observed_on=days_ago(20), worsening_symptoms=True,
                                 radiological_progression=False, note="More breathless.")
    CancerScreeningRecord.objects.create(**common, observed_on=days_ago(90), panel="basic",
                                         result="no_cancer")
    Medication.objects.create(**common, observed_on=days_ago(150), drug="hydroxychloroquine",
                              dose_mg_per_day=400)
    Medication.objects.create(**common, observed_on=days_ago(150), drug="other",
                              drug_detail="Apremilast", dose_mg_per_day=60,
                              end_on=days_ago(40))
    Medication.objects.create(**common, observed_on=days_ago(140), drug="methotrexate",
                              dose_mg_per_day=2.5, status=RecordStatus.ENTERED_IN_ERROR,
                              status_reason="Wrong dose unit")


# ---------------------------------------------------------------- validation

# FHIR R4 (4.0.1) required bindings our resources use: (resourceType, path) -> codes.
REQUIRED_CODES: dict[tuple[str, str], frozenset[str]] = {
    ("Bundle", "type"): frozenset({"document", "message", "transaction", "transaction-response",
                                   "batch", "batch-response", "history", "searchset",
                                   "collection"}),
    ("Patient", "gender"): frozenset({"male", "female", "other", "unknown"}),
    ("Observation", "status"): frozenset({"registered", "preliminary", "final", "amended",
                                          "corrected", "cancelled", "entered-in-error",
                                          "unknown"}),
    ("DetectedIssue", "status"): frozenset({"registered", "preliminary", "final", "amended",
                                            "corrected", "cancelled", "entered-in-error",
                                            "unknown"}),
    ("DetectedIssue", "severity"): frozenset({"high", "moderate", "low"}),
    ("CarePlan", "status"): frozenset({"draft", "active", "on-hold", "revoked", "completed",
                                       "entered-in-error", "unknown"}),
    ("CarePlan", "intent"): frozenset({"proposal", "plan", "order", "option"}),
    ("ServiceRequest", "status"): frozenset({"draft", "active", "on-hold", "revoked",
                                             "completed", "entered-in-error", "unknown"}),
    ("ServiceRequest", "intent"): frozenset({"proposal", "plan", "directive", "order",
                                             "original-order", "reflex-order",
                                             "filler-order", "instance-order", "option"}),
    ("MedicationStatement", "status"): frozenset({"active", "completed", "entered-in-error",
                                                  "intended", "stopped", "on-hold",
                                                  "unknown", "not-taken"}),
}
# Codings of FHIR's own code systems that we emit, with the codes the system defines.
HL7_CODE_SYSTEMS: dict[str, frozenset[str]] = {
    "http://terminology.hl7.org/CodeSystem/observation-category": frozenset({
        "social-history", "vital-signs", "imaging", "laboratory", "procedure", "survey",
        "exam", "therapy", "activity"}),
    "http://terminology.hl7.org/CodeSystem/condition-clinical": frozenset({
        "active", "recurrence", "relapse", "inactive", "remission", "resolved"}),
    "http://terminology.hl7.org/CodeSystem/v2-0203": frozenset({"MR"}),
    "http://terminology.hl7.org/CodeSystem/condition-ver-status": frozenset({
        "unconfirmed", "provisional", "differential", "confirmed", "refuted",
        "entered-in-error"}),
}
ISSUE_SEVERITIES = frozenset({"fatal", "error", "warning", "information"})
ISSUE_TYPES = frozenset({"invalid", "structure", "required", "value", "invariant", "security",
                         "login", "unknown", "expired", "forbidden", "suppressed",
                         "processing", "not-supported", "duplicate", "multiple-matches",
                         "not-found", "deleted", "too-long", "code-invalid", "extension",
                         "too-costly", "business-rule", "conflict", "transient",
                         "lock-error", "no-store", "exception", "timeout", "incomplete",
                         "throttled", "informational"})


def codings(node):
    """Every Coding in a JSON tree (any dict with a system and a code)."""
    if isinstance(node, dict):
        if "system" in node and "code" in node and isinstance(node.get("code"), str):
            yield node
        for value in node.values():
            yield from codings(value)
    elif isinstance(node, list):
        for value in node:
            yield from codings(value)


def _value_sets(resource: dict) -> None:
    kind = resource["resourceType"]
    for (rtype, field), allowed in REQUIRED_CODES.items():
        if rtype == kind and field in resource:
            assert resource[field] in allowed, (kind, field, resource[field])
    if kind == "OperationOutcome":
        for issue in resource["issue"]:
            assert issue["severity"] in ISSUE_SEVERITIES and issue["code"] in ISSUE_TYPES
    for coding in codings(resource):
        allowed = HL7_CODE_SYSTEMS.get(coding["system"])
        if allowed is not None:
            assert coding["code"] in allowed, coding


def validate_r4(resource: dict) -> None:
    """One resource (a Bundle with its entries included) as FHIR R4, both ways."""
    kind = resource["resourceType"]
    get_fhir_model_class(kind).model_validate(resource)
    module = importlib.import_module(f"fhirclient.models.{kind.lower()}")
    getattr(module, kind)(resource, strict=True)
    assert FHIRElementFactory.instantiate(kind, resource) is not None
    _value_sets(resource)
    for entry in resource.get("entry", ()):
        validate_r4(entry["resource"])
