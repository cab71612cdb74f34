"""FHIR R4 export of a patient: what is read, in which queries, and which resources it gives.

Everything a clinician may see on the patient page, read through the same selectors
(patient_get_for, patient_records, patient_evaluation, patient_live_flags), scoped to the
user's sites, in a fixed number of queries whatever the history (one per kind of record, as
the page). The resources are built by cadm/fhir/export_resources.py (the screening plan's by
export_screening.py), the codes chosen by cadm/fhir/export_codes.py. Every read is audited
here (`export_audit`), before the answer leaves: who, which patient, what (ids and counts
only, never values).

- Patient: our MRN under the site's URN (`urn:cadm:site:<code>:mrn`), name, sex, birth date.
- Observations: labs, antibodies, pulmonary function, 6-minute walk, HRCT, muscle studies,
  skin biopsies, eye examinations, PPF assessments, cancer-screening records (the last five
  and HRCT under our local codes, cadm/fhir/export_records.py); entered-in-error rows are
  exported with that status (a receiver that had them must learn they were wrong).
- MedicationStatement for each medication course (export_records.py), so that every kind
  of row the rules read travels, and a round trip gives the same flags (issue 12).
  Each current visit's examination is one Observation too (cadm/fhir/export_visits.py, which
  documents its shape), so that an import elsewhere evaluates the same skin, strength and
  symptoms.
- Conditions: the dermatomyositis diagnosis as recorded (its dates), and the subtype the
  rules derive today (patient_evaluation, as the page).
- DetectedIssue for each live flag (open, acknowledged, snoozed, dismissed), not Flag. A
  FHIR Flag is a standing caution to display ("patient has a latex allergy"): a code, a
  period and an author, nothing more. Our flags are clinical findings of a rule about this
  patient's data, and carry what DetectedIssue has fields for and Flag has not: a severity
  (`severity` high/moderate/low from critical/warning/info), the facts that fired it
  (`evidence`, linked to the exported Observations where the fact is one), the values,
  thresholds and what clears it (`detail`, with the citation), and the reviewer's answer
  (`mitigation`: acknowledged, snoozed, dismissed with its CDS Hooks reason). Resolved flags
  are history, not issues, and are left out.
- CarePlan (the stored IMACS screening plan) with a ServiceRequest per item in the plan; the
  items the plan no longer holds (superseded) are left out. The screening app's models are
  reached through the patient's reverse relation, so cadm imports no other app (DESIGN §3).

Bundles are of type `searchset`, as FHIR R4's Patient/$everything operation defines its
output, every entry with search mode `match` and a `total`; no paging (a patient's
resources are few, and the query count does not depend on them).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import Http404

from cadm.models import FlagAction, Patient, PatientIdentifier, RecordStatus, Visit
from cadm.rules.criteria.common import LAB_LABELS
from cadm.sections import get_section
from cadm.selectors.flags import patient_live_flags
from cadm.selectors.patients import patient_list_for
from cadm.selectors.records import PatientRecords, patient_records
from cadm.selectors.rulesets import ruleset_active
from cadm.services.audit import audit_record
from cadm.services.audit_reads import refusal_outside_views
from cadm.services.evaluation import patient_evaluation

from . import export_codes as codes
from . import export_resources as res
from . import export_screening as screening
from .export_records import MEDICATIONS, OBSERVATION_BUILDERS, medication_statement
from .export_visits import visit_observation

REVIEW_KINDS = (FlagAction.Kind.ACKNOWLEDGED, FlagAction.Kind.SNOOZED,
                FlagAction.Kind.DISMISSED)


# ---------------------------------------------------------------- audit

def export_audit(*, actor, patient: Patient, action: str, detail: dict) -> None:
    """`fhir.export` ($everything), `fhir.read`, `fhir.search`: one row per patient whose data
    leaves, with what left (resource types and counts, ids of ours; never values)."""
    audit_record(actor=actor, action=action, target=patient, patient=patient, detail=detail)


def resource_counts(resources: Iterable[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for resource in resources:
        counts[resource["resourceType"]] = counts.get(resource["resourceType"], 0) + 1
    return counts


# ---------------------------------------------------------------- Patient

def patient_resource(patient: Patient) -> dict:
    """The Patient with the identifiers other systems gave it (recorded by FHIR import):
    one query, none when the search prefetched them."""
    external = sorted(patient.identifiers.all(), key=lambda i: i.pk)
    return res.patient_resource(patient, [(i.system, i.value) for i in external])


# ---------------------------------------------------------------- Observations

def _evidence_key(section_key: str, row) -> tuple | None:
    """The (kind, date, label) by which the rules' evidence names this row
    (cadm.rules.criteria: lab_evidence, antibody_evidence, the lung criteria)."""
    day = row.observed_on.isoformat()
    if section_key == "labs":
        return res.evidence_key("lab", day, LAB_LABELS.get(row.analyte, row.analyte))
    if section_key == "antibodies":
        return res.evidence_key("antibody", day, f"anti-{row.antibody.upper()}")
    if section_key == "pft":
        return res.evidence_key("pft", day, "PFT")
    if section_key == "hrct":
        return res.evidence_key("hrct", day, "HRCT")
    if section_key == "cancer-screening":
        return res.evidence_key("screening", day, f"{row.panel} panel")
    if section_key == MEDICATIONS:
        return res.evidence_key("medication", day, row.drug)
    return None


def patient_observations(patient: Patient, records: PatientRecords
                         ) -> tuple[list[dict], dict[tuple, dict]]:
    """Every exported row as Observations (oldest first), and the evidence links of the
    current ones: (kind, date, label) -> reference, the last entered of a day winning, as
    in the rules."""
    patient_ref = res.reference("Patient", patient.public_id)
    rows = [(key, row) for key in OBSERVATION_BUILDERS
            for row in records.by_section.get(key, ())]
    rows.sort(key=lambda pair: (pair[1].observed_on, pair[1].created_at))
    observations: list[dict] = []
    evidence: dict[tuple, dict] = {}
    for key, row in rows:
        built = OBSERVATION_BUILDERS[key](row, patient_ref)
        observations += built
        if row.status == RecordStatus.ENTERED_IN_ERROR:
            continue
        if key == "six-minute-walk":
            nadir = next((o for o in built if o["id"].endswith("-spo2-nadir")), None)
            if nadir:
                day = row.observed_on.isoformat()
                evidence[res.evidence_key("walk", day, "SpO₂ nadir")] = res.reference(
                    "Observation", nadir["id"])
            continue
        found = _evidence_key(key, row)
        if found:
            evidence[found] = res.reference("Observation", built[0]["id"])
    observations += [visit_observation(visit, patient_ref)
                     for visit in records.current_visits()]
    # Oldest first whatever the kind; the sort is stable, so a group keeps its members after it.
    observations.sort(key=lambda o: o["effectiveDateTime"])
    return observations, evidence


def patient_medications(patient: Patient, records: PatientRecords,
                        evidence: dict[tuple, dict]) -> list[dict]:
    """Every medication course as a MedicationStatement, oldest first; the current ones are
    added to `evidence` (the hydroxychloroquine rules name a course by drug and start)."""
    patient_ref = res.reference("Patient", patient.public_id)
    rows = sorted(records.by_section.get(MEDICATIONS, ()),
                  key=lambda row: (row.observed_on, row.created_at))
    statements = []
    for row in rows:
        statements.append(medication_statement(row, patient_ref))
        if row.status != RecordStatus.ENTERED_IN_ERROR:
            evidence[_evidence_key(MEDICATIONS, row)] = res.reference(
                "MedicationStatement", row.public_id)
    return statements


def _matches_code(resource: dict, tokens: list[tuple[str | None, str]]) -> bool:
    codings = resource.get("code", {}).get("coding", [])
    return any(c.get("code") == code and (system is None or c.get("system") == system)
               for c in codings for system, code in tokens)


def parse_tokens(values: Iterable[str]) -> list[tuple[str | None, str]]:
    """FHIR token parameters, comma-separated (OR): `system|code`, `|code` (no system) or
    `code` (any system)."""
    tokens = []
    for value in values:
        for part in value.split(","):
            if not part:
                continue
            if "|" in part:
                system, code = part.split("|", 1)
                tokens.append((system, code))
            else:
                tokens.append((None, part))
    return tokens


def observations_matching(observations: list[dict], code_tokens) -> list[dict]:
    if not code_tokens:
        return observations
    return [o for o in observations if _matches_code(o, code_tokens)]


# ---------------------------------------------------------------- one Observation by id

def _split_observation_id(observation_id: str) -> tuple[uuid.UUID, str] | None:
    """`<uuid>` (a row) or `<uuid>-<member>` (one value of a PFT or walk row)."""
    head, suffix = observation_id[:36], observation_id[36:]
    try:
        row_id = uuid.UUID(head)
    except ValueError:
        return None
    if suffix and not suffix.startswith("-"):
        return None
    return row_id, suffix


def observation_get_for(*, user, observation_id: str) -> tuple[Patient, dict]:
    """The Observation with this id, if its patient is at one of the user's sites; a 404
    otherwise (another site's row does not exist for this user). One query for visits, one
    per exported kind of row at most, and one for the patient."""
    split = _split_observation_id(observation_id)
    if split is None:
        raise Http404("No such Observation.")
    row_id, suffix = split
    visible = patient_list_for(user=user)
    visit = None if suffix else Visit.objects.filter(
        public_id=row_id, patient__in=visible).exclude(
        status=RecordStatus.ENTERED_IN_ERROR).first()
    if visit is not None:  # a visit's examination (exported only while current)
        patient = visible.get(pk=visit.patient_id)
        return patient, visit_observation(visit, res.reference("Patient", patient.public_id))
    for key, build in OBSERVATION_BUILDERS.items():
        model = get_section(key).model
        row = model.objects.filter(public_id=row_id, patient__in=visible).first()
        if row is None:
            continue
        patient = visible.get(pk=row.patient_id)
        for resource in build(row, res.reference("Patient", patient.public_id)):
            if resource["id"] == observation_id:
                return patient, resource
        break
    _refusal_recorded(user, row_id)
    raise Http404("No such Observation.")


def _refusal_recorded(user, row_id: uuid.UUID) -> None:
    """An Observation of another site's patient does not exist for this user, but asking for
    it is recorded against the user, naming whose it is (issue 14: refused reads)."""
    models = [Visit, *(get_section(key).model for key in OBSERVATION_BUILDERS)]
    for model in models:
        owner = model.objects.filter(public_id=row_id).values_list("patient__public_id",
                                                                   flat=True).first()
        if owner is not None:
            refusal_outside_views(user, owner)
            return


# ---------------------------------------------------------------- Patient search

def _with_identifier(system: str | None, value: str) -> Q:
    """Patients holding an identifier recorded by FHIR import (exact, as FHIR compares)."""
    found = PatientIdentifier.objects.filter(value=value)
    if system is not None:
        found = found.filter(system=system)
    return Q(pk__in=found.values("patient_id"))


def patients_by_identifier(*, user, values: list[str]):
    """Patients of the user's sites matching every `identifier` parameter (each a
    comma-separated OR of tokens): our MRN, under its site's URN, or an identifier another
    system gave the patient. A site that is not the user's matches nobody. An MRN matches
    whatever its case, as everywhere in the product."""
    patients = patient_list_for(user=user)
    for value in values:
        condition = Q(pk__in=[])
        for system, code in parse_tokens([value]):
            if not code:
                continue
            if not system:  # `code` (any system), `|code` (none, read alike)
                condition |= Q(mrn__iexact=code) | _with_identifier(None, code)
                continue
            site_code = codes.site_code_of_mrn_system(system)
            if site_code is not None:
                condition |= Q(site__code=site_code, mrn__iexact=code)
            condition |= _with_identifier(system, code)
        patients = patients.filter(condition)
    return patients.order_by("pk").prefetch_related("identifiers")


# ---------------------------------------------------------------- $everything

def _screening_plan(patient: Patient):
    """The stored screening plan with its items (superseded ones left out) and their tests,
    in three queries; None without one. Reached by the reverse relation the screening app
    declares, so this module names no model of that app."""
    try:
        plan_model = Patient._meta.get_field("screening_plan").related_model
    except FieldDoesNotExist:
        return None
    item_model = plan_model._meta.get_field("items").related_model
    items = item_model.objects.exclude(status="superseded").order_by("due_on", "pk")
    return (plan_model.objects.filter(patient=patient).select_related("ruleset")
            .prefetch_related(Prefetch("items", queryset=items), "items__components")
            .first())


def _flag_reviews(flags) -> dict[int, FlagAction]:
    """The reviewer's action behind each flag's current state, in one query."""
    prefetch_related_objects(flags, Prefetch(
        "actions", queryset=FlagAction.objects.filter(kind__in=REVIEW_KINDS)
        .select_related("actor").order_by("at", "pk"), to_attr="reviews"))
    reviews = {}
    for flag in flags:
        matching = [a for a in flag.reviews if a.kind == flag.state]
        if matching:
            reviews[flag.pk] = matching[-1]
    return reviews


def patient_everything(patient: Patient, *, as_of: date) -> list[dict]:
    """Every resource of the patient: Patient, Conditions (diagnosis, derived subtype),
    Observations, MedicationStatements, DetectedIssues, CarePlan, ServiceRequests."""
    records = patient_records(patient)
    ruleset = ruleset_active()
    evaluation = patient_evaluation(patient, as_of=as_of, records=records, ruleset=ruleset)
    diagnosis = res.diagnosis_condition(patient)
    subtype = res.subtype_condition(patient, evaluation.classification, as_of=as_of,
                                    version=ruleset.number)
    observations, evidence_refs = patient_observations(patient, records)
    medications = patient_medications(patient, records, evidence_refs)
    flags = patient_live_flags(patient)
    reviews = _flag_reviews(flags)
    issues = [res.detected_issue(flag, patient, review=reviews.get(flag.pk),
                                 evidence_refs=evidence_refs) for flag in flags]
    resources = [patient_resource(patient), diagnosis]
    resources += [subtype] if subtype else []
    resources += observations + medications + issues
    plan = _screening_plan(patient)
    if plan is not None:
        items = list(plan.items.all())
        # The screening is for the disease's associated cancers: it addresses the diagnosis.
        resources.append(screening.care_plan(plan, items, patient, condition_id=diagnosis["id"]))
        resources += [screening.service_request(item, plan, patient, condition_id=diagnosis["id"])
                      for item in items]
    return resources


def patient_observation_list(patient: Patient, code_tokens) -> list[dict]:
    observations, _ = patient_observations(patient, patient_records(patient))
    return observations_matching(observations, code_tokens)


# ---------------------------------------------------------------- Bundle

@dataclass(frozen=True)
class BundleContext:
    base: str  # the FHIR base URL, ending with "/": entries' fullUrl is base + type/id
    self_url: str
    now: datetime


def searchset(resources: list[dict], context: BundleContext) -> dict:
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "searchset",
        "timestamp": context.now.isoformat(),
        "total": len(resources),
        "link": [{"relation": "self", "url": context.self_url}],
        "entry": [{"fullUrl": f"{context.base}{r['resourceType']}/{r['id']}",
                   "resource": r, "search": {"mode": "match"}} for r in resources],
    }
