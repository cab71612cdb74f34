"""Patients: registration and corrections of demographics and disease dates.

Checks that need the database or the rest of the record live here, so every door (page,
case file) gets them: the MRN is unique per site whatever its case; a diagnosis before the
skin onset must be confirmed; a birth date after existing records is refused with the
records named; an edit over someone else's newer save is refused (optimistic concurrency).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from cadm.exceptions import require
from cadm.models import Patient
from cadm.permissions import Perm, site_ids_of
from cadm.sections import all_sections
from cadm.selectors.records import patient_records

from .audit import audit_record
from .concurrency import changes_apply, version_check
from .evaluation import evaluation_after_commit
from .submissions import submission_claim, submission_done

CONFIRM_DATES_LABEL = "The diagnosis came before the skin onset (confirm)"


def _mrn_check(site, mrn: str, *, exclude: int | None = None) -> None:
    """"eval-001" and "EVAL-001" are the same record number to a clinician."""
    clash = Patient.objects.filter(site=site, mrn__iexact=mrn).exclude(pk=exclude).first()
    if clash:
        shown = "" if clash.mrn == mrn else f" (as {clash.mrn!r})"
        raise ValidationError({"mrn": f"MRN: {mrn!r} is already used at {site.name}{shown}; "
                                      f"an MRN is unique per site whatever its case."})


def _dates_check(data: dict, confirmed: bool) -> None:
    birth = data.get("birth_date")
    onset, diagnosis = data.get("skin_onset_date"), data.get("diagnosis_date")
    for field, label, day in (("skin_onset_date", "Skin onset date", onset),
                              ("diagnosis_date", "Diagnosis date", diagnosis)):
        if birth and day and day < birth:
            raise ValidationError({field: f"{label}: {day.isoformat()} is before the birth "
                                          f"date ({birth.isoformat()})."})
    if onset and diagnosis and diagnosis < onset and not confirmed:
        raise ValidationError({"diagnosis_date": (
            f"Diagnosis date: {diagnosis.isoformat()} is before the skin onset date "
            f"({onset.isoformat()}); the disease usually starts with the skin. If both dates "
            f"are right, tick \"{CONFIRM_DATES_LABEL}\".")})


def _records_before(patient: Patient, birth: date) -> list[str]:
    """Current visits and results dated before `birth`, oldest first, in words."""
    records = patient_records(patient)
    found = [(v.visit_on, "visit") for v in records.current_visits() if v.visit_on < birth]
    for section in all_sections():
        found += [(r.observed_on, str(r._meta.verbose_name))
                  for r in records.current(section.key) if r.observed_on < birth]
    return [f"{kind} of {day.isoformat()}" for day, kind in sorted(found)]


def _birth_check(patient: Patient, birth: date) -> None:
    before = _records_before(patient, birth)
    if before:
        shown = "; ".join(before[:5]) + (f"; and {len(before) - 5} more" if len(before) > 5
                                         else "")
        raise ValidationError({"birth_date": (
            f"Birth date: {birth.isoformat()} is after {len(before)} record(s) of this "
            f"patient: {shown}. Correct those dates, or mark them entered in error, first.")})


def _save(patient: Patient) -> None:
    patient.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError:  # the same MRN written by someone else a moment ago
        _mrn_check(patient.site, patient.mrn, exclude=patient.pk)
        raise


@transaction.atomic
def patient_create(*, actor, data: dict, evaluate: bool = True, dates_confirmed: bool = False,
                   token=None) -> Patient:
    """Register a patient at one of the actor's sites. Raises ValidationError keyed by
    field; AlreadySubmitted for a repeated form."""
    require(actor, Perm.PATIENT_WRITE)
    if data["site"].pk not in site_ids_of(actor):
        raise PermissionDenied("The site is not one of yours.")
    submission = submission_claim(actor=actor, token=token, scope="patient")
    data = {**data, "mrn": data["mrn"].strip()}
    _mrn_check(data["site"], data["mrn"])
    _dates_check(data, dates_confirmed)
    patient = Patient(created_by=actor, **data)
    patient._history_user = actor
    _save(patient)
    audit_record(actor=actor, action="patient.create", target=patient, patient=patient)
    submission_done(submission, patient)
    if evaluate:
        evaluation_after_commit(patient)
    return patient


@transaction.atomic
def patient_update(*, actor, patient: Patient, data: dict, expected_version: int | None = None,
                   dates_confirmed: bool = False) -> Patient:
    """Correct a patient's details; the previous values stay in the history. Moving a patient
    to another site is not an edit (the site is never changed here)."""
    require(actor, Perm.PATIENT_WRITE)
    current = Patient.objects.select_for_update().get(pk=patient.pk)
    if "site" in data and data["site"] != current.site:
        raise PermissionDenied("Moving a patient to another site is not a change of details.")
    version_check(current, expected_version, what="patient")
    data = {k: v for k, v in data.items() if k != "site"}
    if "mrn" in data:
        data["mrn"] = data["mrn"].strip()
        _mrn_check(current.site, data["mrn"], exclude=current.pk)
    _dates_check({"birth_date": current.birth_date, "skin_onset_date": current.skin_onset_date,
                  "diagnosis_date": current.diagnosis_date, **data}, dates_confirmed)
    if data.get("birth_date") and data["birth_date"] != current.birth_date:
        _birth_check(current, data["birth_date"])
    changed = changes_apply(current, data, actor=actor)
    _save(current)
    audit_record(actor=actor, action="patient.update", target=current, patient=current,
                 detail={"fields": changed})
    evaluation_after_commit(current)
    return current


def patient_view_log(*, actor, patient: Patient) -> None:
    """Viewing a record is itself recorded: who looked at whom, and when."""
    audit_record(actor=actor, action="patient.view", target=patient, patient=patient)
