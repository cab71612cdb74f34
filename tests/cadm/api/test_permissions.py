"""Role x endpoint x site, by token and by session: the same permissions as the pages."""

import pytest

from cadm.models import JobRun
from tests.factories import PatientFactory

from .conftest import session_client, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(rheumatologist, dermatologist, rules_admin):
    return {"rheumatologist": rheumatologist, "dermatologist": dermatologist,
            "rules_admin": rules_admin}


@pytest.fixture
def job(rules_admin):
    return JobRun.objects.create(kind="daily_sweep", created_by=rules_admin)


# (endpoint, role) -> status
MATRIX = {
    ("patients", "rheumatologist"): 200, ("patients", "dermatologist"): 200,
    ("patients", "rules_admin"): 403,
    ("patient", "rheumatologist"): 200, ("patient", "dermatologist"): 200,
    ("patient", "rules_admin"): 403,
    ("other_patient", "rheumatologist"): 404, ("other_patient", "dermatologist"): 404,
    ("other_patient", "rules_admin"): 403,
    ("jobs", "rheumatologist"): 403, ("jobs", "dermatologist"): 403, ("jobs", "rules_admin"): 200,
    ("job", "rheumatologist"): 403, ("job", "dermatologist"): 403, ("job", "rules_admin"): 200,
    ("me", "rheumatologist"): 200, ("me", "dermatologist"): 200, ("me", "rules_admin"): 200,
    ("tokens", "rheumatologist"): 200, ("tokens", "dermatologist"): 200,
    ("tokens", "rules_admin"): 200,
}


def _url(endpoint, patient, other, job):
    return {
        "patients": "/api/v1/patients/",
        "patient": f"/api/v1/patients/{patient.public_id}/",
        "other_patient": f"/api/v1/patients/{other.public_id}/",
        "jobs": "/api/v1/jobs/",
        "job": f"/api/v1/jobs/{job.public_id}/",
        "me": "/api/v1/me/",
        "tokens": "/api/v1/tokens/",
    }[endpoint]


@pytest.mark.parametrize(("endpoint", "role"), sorted(MATRIX))
def test_matrix(endpoint, role, users, as_user, patient, other_site, job):
    other = PatientFactory(site=other_site, created_by=patient.created_by)
    client = as_user(users[role])
    response = client.get(_url(endpoint, patient, other, job))
    assert response.status_code == MATRIX[(endpoint, role)], response.content
    if response.status_code >= 400:
        assert response.json()["error"]["status"] == response.status_code


@pytest.mark.parametrize("endpoint", sorted({e for e, _ in MATRIX}))
def test_anonymous_is_401_everywhere(endpoint, api, patient, other_site, job):
    other = PatientFactory(site=other_site, created_by=patient.created_by)
    response = api.get(_url(endpoint, patient, other, job))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_list_is_the_users_sites_only(as_user, rheumatologist, patient, other_site):
    PatientFactory(site=other_site, created_by=rheumatologist)
    body = as_user(rheumatologist).get("/api/v1/patients/").json()
    assert body["count"] == 1
    assert [p["id"] for p in body["results"]] == [str(patient.public_id)]


def test_patient_uses_uuid_and_etag(as_user, rheumatologist, patient):
    response = as_user(rheumatologist).get(f"/api/v1/patients/{patient.public_id}/")
    body = response.json()
    assert body["id"] == str(patient.public_id)
    assert not {"pk", "site_id", "created_by"} & set(body)
    assert response["ETag"] == f'"{patient.row_version}"'
    assert body["site"] == "north"


def test_search_filter_order_paginate(rheumatologist, site):
    for name, mrn in [("Alder", "A1"), ("Birch", "B2"), ("Cedar", "C3")]:
        PatientFactory(site=site, family_name=name, mrn=mrn, created_by=rheumatologist)
    client = session_client(rheumatologist)
    search = token_client(rheumatologist)  # a session's POST needs the CSRF token
    assert [p["family_name"] for p in search.post(
        "/api/v1/patients/search/", {"q": "birch"}, format="json").json()["results"]] == ["Birch"]
    assert [p["mrn"] for p in search.post(
        "/api/v1/patients/search/", {"q": "c3"}, format="json").json()["results"]] == ["C3"]
    assert [p["family_name"] for p in
            client.get("/api/v1/patients/?ordering=-family_name").json()["results"]] == \
        ["Cedar", "Birch", "Alder"]
    page = client.get("/api/v1/patients/?page_size=2&ordering=family_name").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert client.get("/api/v1/patients/?site=south").json()["count"] == 0
    bad = client.get("/api/v1/patients/?sex=robot")
    assert bad.status_code == 400
    assert "sex" in bad.json()["error"]["fields"]


def test_me(as_user, rheumatologist):
    body = as_user(rheumatologist).get("/api/v1/me/").json()
    assert body["username"] == "rheum"
    assert body["roles"] == ["rheumatologist"]
    assert "patient.view" in body["permissions"]
    assert body["sites"] == [{"code": "north", "name": "North Clinic"}]


def test_jobs_show_no_patient_data(as_user, rules_admin, job):
    job.params = {"patient_ids": [1, 2]}
    job.result = {"errors": ["patient 1"]}
    job.save()
    body = as_user(rules_admin).get("/api/v1/jobs/").json()
    assert body["results"][0]["id"] == str(job.public_id)  # never the database id
    assert not {"params", "result", "cursor", "claim"} & set(body["results"][0])


def test_view_without_required_perm_is_denied(rheumatologist):
    """Deny by default: a view that names no permission is refused to everyone."""
    from rest_framework.test import APIRequestFactory, force_authenticate
    from rest_framework.views import APIView

    class Forgetful(APIView):
        def get(self, request):  # pragma: no cover - never reached
            return None

    request = APIRequestFactory().get("/x")
    force_authenticate(request, rheumatologist)
    response = Forgetful.as_view()(request)
    assert response.status_code == 403


def test_every_api_view_names_its_permission():
    from cadm.api.permissions import ANY_USER
    from cadm.permissions import Perm
    from tests.cadm.api.test_matrix import routes

    for _, pattern in routes():  # the apps' included routes too
        perm = pattern.callback.view_class.required_perm
        assert isinstance(perm, Perm) or perm == ANY_USER, pattern.name


def test_a_job_is_not_found_by_its_database_id(as_user, rules_admin, job):
    assert as_user(rules_admin).get(f"/api/v1/jobs/{job.pk}/").status_code == 404
