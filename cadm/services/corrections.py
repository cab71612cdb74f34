"""Corrections: a wrong row is marked "entered in error" with a reason, never overwritten or
deleted. Its history keeps both states; the rules stop reading it; the timeline shows it struck
through. The correct value is then entered as a new row."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from cadm.exceptions import DomainError, require, require_patient_site
from cadm.inputs.corrections import EnteredInErrorInput
from cadm.inputs.notes import typed_input
from cadm.models import Patient, RecordStatus
from cadm.sections import ResultSection

from .audit import audit_record
from .evaluation import evaluation_after_commit


@transaction.atomic
def record_mark_entered_in_error(*, actor, patient: Patient, section: ResultSection, record,
                                 data: EnteredInErrorInput | Mapping | None = None,
                                 reason: str | None = None):
    """Mark one result row entered in error, with the reason. `data`: the typed input, or
    its values, parsed here by the same parser (InputInvalid, a DomainError, keyed by field).
    `reason`: the reason alone, as callers written before the input passed it; parsed the
    same way. One of the two."""
    require(actor, section.permission)
    require_patient_site(actor, patient)
    if record.patient_id != patient.pk:
        raise DomainError("This result belongs to another patient.")
    if record.status == RecordStatus.ENTERED_IN_ERROR:
        raise DomainError("This result is already marked as entered in error.")
    if data is not None and reason is not None:
        raise TypeError("Give the reason in `data` or in `reason`, not both.")
    mark = typed_input(EnteredInErrorInput, {"reason": reason} if data is None else data)
    record.status, record.status_reason = RecordStatus.ENTERED_IN_ERROR, mark.reason
    record._history_user = actor
    record.save(update_fields=["status", "status_reason"])
    audit_record(actor=actor, action="record.entered_in_error", target=record, patient=patient,
                 detail={"section": section.key})
    evaluation_after_commit(patient)
    return record
