import datetime as dt

import pytest
from django.urls import reverse

from cadm.models import AuditEvent, Patient
from tests.factories import PatientFactory
from tests.searching import searched

TODAY = dt.date.today()


def patient_data(site, **overrides):
    data = {
        "site": site.pk, "mrn": "N-0001", "family_name": "Example", "given_name": "Ada",
        "sex": "female", "birth_date": "1980-03-03", "skin_onset_date": "2024-12-01",
        "diagnosis_date": "2025-01-20", "recorded_subtype": "amyopathic", "notes": "",
    }
    data.update(overrides)
    return data


def test_rheumatologist_registers_a_patient(rheum_client, rheumatologist, site):
    response = rheum_client.post(reverse("patient-new"), patient_data(site))
    patient = Patient.objects.get(mrn="N-0001")
    assert response["Location"] == reverse("patient-detail", args=[patient.public_id])
    assert patient.created_by == rheumatologist
    assert patient.history.get().history_user == rheumatologist
    assert AuditEvent.objects.filter(action="patient.create", actor=rheumatologist).exists()


def test_cannot_register_at_a_site_that_is_not_yours(rheum_client, other_site):
    response = rheum_client.post(reverse("patient-new"), patient_data(other_site))
    assert response.status_code == 400
    body = response.content.decode()
    # Refused, and the user's own sites are the only ones named (here or in the select).
    assert "is not one of the choices; accepted: one of: North Clinic." in body
    assert "South Clinic" not in body
    assert not Patient.objects.exists()


def test_mrn_is_unique_per_site(rheum_client, site, patient):
    body = rheum_client.post(reverse("patient-new"), patient_data(site, mrn=patient.mrn)
                             ).content.decode()
    assert f"MRN: &#x27;{patient.mrn}&#x27; is already used at North Clinic;" in body


@pytest.mark.parametrize(("field", "value", "message"), [
    ("birth_date", (TODAY + dt.timedelta(days=1)).isoformat(), "is in the future"),
    ("skin_onset_date", "1980-03-02", "is before the patient&#x27;s birth date"),
    ("diagnosis_date", "1980-03-02", "is before the patient&#x27;s birth date"),
    ("skin_onset_date", (TODAY + dt.timedelta(days=1)).isoformat(), "is in the future"),
])
def test_patient_dates_are_checked(rheum_client, site, field, value, message):
    body = rheum_client.post(reverse("patient-new"), patient_data(site, **{field: value})
                             ).content.decode()
    assert message in body and not Patient.objects.exists()


@pytest.mark.parametrize("day", ["1980-03-03", TODAY.isoformat()])
def test_patient_dates_at_the_edges_are_accepted(rheum_client, site, day):
    # An onset today comes after the diagnosis of 2025-01-20: confirmed as intended.
    rheum_client.post(reverse("patient-new"), patient_data(site, skin_onset_date=day,
                                                           confirm_dates="on"))
    assert Patient.objects.filter(skin_onset_date=day).exists()


def test_editing_keeps_history_and_audits_changed_fields(rheum_client, rheumatologist, patient):
    data = patient_data(patient.site, mrn=patient.mrn, recorded_subtype="hypomyopathic")
    del data["site"]
    rheum_client.post(reverse("patient-edit", args=[patient.public_id]), data)
    patient.refresh_from_db()
    assert patient.recorded_subtype == "hypomyopathic"
    assert [h.recorded_subtype for h in patient.history.order_by("history_date")][-1] == \
        "hypomyopathic"
    assert patient.history.count() == 2
    event = AuditEvent.objects.get(action="patient.update")
    assert "recorded_subtype" in event.detail["fields"]


def test_viewing_a_patient_is_logged(rheum_client, rheumatologist, patient):
    rheum_client.get(reverse("patient-detail", args=[patient.public_id]))
    assert AuditEvent.objects.filter(action="patient.view", actor=rheumatologist,
                                     patient=patient).exists()


def test_search_by_mrn_and_by_name(rheum_client, site):
    PatientFactory(site=site, mrn="N-7", family_name="Lindqvist", given_name="Maja")
    PatientFactory(site=site, mrn="N-8", family_name="Okafor", given_name="Ngozi")
    by_mrn = searched(rheum_client, "patient-list", {"q": "n-7"}).content.decode()
    assert "Lindqvist" in by_mrn and "Okafor" not in by_mrn
    by_name = searched(rheum_client, "patient-list", {"q": "ngoz"}).content.decode()
    assert "Okafor" in by_name and "Lindqvist" not in by_name


def test_timeline_is_newest_first(rheum_client, patient):
    from tests.factories import VisitFactory
    VisitFactory(patient=patient, visit_on=dt.date(2025, 1, 20), notes="first visit")
    VisitFactory(patient=patient, visit_on=dt.date(2026, 2, 1), notes="second visit")
    body = rheum_client.get(reverse("patient-detail", args=[patient.public_id])).content.decode()
    assert body.index("second visit") < body.index("first visit")
