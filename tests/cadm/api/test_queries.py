"""Query counts do not grow with the list size or with a patient's history."""

import pytest

from cadm.models import JobRun
from tests.factories import LabResultFactory, PatientFactory, VisitFactory

from .conftest import query_count, token_client

pytestmark = pytest.mark.django_db


def test_patient_list_constant(rheumatologist, site):
    client = token_client(rheumatologist)
    PatientFactory(site=site, created_by=rheumatologist)
    few = query_count(client, "/api/v1/patients/")
    for _ in range(15):
        patient = PatientFactory(site=site, created_by=rheumatologist)
        VisitFactory(patient=patient)
    assert query_count(client, "/api/v1/patients/") == few


def test_patient_detail_constant_with_history(rheumatologist, patient):
    client = token_client(rheumatologist)
    url = f"/api/v1/patients/{patient.public_id}/"
    before = query_count(client, url)
    for _ in range(10):
        VisitFactory(patient=patient)
        LabResultFactory(patient=patient)
    assert query_count(client, url) == before


def test_job_list_constant(rules_admin):
    client = token_client(rules_admin)
    JobRun.objects.create(kind="daily_sweep", created_by=rules_admin)
    few = query_count(client, "/api/v1/jobs/")
    for _ in range(15):
        JobRun.objects.create(kind="daily_sweep", created_by=rules_admin)
    assert query_count(client, "/api/v1/jobs/") == few


def test_token_list_and_me_constant(django_assert_max_num_queries, rheumatologist):
    client = token_client(rheumatologist)
    for path in ("/api/v1/tokens/", "/api/v1/me/"):
        few = query_count(client, path)
        client.post("/api/v1/tokens/", {"name": "more"}, format="json")
        assert query_count(client, path) == few
    with django_assert_max_num_queries(8):
        client.get("/api/v1/patients/")


def test_visit_and_result_details_constant_with_history(rheumatologist, patient):
    """A visit's detail and one result's detail, with 1 and with 11 visits of history."""
    client = token_client(rheumatologist)
    visit = VisitFactory(patient=patient)
    lab = LabResultFactory(patient=patient, visit=visit)
    urls = [f"/api/v1/patients/{patient.public_id}/visits/{visit.public_id}/",
            f"/api/v1/patients/{patient.public_id}/results/labs/{lab.public_id}/"]
    before = [query_count(client, url) for url in urls]
    for _ in range(10):
        LabResultFactory(patient=patient, visit=VisitFactory(patient=patient))
    assert [query_count(client, url) for url in urls] == before
