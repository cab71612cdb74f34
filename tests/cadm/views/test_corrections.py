"""A wrong result is marked entered in error, never overwritten: history, audit, rules."""

import datetime as dt

import pytest
from django.urls import reverse

from cadm.models import AuditEvent, Flag, LabResult
from cadm.services.evaluation import patient_reevaluate
from tests.factories import AntibodyFactory, LabResultFactory, VisitFactory

TODAY = dt.date.today()


def url(patient, section, record):
    return reverse("record-entered-in-error", args=[patient.public_id, section, record.public_id])


@pytest.fixture
def ck_patient(patient):
    """Recorded amyopathic, with one CK above the ULN: the rules suggest hypomyopathic."""
    patient.recorded_subtype = "amyopathic"
    patient.save()
    VisitFactory(patient=patient, visit_on=dt.date(2025, 1, 20), skin=["heliotrope"])
    lab = LabResultFactory(patient=patient, observed_on=dt.date(2025, 9, 1), value=450)
    patient_reevaluate(patient.pk)
    assert Flag.objects.get(patient=patient, code="RECLASSIFY").state == "open"
    return patient, lab


def test_marking_a_typo_keeps_the_row_and_clears_what_it_fired(
        rheum_client, rheumatologist, ck_patient, django_capture_on_commit_callbacks):
    patient, lab = ck_patient
    with django_capture_on_commit_callbacks(execute=True):
        response = rheum_client.post(url(patient, "labs", lab), {"reason": "typo: 45 U/L"})
    assert response.status_code == 302
    lab.refresh_from_db()
    assert (lab.status, lab.status_reason, lab.value) == ("entered_in_error", "typo: 45 U/L", 450)
    assert lab.history.first().history_user == rheumatologist and lab.history.count() == 2
    assert AuditEvent.objects.filter(action="record.entered_in_error").exists()
    assert Flag.objects.get(patient=patient, code="RECLASSIFY").state == "resolved"
    body = rheum_client.get(reverse("patient-detail", args=[patient.public_id])).content.decode()
    assert "Entered in error: typo: 45 U/L" in body
    assert LabResult.objects.filter(patient=patient).count() == 1


def test_a_reason_is_required(rheum_client, ck_patient):
    patient, lab = ck_patient
    rheum_client.post(url(patient, "labs", lab), {"reason": "  "})
    lab.refresh_from_db()
    assert lab.status == "final"


def test_dermatologist_cannot_mark_a_lab(derm_client, ck_patient):
    patient, lab = ck_patient
    assert derm_client.post(url(patient, "labs", lab), {"reason": "x"}).status_code == 403
    lab.refresh_from_db()
    assert lab.status == "final"


def test_another_sites_row_is_a_404(client, outsider, ck_patient):
    patient, lab = ck_patient
    client.force_login(outsider)
    assert client.post(url(patient, "labs", lab), {"reason": "x"}).status_code == 404


def test_rules_ignore_rows_entered_in_error(rheumatologist, patient):
    VisitFactory(patient=patient, visit_on=dt.date(2025, 1, 20), skin=["heliotrope"])
    AntibodyFactory(patient=patient, observed_on=dt.date(2025, 2, 1), status="entered_in_error")
    patient_reevaluate(patient.pk)
    assert not Flag.objects.filter(patient=patient, code="LUNG_BASELINE_MISSING").exists()
