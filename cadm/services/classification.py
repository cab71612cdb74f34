"""Decisions on a suggested reclassification (the RECLASSIFY flag)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from cadm.exceptions import DomainError, require, require_patient_site
from cadm.inputs.flags import AcknowledgeInput, DismissInput
from cadm.inputs.notes import typed_input
from cadm.models import Flag, FlagAction, Patient
from cadm.permissions import Perm

from .audit import audit_record
from .evaluation import evaluation_after_commit
from .flags import flag_dismiss


def _suggestion(flag: Flag) -> None:
    if flag.code != "RECLASSIFY" or flag.state == Flag.State.RESOLVED:
        raise DomainError("Only a live reclassification suggestion can be decided.")


@transaction.atomic
def reclassification_accept(*, actor, flag: Flag,
                            data: AcknowledgeInput | Mapping | None = None) -> Flag:
    """The recorded subtype takes the suggested value (kept in the patient's history).
    `data`: an acknowledgement's input (an optional comment), or its values."""
    require(actor, Perm.SUBTYPE_DECIDE)
    require_patient_site(actor, flag.patient)
    comment = typed_input(AcknowledgeInput, data).comment
    _suggestion(flag)
    patient = Patient.objects.select_for_update().get(pk=flag.patient_id)
    before, after = patient.recorded_subtype, flag.extra["to"]
    patient.recorded_subtype = after
    # A patient form opened before this decision must not write the old subtype back.
    patient.row_version += 1
    patient._history_user = actor
    patient.save(update_fields=["recorded_subtype", "row_version"])
    flag.state, flag.resolved_at = Flag.State.RESOLVED, timezone.now()
    flag.resolved_reason = f"Accepted by {actor}: recorded subtype {before} → {after}"
    flag.save()
    FlagAction.objects.create(flag=flag, kind=FlagAction.Kind.ACCEPTED, actor=actor,
                              comment=comment, ruleset=flag.ruleset)
    audit_record(actor=actor, action="subtype.accept", target=patient, patient=patient,
                 detail={"from": before, "to": after})
    evaluation_after_commit(patient)
    return flag


def reclassification_reject(*, actor, flag: Flag, data: DismissInput | Mapping) -> Flag:
    """Keep the recorded subtype; the suggestion stays quiet until its evidence changes.
    `data`: a dismissal's input (an HL7 reason and a comment), or its values."""
    require(actor, Perm.SUBTYPE_DECIDE)
    require_patient_site(actor, flag.patient)
    rejection = typed_input(DismissInput, data)
    _suggestion(flag)
    return flag_dismiss(actor=actor, flag=flag, data=rejection)
