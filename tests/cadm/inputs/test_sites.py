"""The services refuse a patient outside the actor's sites, whatever door called them
(issue 11 §1: "services ... enforce permission and site themselves"). The doors are left out:
these tests call the services directly, as the case loader, the API or a script would."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from cadm.inputs import Context, LabInput, MedicationInput
from cadm.models import LabResult, Medication, Visit
from cadm.sections import get_section
from cadm.services.corrections import record_mark_entered_in_error
from cadm.services.medications import medication_change_dose, medication_stop
from cadm.services.visits import (
    results_add,
    visit_mark_entered_in_error,
    visit_record,
    visit_update,
)

TODAY = dt.date.today()
DAY = dt.date(2025, 3, 1)


def lab_row():
    return (get_section("labs"), LabInput.parse({"analyte": "ck", "value": "100", "unit": "U/L"},
                                                context=Context(today=TODAY)))


def course_row():
    return (get_section("medications"), MedicationInput.parse(
        {"drug": "hydroxychloroquine", "dose_mg_per_day": "400"}, context=Context(today=TODAY)))


VISIT = {"visit_on": DAY, "skin": ["heliotrope"]}


def test_results_and_visits_are_refused_outside_the_actors_sites(patient, outsider):
    with pytest.raises(PermissionDenied, match="not at one of your sites"):
        results_add(actor=outsider, patient=patient, observed_on=DAY, rows=[lab_row()])
    with pytest.raises(PermissionDenied, match="not at one of your sites"):
        visit_record(actor=outsider, patient=patient, visit_data=VISIT, rows=[lab_row()])
    assert not LabResult.objects.exists() and not Visit.objects.exists()


def test_the_same_calls_pass_at_the_actors_site(patient, rheumatologist):
    assert results_add(actor=rheumatologist, patient=patient, observed_on=DAY,
                       rows=[lab_row()], evaluate=False)
    assert visit_record(actor=rheumatologist, patient=patient, visit_data=VISIT, rows=[],
                        evaluate=False)


def test_corrections_are_refused_outside_the_actors_sites(patient, rheumatologist, outsider):
    visit = visit_record(actor=rheumatologist, patient=patient, visit_data=VISIT,
                         rows=[lab_row(), course_row()], evaluate=False)
    lab, course = LabResult.objects.get(), Medication.objects.get()
    calls = [
        lambda: visit_update(actor=outsider, visit=visit, data={"notes": "x"},
                             expected_version=None),
        lambda: visit_mark_entered_in_error(actor=outsider, visit=visit, reason="wrong"),
        lambda: record_mark_entered_in_error(actor=outsider, patient=patient,
                                             section=get_section("labs"), record=lab,
                                             reason="typo"),
        lambda: medication_stop(actor=outsider, medication=course, data={"end_on": TODAY},
                                today=TODAY),
        lambda: medication_change_dose(actor=outsider, medication=course,
                                       data={"dose": Decimal("200"), "from_on": TODAY},
                                       today=TODAY),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match="not at one of your sites"):
            call()
    visit.refresh_from_db(), lab.refresh_from_db(), course.refresh_from_db()
    assert (visit.notes, visit.status, lab.status, course.end_on) == ("", "final", "final",
                                                                      None)
    assert Medication.objects.count() == 1


def test_a_result_is_corrected_only_under_its_own_patient(patient, rheumatologist, site):
    from cadm.exceptions import DomainError
    from tests.factories import PatientFactory

    other = PatientFactory(site=site, created_by=rheumatologist)
    (lab,) = results_add(actor=rheumatologist, patient=patient, observed_on=DAY,
                         rows=[lab_row()], evaluate=False)
    with pytest.raises(DomainError, match="another patient"):
        record_mark_entered_in_error(actor=rheumatologist, patient=other,
                                     section=get_section("labs"), record=lab, reason="typo")
