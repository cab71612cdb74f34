"""Visits and the results of a day: recorded together or not at all, corrected with history.

Every row goes through the same checks whatever door it came in by (page, case file): its
typed input's parser (cadm.inputs: labs, medications, antibodies, muscle studies, skin
biopsies, eye exams, PFT, HRCT, walk test, PPF assessment, cancer screening), then those that
need the rest of the request or the rule set (a course's start date defaults to the day of
the visit; dose guards), then the model's. Every write here also refuses a patient outside
the actor's sites (cadm.exceptions.require_patient_site), whatever door called it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cadm.exceptions import DomainError, RowInvalid, require, require_patient_site
from cadm.inputs import (
    AutoantibodyInput,
    CancerScreeningInput,
    Context,
    EyeExamInput,
    HrctInput,
    LabInput,
    MedicationInput,
    MuscleStudyInput,
    PftInput,
    PpfAssessmentInput,
    SixMinuteWalkInput,
    SkinBiopsyInput,
    VisitInput,
)
from cadm.inputs.corrections import EnteredInErrorInput
from cadm.inputs.notes import typed_input
from cadm.inputs.results import ResultsDateInput
from cadm.models import Patient, RecordStatus, Visit
from cadm.permissions import Perm, has_perm
from cadm.rules.vocabulary import VISIT_PARTS
from cadm.sections import ResultSection, all_sections
from cadm.selectors.rulesets import ruleset_active

from .audit import audit_record
from .concurrency import changes_apply, version_check
from .evaluation import evaluation_after_commit
from .medications import medication_row_check
from .submissions import submission_claim, submission_done

# A row's fields: the typed input where the kind has one (cadm.inputs, TYPED_ROWS: every
# kind registered today), else a dict of the model's fields as the form cleaned them.
ResultRows = list[tuple[ResultSection, object]]
TYPED_ROWS = {"labs": LabInput, "medications": MedicationInput,
              "antibodies": AutoantibodyInput, "muscle": MuscleStudyInput,
              "skin-biopsy": SkinBiopsyInput, "eye-exams": EyeExamInput,
              "pft": PftInput, "hrct": HrctInput, "six-minute-walk": SixMinuteWalkInput,
              "ppf": PpfAssessmentInput, "cancer-screening": CancerScreeningInput}


def _row_fields(section: ResultSection, fields) -> dict:
    """The model fields of one row. A kind with a typed input accepts only that input: a dict
    would be values no parser has checked."""
    typed = TYPED_ROWS.get(section.key)
    if typed is None:
        return fields
    if not isinstance(fields, typed):
        raise TypeError(f"A {section.key} row is a {typed.__name__} (cadm.inputs), not "
                        f"{type(fields).__name__}.")
    return fields.record_fields()
EDITABLE = ("visit_on", "assessed", "skin", "weakness", "mmt8", "symptoms", "weight_kg", "notes")


def _visit_input(data: VisitInput | Mapping, patient: Patient) -> dict:
    """The visit's given columns. A mapping (a script, a test) goes through the same parser
    as every door, only its keys, unusual values unconfirmed."""
    if not isinstance(data, VisitInput):
        data = VisitInput.parse(data, partial=True, context=Context(
            today=timezone.localdate(), birth_date=patient.birth_date))
    return data.visit_data()


def visit_parts(data: dict) -> list[str]:
    """The parts examined: those declared, and any part with a finding or a value (a symptom
    cannot be recorded without reviewing symptoms). In the order of VISIT_PARTS."""
    parts = set(data.get("assessed") or ())
    found = {"skin": data.get("skin"),
             "strength": data.get("weakness") or data.get("mmt8") is not None,
             "symptoms": data.get("symptoms"), "weight": data.get("weight_kg") is not None}
    parts |= {part for part, present in found.items() if present}
    return [code for code, _ in VISIT_PARTS if code in parts]


def _visit_permission(parts) -> Perm:
    """Examining more than the skin needs the right to record a full visit."""
    return Perm.VISIT_RECORD if set(parts) - {"skin"} else Perm.SKIN_RECORD


def _add_results(*, actor, patient: Patient, observed_on: date, rows: ResultRows,
                 visit: Visit | None) -> list:
    ruleset = ruleset_active() if any(s.key == "medications" for s, _ in rows) else None
    created = []
    for index, (section, row) in enumerate(rows):
        require(actor, section.permission)
        fields = _row_fields(section, row)
        try:
            if section.key == "medications":
                medication_row_check(fields, default_start=observed_on, ruleset=ruleset)
            record = section.model(patient=patient, visit=visit, recorded_by=actor,
                                   **{"observed_on": observed_on, **fields})
            record.full_clean()
        except ValidationError as exc:
            raise RowInvalid(index, exc) from None
        record._history_user = actor
        record.save()
        created.append(record)
    return created


def _visit_clean(visit: Visit) -> None:
    try:
        visit.full_clean()
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from None


def visit_record(*, actor, patient: Patient, visit_data: VisitInput | Mapping,
                 rows: ResultRows, evaluate: bool = True, token=None) -> Visit:
    """Record a visit and the results of that day, all or nothing.

    A dermatologist's visit holds skin findings only (the form offers nothing else); the
    permission check here keeps it so when the service is called from elsewhere. `token`:
    the form's one-time token (a repeat raises AlreadySubmitted and saves nothing)."""
    visit, _ = visit_record_with_results(actor=actor, patient=patient, visit_data=visit_data,
                                         rows=rows, evaluate=evaluate, token=token)
    return visit


@transaction.atomic
def visit_record_with_results(*, actor, patient: Patient, visit_data: VisitInput | Mapping,
                              rows: ResultRows, evaluate: bool = True,
                              token=None) -> tuple[Visit, list]:
    """visit_record, also returning the result rows created, in the order of `rows` (a
    caller that names them back, as the API does)."""
    require(actor, Perm.SKIN_RECORD)
    require_patient_site(actor, patient)
    visit_data = _visit_input(visit_data, patient)
    visit_data = {**visit_data, "assessed": visit_parts(visit_data)}
    require(actor, _visit_permission(visit_data["assessed"]))
    submission = submission_claim(actor=actor, token=token, scope="visit")
    visit = Visit(patient=patient, clinician=actor, **visit_data)
    visit._history_user = actor
    _visit_clean(visit)
    visit.save()
    created = _add_results(actor=actor, patient=patient, observed_on=visit.visit_on,
                           rows=rows, visit=visit)
    audit_record(actor=actor, action="visit.record", target=visit, patient=patient,
                 detail={"results": [r._meta.model_name for r in created]})
    submission_done(submission, visit)
    if evaluate:
        evaluation_after_commit(patient)
    return visit, created


@transaction.atomic
def results_add(*, actor, patient: Patient, observed_on: date, rows: ResultRows,
                evaluate: bool = True, token=None) -> list:
    """Results that arrive between visits (a lab report, a PFT, a scan).

    `evaluate=False` is for callers that write many rows and evaluate once at the end.
    The date is checked here too (not after today, nor before birth), whoever calls."""
    require_patient_site(actor, patient)
    observed_on = ResultsDateInput.parse({"observed_on": observed_on}, context=Context(
        today=timezone.localdate(), birth_date=patient.birth_date)).observed_on
    submission = submission_claim(actor=actor, token=token, scope="results")
    created = _add_results(actor=actor, patient=patient, observed_on=observed_on, rows=rows,
                           visit=None)
    audit_record(actor=actor, action="results.add", target=patient, patient=patient,
                 detail={"results": [r._meta.model_name for r in created]})
    if created:
        submission_done(submission, created[0])
    if evaluate:
        evaluation_after_commit(patient)
    return created


def visit_results(visit: Visit) -> list:
    """Every result row recorded with the visit, whatever its kind."""
    return [r for section in all_sections()
            for r in section.model.objects.filter(visit=visit)]


def _may_edit(actor, visit: Visit, parts) -> None:
    require_patient_site(actor, visit.patient)
    if not has_perm(actor, _visit_permission(set(visit.assessed) | set(parts))):
        raise PermissionDenied("Only a clinician who may record full visits can change this "
                               "visit.")


@transaction.atomic
def visit_update(*, actor, visit: Visit, data: VisitInput | Mapping,
                 expected_version: int | None) -> Visit:
    """Correct the examination of a visit; the previous state stays in its history.

    Refused when someone saved the visit after `expected_version` (ConcurrentEdit), and for a
    new date when results were recorded with the visit: they keep their own dates, so the
    visit is marked entered in error and recorded again instead."""
    current = Visit.objects.select_for_update().get(pk=visit.pk)
    if current.status == RecordStatus.ENTERED_IN_ERROR:
        raise DomainError("This visit is marked as entered in error; record a new visit.")
    require_patient_site(actor, current.patient)
    data = {k: v for k, v in _visit_input(data, current.patient).items() if k in EDITABLE}
    data["assessed"] = visit_parts({**{k: getattr(current, k) for k in EDITABLE}, **data})
    _may_edit(actor, current, data["assessed"])
    version_check(current, expected_version, what="visit")
    new_day = data.get("visit_on", current.visit_on)
    if new_day != current.visit_on and visit_results(current):
        raise DomainError(
            f"Visit date: results were recorded with the visit of "
            f"{current.visit_on.isoformat()} and keep that date; to move the visit to "
            f"{new_day.isoformat()}, mark it entered in error and record it again.")
    changed = changes_apply(current, data, actor=actor)
    _visit_clean(current)
    current.save()
    audit_record(actor=actor, action="visit.update", target=current, patient=current.patient,
                 detail={"fields": changed})
    evaluation_after_commit(current.patient)
    return current


@transaction.atomic
def visit_mark_entered_in_error(*, actor, visit: Visit,
                                data: EnteredInErrorInput | Mapping | None = None,
                                reason: str | None = None) -> Visit:
    """The whole visit was wrong (wrong patient, recorded twice): it and the results recorded
    with it are marked entered in error with the reason; the rules stop reading them; the
    timeline shows them struck through. History and audit keep everything. `data`: the typed
    input or its values; `reason`: the reason alone; either is parsed by the same parser
    (cadm.inputs.corrections), as for one result."""
    current = Visit.objects.select_for_update().get(pk=visit.pk)
    _may_edit(actor, current, ())
    if current.status == RecordStatus.ENTERED_IN_ERROR:
        raise DomainError("This visit is already marked as entered in error.")
    if data is not None and reason is not None:
        raise TypeError("Give the input (data) or the reason, not both.")
    reason = typed_input(EnteredInErrorInput, {"reason": reason} if data is None else data,
                         what="visit").reason
    current.status, current.status_reason = RecordStatus.ENTERED_IN_ERROR, reason
    current.row_version += 1
    current._history_user = actor
    current.save(update_fields=["status", "status_reason", "row_version"])
    marked = []
    for record in visit_results(current):
        if record.status != RecordStatus.ENTERED_IN_ERROR:
            record.status = RecordStatus.ENTERED_IN_ERROR
            record.status_reason = f"Recorded with a visit entered in error: {reason}"[:300]
            record._history_user = actor
            record.save(update_fields=["status", "status_reason"])
            marked.append(record._meta.model_name)
    audit_record(actor=actor, action="visit.entered_in_error", target=current,
                 patient=current.patient, detail={"results": marked})
    evaluation_after_commit(current.patient)
    return current
