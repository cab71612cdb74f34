from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from cadm.exceptions import require
from cadm.models import Patient
from cadm.permissions import Perm, site_ids_of

from .audit import audit_record
from .evaluation import evaluation_after_commit


@transaction.atomic
def patient_create(*, actor, data: dict, evaluate: bool = True) -> Patient:
    """Register a patient at one of the actor's sites."""
    require(actor, Perm.PATIENT_WRITE)
    if data["site"].pk not in site_ids_of(actor):
        raise PermissionDenied("The site is not one of yours.")
    patient = Patient(created_by=actor, **data)
    patient._history_user = actor
    patient.full_clean()
    patient.save()
    audit_record(actor=actor, action="patient.create", target=patient, patient=patient)
    if evaluate:
        evaluation_after_commit(patient)
    return patient


@transaction.atomic
def patient_update(*, actor, patient: Patient, data: dict) -> Patient:
    require(actor, Perm.PATIENT_WRITE)
    changed = sorted(k for k, value in data.items() if getattr(patient, k) != value)
    for name, value in data.items():
        setattr(patient, name, value)
    patient._history_user = actor
    patient.full_clean()
    patient.save()
    audit_record(actor=actor, action="patient.update", target=patient, patient=patient,
                 detail={"fields": changed})
    evaluation_after_commit(patient)
    return patient


def patient_view_log(*, actor, patient: Patient) -> None:
    """Viewing a record is itself recorded: who looked at whom, and when."""
    audit_record(actor=actor, action="patient.view", target=patient, patient=patient)
