"""Patients: registration and corrections of demographics and disease dates.

The values come as a PatientInput (cadm.inputs), parsed once by the door; permission and site
are checked here, whatever the door. Checks that need the database or the rest of the record
live here too, so every door (page, case file, API) gets them: the MRN is unique per site
whatever its case; a diagnosis before the skin onset must be confirmed; a birth date after
existing records is refused with the records named; an edit over someone else's newer save is
refused (optimistic concurrency).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cadm.exceptions import require
from cadm.inputs import Context, InputInvalid, PatientInput
from cadm.models import Flag, Patient
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


def _as_input(data: PatientInput | Mapping, *, partial: bool, confirmed: bool,
              birth_date: date | None = None) -> PatientInput:
    """The typed input. A mapping (a caller not moved to cadm.inputs yet: a shell, a test) is
    parsed here by the same parser, so nothing reaches the write unchecked."""
    if isinstance(data, PatientInput):
        return data
    context = Context(today=timezone.localdate(), birth_date=birth_date, confirmed=confirmed)
    try:
        return PatientInput.parse(data, context=context, partial=partial)
    except InputInvalid as exc:
        raise exc.as_validation_error() from None


def _may_write_at(actor, site, what: str) -> None:
    if site.pk not in site_ids_of(actor):
        raise PermissionDenied(f"{what} is not one of your sites.")


@transaction.atomic
def patient_create(*, actor, data: PatientInput | Mapping, evaluate: bool = True,
                   dates_confirmed: bool = False, token=None) -> Patient:
    """Register a patient at one of the actor's sites. Raises ValidationError keyed by
    field; AlreadySubmitted for a repeated form."""
    require(actor, Perm.PATIENT_WRITE)
    given = _as_input(data, partial=False, confirmed=dates_confirmed)
    _may_write_at(actor, given.site, "The site")
    submission = submission_claim(actor=actor, token=token, scope="patient")
    fields = given.changes()
    _mrn_check(given.site, given.mrn)
    _dates_check(fields, dates_confirmed or given.dates_confirmed)
    patient = Patient(created_by=actor, **fields)
    patient._history_user = actor
    _save(patient)
    audit_record(actor=actor, action="patient.create", target=patient, patient=patient)
    submission_done(submission, patient)
    if evaluate:
        evaluation_after_commit(patient)
    return patient


@transaction.atomic
def patient_update(*, actor, patient: Patient, data: PatientInput | Mapping,
                   expected_version: int | None = None,
                   dates_confirmed: bool = False) -> Patient:
    """Correct a patient's details; the previous values stay in the history.

    The actor must hold patient-write at the patient's site. A different `site` is a
    transfer: the record (with its visits, results and flags) is now kept by the target
    site's team and no longer seen at the old one. It is allowed only to an actor who may
    write at both sites, the MRN must be free at the target site, and it is audited as
    `patient.transfer`. The edit page never offers it (PatientForm drops the site field)."""
    require(actor, Perm.PATIENT_WRITE)
    current = Patient.objects.select_for_update().get(pk=patient.pk)
    _may_write_at(actor, current.site, "This patient's site")
    given = _as_input(data, partial=True, confirmed=dates_confirmed,
                      birth_date=current.birth_date)
    version_check(current, expected_version, what="patient")
    fields = given.changes()
    target = fields.pop("site", current.site)
    moving = target != current.site
    if moving:
        _may_write_at(actor, target, "The target site")
    mrn = fields.get("mrn", current.mrn)
    if "mrn" in fields or moving:
        _mrn_check(target, mrn, exclude=current.pk)
    _dates_check({"birth_date": current.birth_date, "skin_onset_date": current.skin_onset_date,
                  "diagnosis_date": current.diagnosis_date, **fields},
                 dates_confirmed or given.dates_confirmed)
    if fields.get("birth_date") and fields["birth_date"] != current.birth_date:
        _birth_check(current, fields["birth_date"])
    if moving:
        fields["site"] = target
        before = current.site
    changed = changes_apply(current, fields, actor=actor)
    _save(current)
    if moving:  # PostgreSQL's key on (patient, site) has cascaded already; SQLite has none
        Flag.objects.filter(patient=current).update(site=target)
    audit_record(actor=actor, action="patient.update", target=current, patient=current,
                 detail={"fields": changed})
    if moving:
        audit_record(actor=actor, action="patient.transfer", target=current, patient=current,
                     detail={"from": before.code, "to": target.code})
    evaluation_after_commit(current)
    return current


def patient_view_log(*, actor, patient: Patient) -> None:
    """Viewing a record is itself recorded: who looked at whom, and when."""
    audit_record(actor=actor, action="patient.view", target=patient, patient=patient)
