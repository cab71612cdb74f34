"""The Django admin (superusers only) records its reads of patient data as the product's
pages do: one row per page, naming the patient or linking the patients listed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cadm.models import AuditEvent, AuditReadLink, LabResult
from cadm.services.audit_reads import reads_of_patient
from tests.factories import PatientFactory


@pytest.fixture
def superuser(rheumatologist):
    rheumatologist.is_superuser = rheumatologist.is_staff = True
    rheumatologist.save()
    return rheumatologist


@pytest.fixture
def labs(site, superuser):
    patients = [PatientFactory(site=site, created_by=superuser) for _ in range(2)]
    return [LabResult.objects.create(patient=p, observed_on=dt.date(2026, 1, 5), analyte="ck",
                                     value=100, unit="U/L", value_normalised=100,
                                     unit_normalised="U/L", recorded_by=superuser)
            for p in patients]


def test_a_list_links_every_patient_shown(client, superuser, labs):
    client.force_login(superuser)
    before = AuditEvent.objects.count()
    assert client.get(reverse("admin:cadm_labresult_changelist")).status_code == 200
    [event] = AuditEvent.objects.order_by("-id")[:AuditEvent.objects.count() - before]
    assert (event.action, event.actor, event.detail["what"]) == (
        "patient.list_view", superuser, "admin:cadm.labresult:list")
    assert set(AuditReadLink.objects.filter(event=event).values_list("patient_id", flat=True)) \
        == {lab.patient_id for lab in labs}
    assert all(reads_of_patient(lab.patient).filter(pk=event.pk).exists() for lab in labs)


@pytest.mark.parametrize("page", ["change", "history"])
def test_one_row_names_its_patient(client, superuser, labs, page):
    client.force_login(superuser)
    before = AuditEvent.objects.count()
    url = reverse(f"admin:cadm_labresult_{page}", args=[labs[0].pk])
    assert client.get(url).status_code == 200
    [event] = AuditEvent.objects.order_by("-id")[:AuditEvent.objects.count() - before]
    assert (event.action, event.patient_id) == ("patient.view", labs[0].patient_id)
    assert event.detail["what"] == f"admin:cadm.labresult:{page}"


def test_the_patient_page_of_the_admin_is_recorded(client, superuser, labs):
    client.force_login(superuser)
    patient = labs[1].patient
    assert client.get(reverse("admin:cadm_patient_change", args=[patient.pk])).status_code == 200
    assert AuditEvent.objects.filter(action="patient.view", patient=patient,
                                     detail__what="admin:cadm.patient:change").count() == 1


def test_a_page_without_patients_records_nothing(client, superuser, site):
    client.force_login(superuser)
    before = AuditEvent.objects.count()
    assert client.get(reverse("admin:cadm_site_changelist")).status_code == 200
    assert AuditEvent.objects.count() == before
