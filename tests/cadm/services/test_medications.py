"""Items 6, 7 and 9 of issue 9: current courses are stopped or their dose changed in one step;
a drug already stopped can be recorded; doses have a typo guard from the rule set."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from cadm.exceptions import DomainError, RowInvalid
from cadm.inputs import Context, MedicationInput
from cadm.models import Medication
from cadm.rules.params import DEFAULTS
from cadm.sections import get_section
from cadm.services.evaluation import patient_evaluation
from cadm.services.medications import medication_change_dose, medication_stop
from cadm.services.visits import results_add, visit_record

TODAY = dt.date.today()
HCQ_MAX = DEFAULTS["entry.max_dose_mg_per_day.hydroxychloroquine"]


def new_course(**raw) -> MedicationInput:
    """A row as every door hands it to the services: parsed (no rule set in the context, so
    the service's own dose guard is what refuses)."""
    return MedicationInput.parse(raw, context=Context(today=TODAY))


def stop(actor, medication, end_on):
    return medication_stop(actor=actor, medication=medication, data={"end_on": end_on},
                           today=TODAY)


def change(actor, medication, dose, from_on):
    return medication_change_dose(actor=actor, medication=medication,
                                  data={"dose": dose, "from_on": from_on}, today=TODAY)


def course(actor, patient, *, start=dt.date(2020, 1, 1), dose="400", end=None) -> Medication:
    (row,) = results_add(actor=actor, patient=patient, observed_on=start, rows=[
        (get_section("medications"), new_course(drug="hydroxychloroquine",
                                                dose_mg_per_day=Decimal(dose), end_on=end))],
        evaluate=False)
    return row


def test_a_dose_change_ends_the_course_and_starts_the_next_the_same_day(
        patient, rheumatologist):
    first = course(rheumatologist, patient)
    new = change(rheumatologist, first, Decimal("200"), dt.date(2025, 6, 1))
    first.refresh_from_db()
    assert first.end_on == dt.date(2025, 5, 31) and first.history.count() == 2
    assert (new.drug, new.dose_mg_per_day, new.observed_on, new.end_on) == \
        ("hydroxychloroquine", Decimal("200"), dt.date(2025, 6, 1), None)


def test_a_dose_change_keeps_the_retinal_screening_clock(patient, rheumatologist):
    """The bug: a new course for a dose change made HCQ_EYE_SCREENING_DUE vanish."""
    first = course(rheumatologist, patient)
    assert patient_evaluation(patient, as_of=TODAY).flag("HCQ_EYE_SCREENING_DUE")
    change(rheumatologist, first, Decimal("200"), TODAY - dt.timedelta(days=30))
    flag = patient_evaluation(patient, as_of=TODAY).flag("HCQ_EYE_SCREENING_DUE")
    assert flag and "since 2020-01-01" in flag.detail


def test_stopping_a_course(patient, rheumatologist):
    first = course(rheumatologist, patient)
    stop(rheumatologist, first, TODAY)
    first.refresh_from_db()
    assert first.end_on == TODAY
    with pytest.raises(DomainError, match="already stopped"):
        stop(rheumatologist, first, TODAY)
    with pytest.raises(DomainError, match="stopped on"):
        change(rheumatologist, first, Decimal("200"), TODAY)


@pytest.mark.parametrize(("day", "message"), [
    (dt.date(2019, 12, 31), "before the start of the course"),
    (TODAY + dt.timedelta(days=1), "in the future"),
])
def test_dates_outside_the_course_are_refused(patient, rheumatologist, day, message):
    first = course(rheumatologist, patient)
    with pytest.raises(DomainError, match=message):
        stop(rheumatologist, first, day)
    with pytest.raises(DomainError):
        change(rheumatologist, first, Decimal("200"), day)


def test_a_dose_change_on_the_first_day_is_a_correction(patient, rheumatologist):
    first = course(rheumatologist, patient)
    with pytest.raises(DomainError, match="entered in error"):
        change(rheumatologist, first, Decimal("200"), first.observed_on)


@pytest.mark.parametrize(("dose", "refused"), [
    (HCQ_MAX - 1, False), (HCQ_MAX, False), (HCQ_MAX + 1, True), (40000, True)])
def test_the_dose_guard_of_the_rule_set(patient, rheumatologist, dose, refused):
    first = course(rheumatologist, patient)
    if refused:
        with pytest.raises(DomainError, match=f"{dose} mg/day is outside the accepted range "
                                              f"for hydroxychloroquine: above 0 up to "
                                              f"{HCQ_MAX} mg/day"):
            change(rheumatologist, first, Decimal(dose), TODAY)
        with pytest.raises(RowInvalid) as row:
            course(rheumatologist, patient, dose=str(dose))
        assert "dose_mg_per_day" in row.value.error.message_dict
    else:
        change(rheumatologist, first, Decimal(dose), TODAY)


def test_a_drug_already_stopped_is_recorded_with_its_own_dates(patient, rheumatologist):
    """The bug: an end date before the visit date (start left blank) was a 500 and the whole
    visit was lost. With its start date it is saved; without it, the refusal says why."""
    given = {"drug": "prednisolone", "dose_mg_per_day": Decimal("10"),
             "observed_on": dt.date(2024, 1, 1), "end_on": dt.date(2024, 6, 30)}
    rows = [(get_section("medications"), new_course(**given))]
    visit = visit_record(actor=rheumatologist, patient=patient, rows=rows, evaluate=False,
                         visit_data={"visit_on": dt.date(2025, 3, 1), "skin": ["heliotrope"]})
    row = Medication.objects.get(visit=visit)
    assert (row.observed_on, row.end_on) == (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    given.pop("observed_on")
    rows = [(get_section("medications"), new_course(**given))]
    with pytest.raises(RowInvalid) as refused:
        visit_record(actor=rheumatologist, patient=patient, rows=rows, evaluate=False,
                     visit_data={"visit_on": dt.date(2025, 3, 2), "skin": ["heliotrope"]})
    message = refused.value.error.message_dict["end_on"][0]
    assert "End date: 2024-06-30 is before the start date (2025-03-02, the date of the " \
           "visit" in message and "enter the date the course started" in message
    assert Medication.objects.count() == 1


def test_a_colleague_cannot_stop_a_course_of_another_role(patient, dermatologist,
                                                          rheumatologist):
    first = course(rheumatologist, patient)
    with pytest.raises(PermissionDenied):
        stop(dermatologist, first, TODAY)
