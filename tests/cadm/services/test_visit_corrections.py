"""Item 5 of issue 9: a visit is corrected (edited, or marked entered in error) with its
history kept; the rules stop reading an entered-in-error visit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from cadm.exceptions import ConcurrentEdit, DomainError
from cadm.models import AuditEvent, Flag, LabResult
from cadm.services.evaluation import patient_evaluation, patient_reevaluate
from cadm.services.visits import visit_mark_entered_in_error, visit_record, visit_update
from tests.factories import LabResultFactory, VisitFactory

TODAY = dt.date.today()
ONSET = dt.date(2024, 12, 1)


@pytest.fixture
def weak_visit(patient, rheumatologist):
    """An amyopathic patient's visit with a wrongly ticked weakness: classic DM for good."""
    patient.recorded_subtype = "amyopathic"
    patient.save()
    VisitFactory(patient=patient, visit_on=dt.date(2025, 1, 20))
    visit = visit_record(actor=rheumatologist, patient=patient, rows=[], evaluate=False,
                         visit_data={"visit_on": dt.date(2025, 9, 1), "skin": ["heliotrope"],
                                     "weakness": ["proximal_lower"], "symptoms": [],
                                     "assessed": ["skin", "strength", "symptoms"]})
    patient_reevaluate(patient.pk)
    assert patient_evaluation(patient, as_of=TODAY).classification.subtype == "classic_dm"
    return visit


def test_an_edit_corrects_the_examination_and_keeps_the_history(weak_visit, rheumatologist):
    visit = visit_update(actor=rheumatologist, visit=weak_visit, expected_version=1,
                         data={"weakness": [], "mmt8": 80})
    assert (visit.weakness, visit.mmt8, visit.row_version) == ([], 80, 2)
    assert [h.weakness for h in visit.history.order_by("history_date")] == \
        [["proximal_lower"], []]
    assert visit.history.first().history_user == rheumatologist
    assert AuditEvent.objects.filter(action="visit.update", target_id=str(visit.public_id))
    patient = visit.patient
    assert patient_evaluation(patient, as_of=TODAY).classification.subtype == "amyopathic"


def test_an_entered_in_error_visit_is_no_longer_read_by_the_rules(
        weak_visit, rheumatologist, django_capture_on_commit_callbacks):
    patient = weak_visit.patient
    assert Flag.objects.get(patient=patient, code="RECLASSIFY").state == "open"
    with django_capture_on_commit_callbacks(execute=True):
        visit = visit_mark_entered_in_error(actor=rheumatologist, visit=weak_visit,
                                            reason="wrong patient")
    assert (visit.status, visit.status_reason) == ("entered_in_error", "wrong patient")
    assert patient_evaluation(patient, as_of=TODAY).classification.subtype == "amyopathic"
    assert Flag.objects.get(patient=patient, code="RECLASSIFY").state == "resolved"
    assert visit.history.count() == 2


def test_the_results_recorded_with_a_wrong_visit_are_marked_with_it(
        patient, rheumatologist):
    visit = VisitFactory(patient=patient)
    lab = LabResultFactory(patient=patient, visit=visit)
    other = LabResultFactory(patient=patient)
    visit_mark_entered_in_error(actor=rheumatologist, visit=visit, reason="recorded twice")
    lab.refresh_from_db()
    other.refresh_from_db()
    assert lab.status == "entered_in_error" and "recorded twice" in lab.status_reason
    assert other.status == "final"


def test_a_reason_is_required_and_a_visit_is_marked_once(patient, rheumatologist):
    visit = VisitFactory(patient=patient)
    with pytest.raises(DomainError, match="Reason"):
        visit_mark_entered_in_error(actor=rheumatologist, visit=visit, reason="  ")
    visit_mark_entered_in_error(actor=rheumatologist, visit=visit, reason="typo")
    with pytest.raises(DomainError, match="already"):
        visit_mark_entered_in_error(actor=rheumatologist, visit=visit, reason="typo")
    with pytest.raises(DomainError, match="entered in error"):
        visit_update(actor=rheumatologist, visit=visit, data={"notes": "x"},
                     expected_version=None)


def test_an_edit_on_an_older_version_is_refused_naming_what_changed(
        patient, rheumatologist, dermatologist):
    visit = VisitFactory(patient=patient, assessed=["skin"], skin=["heliotrope"])
    visit_update(actor=dermatologist, visit=visit, data={"skin": ["gottron_sign"]},
                 expected_version=1)
    with pytest.raises(ConcurrentEdit) as refused:
        visit_update(actor=rheumatologist, visit=visit, data={"notes": "mine"},
                     expected_version=1)
    message = str(refused.value)
    assert "Not saved" in message and str(dermatologist) in message
    assert "Skin: now gottron sign" in message and refused.value.version == 2
    visit.refresh_from_db()
    assert visit.notes == "" and visit.skin == ["gottron_sign"]


def test_a_dermatologist_may_correct_skin_only_visits_only(patient, dermatologist):
    skin_only = VisitFactory(patient=patient, assessed=["skin"])
    visit_update(actor=dermatologist, visit=skin_only, data={"notes": "scalp"},
                 expected_version=None)
    full = VisitFactory(patient=patient)
    with pytest.raises(PermissionDenied):
        visit_update(actor=dermatologist, visit=full, data={"notes": "x"},
                     expected_version=None)
    with pytest.raises(PermissionDenied):
        visit_update(actor=dermatologist, visit=skin_only, data={"symptoms": ["fever"]},
                     expected_version=None)
    with pytest.raises(PermissionDenied):
        visit_mark_entered_in_error(actor=dermatologist, visit=full, reason="x")


def test_the_date_of_a_visit_with_results_cannot_move(patient, rheumatologist):
    visit = VisitFactory(patient=patient)
    LabResultFactory(patient=patient, visit=visit)
    with pytest.raises(DomainError, match="keep that date"):
        visit_update(actor=rheumatologist, visit=visit, expected_version=None,
                     data={"visit_on": dt.date(2025, 2, 1)})
    bare = VisitFactory(patient=patient)
    assert visit_update(actor=rheumatologist, visit=bare, expected_version=None,
                        data={"visit_on": dt.date(2025, 2, 1)}).visit_on == dt.date(2025, 2, 1)
    assert LabResult.objects.get().observed_on == dt.date(2025, 1, 20)
