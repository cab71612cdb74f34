"""Medication courses: the typo guard of every new course, and the two changes clinicians
make to a course in one step: stop it, or change its dose (which ends the course and starts
the next one the following day, so continuous use is kept: cadm.rules.criteria.hcq)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from cadm.exceptions import DomainError, require, require_patient_site
from cadm.inputs import Context, CourseStopInput, DoseChangeInput
from cadm.inputs.medications import dose_refusal
from cadm.models import Medication, RecordStatus, RuleSetVersion
from cadm.permissions import Perm
from cadm.selectors.rulesets import ruleset_active

from .audit import audit_record
from .evaluation import evaluation_after_commit
from .submissions import submission_claim, submission_done


def dose_check(drug: str, dose: Decimal | None, ruleset: RuleSetVersion) -> str | None:
    """The refusal of a daily dose, or None: the rule set's typo guard
    (cadm.inputs.medications.dose_refusal, shared with the case-file commands)."""
    return dose_refusal(drug, dose, rule_params=ruleset.params, rule_set=ruleset.number)


def medication_row_check(fields: dict, *, default_start: date,
                         ruleset: RuleSetVersion) -> None:
    """Checks of a new course that need more than its own row: the start date defaults to
    the visit's (or the results') date, and the dose guard comes from the rule set. Raises
    ValidationError keyed by field."""
    given = fields.get("observed_on")
    start, end = given or default_start, fields.get("end_on")
    problems = {}
    if end and end < start:
        why = "" if given else ", the date of the visit or results, as no start date was given"
        problems["end_on"] = (f"End date: {end.isoformat()} is before the start date "
                              f"({start.isoformat()}{why}); enter the date the course "
                              f"started, or correct the end date.")
    refusal = dose_check(fields.get("drug", ""), fields.get("dose_mg_per_day"), ruleset)
    if refusal:
        problems["dose_mg_per_day"] = refusal
    if problems:
        raise ValidationError(problems)


def _current(medication: Medication) -> Medication:
    """The row, locked: two clinicians stopping the same course at once cannot both win."""
    locked = Medication.objects.select_for_update().get(pk=medication.pk)
    if locked.status == RecordStatus.ENTERED_IN_ERROR:
        raise DomainError("This course is marked as entered in error.")
    return locked


def _before_start(label: str, day: date, course: Medication) -> None:
    if day < course.observed_on:
        raise DomainError(f"{label}: {day.isoformat()} is before the start of the course "
                          f"({course.observed_on.isoformat()}).")


def _context(course: Medication, today: date, ruleset: RuleSetVersion | None = None
             ) -> Context:
    if ruleset is None:
        return Context(today=today, birth_date=course.patient.birth_date)
    return Context(today=today, birth_date=course.patient.birth_date,
                   rule_params=ruleset.params, rule_set=ruleset.number)


@transaction.atomic
def medication_stop(*, actor, medication: Medication, data: CourseStopInput | Mapping,
                    today: date, token=None) -> Medication:
    """The course ends on `data.end_on` (its last day taken). `data`: the typed input, or
    the raw values, parsed here by the same parser (InputInvalid, a DomainError)."""
    require(actor, Perm.RESULT_RECORD)
    require_patient_site(actor, medication.patient)
    submission = submission_claim(actor=actor, token=token, scope="medication-stop")
    course = _current(medication)
    if course.end_on is not None:
        raise DomainError(f"This course was already stopped on {course.end_on.isoformat()}.")
    stop = data if isinstance(data, CourseStopInput) else \
        CourseStopInput.parse(data, context=_context(course, today))
    _before_start("End date", stop.end_on, course)
    end_on = stop.end_on
    course.end_on = end_on
    course._history_user = actor
    course.save(update_fields=["end_on"])
    audit_record(actor=actor, action="medication.stop", target=course, patient=course.patient)
    submission_done(submission, course)
    evaluation_after_commit(course.patient)
    return course


@transaction.atomic
def medication_change_dose(*, actor, medication: Medication, data: DoseChangeInput | Mapping,
                           today: date, token=None) -> Medication:
    """The current course ends the day before `data.from_on`; a new course of the same drug
    starts on `from_on` with the new dose. Returns the new course. `data`: the typed input,
    or the raw values, parsed here with the active rule set's dose guard."""
    require(actor, Perm.RESULT_RECORD)
    require_patient_site(actor, medication.patient)
    submission = submission_claim(actor=actor, token=token, scope="medication-dose")
    course = _current(medication)
    if course.end_on is not None:
        raise DomainError(f"This course was stopped on {course.end_on.isoformat()}: record a "
                          f"new course instead.")
    ruleset = ruleset_active()
    change = data if isinstance(data, DoseChangeInput) else \
        DoseChangeInput.parse(data, context=_context(course, today, ruleset), drug=course.drug)
    dose, from_on = change.dose, change.from_on
    _before_start("New dose from", from_on, course)
    if from_on == course.observed_on:
        raise DomainError(f"New dose from: {from_on.isoformat()} is the day the course "
                          f"started; if its dose was entered wrongly, mark the course entered "
                          f"in error and record it again.")
    # An input parsed by a door may predate an activation: the active version decides.
    refusal = dose_check(course.drug, dose, ruleset)
    if refusal:
        raise DomainError(refusal)
    course.end_on = from_on - timedelta(days=1)
    course._history_user = actor
    course.save(update_fields=["end_on"])
    new = Medication(patient=course.patient, drug=course.drug, drug_detail=course.drug_detail,
                     dose_mg_per_day=dose, observed_on=from_on, recorded_by=actor)
    new._history_user = actor
    new.full_clean()
    new.save()
    audit_record(actor=actor, action="medication.dose_change", target=new,
                 patient=course.patient, detail={"previous": str(course.public_id)})
    submission_done(submission, new)
    evaluation_after_commit(course.patient)
    return new

