"""Items 10, 11 and 14 of issue 9: dates that contradict each other, MRNs unique whatever
their case, and two people editing one patient."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from cadm.exceptions import ConcurrentEdit
from cadm.models import Flag, Patient, RuleSetVersion
from cadm.services.classification import reclassification_accept
from cadm.services.patients import patient_create, patient_update
from tests.factories import LabResultFactory, PatientFactory, UserFactory, VisitFactory


def new(actor, site, **fields):
    data = {"site": site, "mrn": "eval-001", "family_name": "Example", "given_name": "Ada",
            "sex": "female", "birth_date": dt.date(1980, 3, 3),
            "skin_onset_date": dt.date(2024, 12, 1), "diagnosis_date": dt.date(2025, 1, 20)}
    return patient_create(actor=actor, data={**data, **fields}, evaluate=False)


@pytest.mark.parametrize(("mrn", "message"), [
    ("EVAL-001", "MRN: 'EVAL-001' is already used at North Clinic (as 'eval-001');"),
    ("Eval-001", "MRN: 'Eval-001' is already used at North Clinic (as 'eval-001');"),
    (" eval-001 ", "MRN: 'eval-001' is already used at North Clinic;"),
])
def test_an_mrn_is_unique_per_site_whatever_its_case(rheumatologist, site, mrn, message):
    new(rheumatologist, site)
    with pytest.raises(ValidationError) as refused:
        new(rheumatologist, site, mrn=mrn)
    assert refused.value.message_dict["mrn"][0].startswith(message)
    assert Patient.objects.count() == 1


def test_the_same_mrn_at_another_site_is_another_patient(rheumatologist, site, other_site):
    rheumatologist.sites.add(other_site)
    new(rheumatologist, site)
    assert new(rheumatologist, other_site, mrn="EVAL-001").site == other_site


def test_the_database_refuses_a_case_variant_too(site, rheumatologist):
    PatientFactory(site=site, mrn="abc-1", created_by=rheumatologist)
    with pytest.raises(IntegrityError), transaction.atomic():
        PatientFactory(site=site, mrn="ABC-1", created_by=rheumatologist)


def test_a_diagnosis_before_the_skin_onset_needs_a_confirmation(rheumatologist, site):
    with pytest.raises(ValidationError) as refused:
        new(rheumatologist, site, diagnosis_date=dt.date(2024, 11, 30))
    message = refused.value.message_dict["diagnosis_date"][0]
    assert "2024-11-30 is before the skin onset date (2024-12-01)" in message
    assert "confirm" in message
    patient = patient_create(actor=rheumatologist, evaluate=False, dates_confirmed=True, data={
        "site": site, "mrn": "x1", "family_name": "A", "given_name": "B", "sex": "male",
        "birth_date": dt.date(1970, 1, 1), "skin_onset_date": dt.date(2024, 12, 1),
        "diagnosis_date": dt.date(2024, 11, 30)})
    assert patient.diagnosis_date == dt.date(2024, 11, 30)
    new(rheumatologist, site, mrn="same-day", diagnosis_date=dt.date(2024, 12, 1))


def test_a_birth_date_after_existing_records_is_refused_naming_them(patient, rheumatologist):
    VisitFactory(patient=patient, visit_on=dt.date(2025, 1, 20))
    LabResultFactory(patient=patient, observed_on=dt.date(2025, 3, 1))
    error = LabResultFactory(patient=patient, observed_on=dt.date(2025, 2, 1),
                             status="entered_in_error")
    assert error.status == "entered_in_error"
    with pytest.raises(ValidationError) as refused:
        patient_update(actor=rheumatologist, patient=patient,
                       data={"birth_date": dt.date(2025, 6, 1),
                             "skin_onset_date": dt.date(2025, 6, 1),
                             "diagnosis_date": dt.date(2025, 6, 1)})
    message = refused.value.message_dict["birth_date"][0]
    assert "2025-06-01 is after 2 record(s) of this patient: visit of 2025-01-20; " \
           "lab result of 2025-03-01" in message
    patient.refresh_from_db()
    assert patient.birth_date == dt.date(1980, 3, 3)


def test_a_second_edit_on_the_same_version_is_refused_naming_what_changed(
        patient, rheumatologist, site):
    colleague = UserFactory(username="rheum2", role="rheumatologist", sites=[site])
    patient_update(actor=colleague, patient=patient, expected_version=1,
                   data={"notes": "moved to Lyon", "refractory_disease": True})
    with pytest.raises(ConcurrentEdit) as refused:
        patient_update(actor=rheumatologist, patient=patient, expected_version=1,
                       data={"notes": "my note"})
    message = str(refused.value)
    assert str(colleague) in message and "Notes: now moved to Lyon" in message
    assert "Refractory disease: now True" in message
    patient.refresh_from_db()
    assert (patient.notes, patient.row_version) == ("moved to Lyon", 2)


def test_an_accepted_reclassification_counts_as_a_change(patient, rheumatologist):
    flag = Flag.objects.create(
        patient=patient, code="RECLASSIFY", severity="warning", severity_rank=1, summary="s",
        detail="d", citation="c", evidence_label="VERIFIED-S", evidence_digest="x",
        extra={"from": "", "to": "classic_dm"}, opened_at=patient.created_at,
        updated_at=patient.created_at, ruleset=RuleSetVersion.objects.get(number=1))
    reclassification_accept(actor=rheumatologist, flag=flag)
    with pytest.raises(ConcurrentEdit, match="Recorded subtype: now Classic dermatomyositis"):
        patient_update(actor=rheumatologist, patient=patient, expected_version=1,
                       data={"recorded_subtype": ""})


def test_the_site_never_moves_through_an_edit(patient, rheumatologist, other_site):
    with pytest.raises(PermissionDenied):
        patient_update(actor=rheumatologist, patient=patient, data={"site": other_site})


def test_the_edit_page_refuses_a_stale_form(rheum_client, patient, site):
    url = reverse("patient-edit", args=[patient.public_id])
    form = {"mrn": patient.mrn, "family_name": "Renamed", "given_name": patient.given_name,
            "sex": "female", "birth_date": "1980-03-03", "skin_onset_date": "2024-12-01",
            "diagnosis_date": "2025-01-20", "recorded_subtype": "", "notes": "",
            "row_version": "1"}
    colleague = UserFactory(username="rheum2", role="rheumatologist", sites=[site])
    patient_update(actor=colleague, patient=patient, data={"given_name": "Bea"},
                   expected_version=1)
    response = rheum_client.post(url, form)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Not saved" in body and "Given name: now Bea" in body
    patient.refresh_from_db()
    assert patient.family_name != "Renamed"
    form["row_version"] = "2"
    assert rheum_client.post(url, form).status_code == 302
