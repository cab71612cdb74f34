"""Decisions on a suggested reclassification (the RECLASSIFY flag)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cadm.exceptions import DomainError, require
from cadm.models import Flag, FlagAction, Patient
from cadm.permissions import Perm

from .audit import audit_record
from .evaluation import evaluation_after_commit
from .flags import flag_dismiss


def _suggestion(flag: Flag) -> None:
    if flag.code != "RECLASSIFY" or flag.state == Flag.State.RESOLVED:
        raise DomainError("Only a live reclassification suggestion can be decided.")


@transaction.atomic
def reclassification_accept(*, actor, flag: Flag, comment: str = "") -> Flag:
    """The recorded subtype takes the suggested value (kept in the patient's history)."""
    require(actor, Perm.SUBTYPE_DECIDE)
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


def reclassification_reject(*, actor, flag: Flag, reason: str, comment: str) -> Flag:
    """Keep the recorded subtype; the suggestion stays quiet until its evidence changes."""
    require(actor, Perm.SUBTYPE_DECIDE)
    _suggestion(flag)
    return flag_dismiss(actor=actor, flag=flag, reason=reason, comment=comment)
