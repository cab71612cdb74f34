"""Registering (POST) and correcting (PATCH) a patient through the API: the values checked by
PatientInput (the page's messages, by field), the services' own checks (site, MRN, dates,
version), the pages' permissions by token and by session, Idempotency-Key and If-Match."""

import pytest
from rest_framework.test import APIClient

from cadm.models import AuditEvent, Patient
from tests.factories import PatientFactory

from .conftest import session_client, token_client

pytestmark = pytest.mark.django_db

CSRF = "a" * 32  # a well-formed CSRF secret, sent as cookie and header


def session_writer(user) -> APIClient:
    """A logged-in browser session that sends its CSRF token, as the docs page does."""
    client = session_client(user)
    client.cookies["csrftoken"] = CSRF
    client.credentials(HTTP_X_CSRFTOKEN=CSRF)
    return client


@pytest.fixture(params=["token", "session"])
def writer(request):
    return token_client if request.param == "token" else session_writer


BODY = {"site": "north", "mrn": "API-001", "family_name": "Apitest", "given_name": "Ada",
        "sex": "female", "birth_date": "1980-03-03", "skin_onset_date": "2024-12-01",
        "diagnosis_date": "2025-01-20"}


def _fields(response) -> dict:
    return response.json()["error"]["fields"]


# ---------------------------------------------------------------- POST


def test_a_rheumatologist_registers_a_patient_at_their_site(writer, rheumatologist, site):
    response = writer(rheumatologist).post("/api/v1/patients/", BODY, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    patient = Patient.objects.get(public_id=body["id"])
    assert (patient.site, patient.mrn, patient.created_by) == (site, "API-001", rheumatologist)
    assert body["site"] == "north" and body["version"] == 1
    assert response["ETag"] == '"1"'
    assert response["Location"].endswith(f"/api/v1/patients/{patient.public_id}/")
    assert AuditEvent.objects.filter(action="patient.create", patient=patient).count() == 1
    # The new patient reads back with the same ETag.
    detail = writer(rheumatologist).get(response["Location"])
    assert detail.status_code == 200 and detail["ETag"] == '"1"'


@pytest.mark.parametrize(("role", "expected"), [("dermatologist", 403), ("rules_admin", 403)])
def test_roles_without_patient_write_are_refused(role, expected, writer, request):
    user = request.getfixturevalue(role)
    response = writer(user).post("/api/v1/patients/", BODY, format="json")
    assert response.status_code == expected
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Patient.objects.exists()


def test_anonymous_is_401(api, site):
    response = api.post("/api/v1/patients/", BODY, format="json")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_session_writes_need_the_csrf_token(rheumatologist, site):
    response = session_client(rheumatologist).post("/api/v1/patients/", BODY, format="json")
    assert response.status_code == 403 and not Patient.objects.exists()


def test_the_site_must_be_one_of_the_callers(rheumatologist, site, other_site):
    client = token_client(rheumatologist)
    response = client.post("/api/v1/patients/", {**BODY, "site": "south"}, format="json")
    assert response.status_code == 400
    assert _fields(response) == {
        "site": ["Site: 'south' is not one of your sites; accepted: one of: north."]}
    missing = client.post("/api/v1/patients/", {k: v for k, v in BODY.items() if k != "site"},
                          format="json")
    assert _fields(missing) == {"site": ["Site: required; choose one of your sites."]}
    assert not Patient.objects.exists()


def test_every_refused_field_is_named_with_the_parsers_message(rheumatologist, site):
    response = token_client(rheumatologist).post(
        "/api/v1/patients/", {**BODY, "sex": "x", "site": "south", "family_name": ""},
        format="json")
    assert response.status_code == 400
    fields = _fields(response)
    assert fields["sex"] == ["Sex: 'x' is not one of the choices; accepted: one of: Female, "
                             "Male."]
    assert set(fields) == {"sex", "site", "family_name"}
    assert response.json()["error"]["code"] == "invalid"


def test_the_services_checks_mrn_and_date_order(rheumatologist, site):
    client = token_client(rheumatologist)
    assert client.post("/api/v1/patients/", BODY, format="json").status_code == 201
    again = client.post("/api/v1/patients/", {**BODY, "mrn": "api-001"}, format="json")
    assert again.status_code == 400 and "is already used at North Clinic" in \
        _fields(again)["mrn"][0]
    early = {**BODY, "mrn": "API-002", "diagnosis_date": "2024-11-01"}
    refused = client.post("/api/v1/patients/", early, format="json")
    assert refused.status_code == 400 and "before the skin onset date" in \
        _fields(refused)["diagnosis_date"][0]
    confirmed = client.post("/api/v1/patients/", {**early, "confirm_dates": True},
                            format="json")
    assert confirmed.status_code == 201


def test_unknown_fields_and_non_objects_are_refused(rheumatologist, site):
    client = token_client(rheumatologist)
    response = client.post("/api/v1/patients/", {**BODY, "notes": "x", "version": 3},
                           format="json")
    assert response.status_code == 400 and set(_fields(response)) == {"notes", "version"}
    assert client.post("/api/v1/patients/", [BODY], format="json").status_code == 400
    assert client.post("/api/v1/patients/", {**BODY, "confirm_dates": "yes"},
                       format="json").status_code == 400
    assert not Patient.objects.exists()


def test_a_retried_registration_creates_one_patient(writer, rheumatologist, site):
    client = writer(rheumatologist)
    first = client.post("/api/v1/patients/", BODY, format="json",
                        HTTP_IDEMPOTENCY_KEY="register-1")
    second = client.post("/api/v1/patients/", BODY, format="json",
                         HTTP_IDEMPOTENCY_KEY="register-1")
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert second["ETag"] == first["ETag"] and second["Location"] == first["Location"]
    assert Patient.objects.count() == 1
    other = client.post("/api/v1/patients/", {**BODY, "mrn": "API-009"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="register-1")
    assert other.status_code == 422 and Patient.objects.count() == 1


def test_a_refused_registration_keeps_no_claim(rheumatologist, site):
    """A refused request saved nothing: the same key with the corrected body runs."""
    client = token_client(rheumatologist)
    bad = client.post("/api/v1/patients/", {**BODY, "sex": "x"}, format="json",
                      HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 400
    fixed = client.post("/api/v1/patients/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed
    assert Patient.objects.count() == 1


# ---------------------------------------------------------------- PATCH


def _url(patient) -> str:
    return f"/api/v1/patients/{patient.public_id}/"


def test_patch_needs_if_match_and_refuses_a_stale_one(writer, rheumatologist, patient):
    client = writer(rheumatologist)
    change = {"given_name": "Ida"}
    missing = client.patch(_url(patient), change, format="json")
    assert missing.status_code == 428
    assert missing.json()["error"]["code"] == "precondition_required"
    stale = client.patch(_url(patient), change, format="json", HTTP_IF_MATCH='"7"')
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    patient.refresh_from_db()
    assert patient.given_name != "Ida" and patient.row_version == 1

    ok = client.patch(_url(patient), change, format="json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200, ok.content
    assert ok.json()["given_name"] == "Ida" and ok["ETag"] == '"2"'
    patient.refresh_from_db()
    assert patient.given_name == "Ida" and patient.row_version == 2
    audit = AuditEvent.objects.get(action="patient.update", patient=patient)
    assert audit.detail == {"fields": ["given_name"]}
    # The ETag read before the change is stale now.
    assert client.patch(_url(patient), {"given_name": "Eva"}, format="json",
                        HTTP_IF_MATCH='"1"').status_code == 412


def test_patch_is_partial_and_checked_by_the_parser(rheumatologist, patient):
    client = token_client(rheumatologist)
    response = client.patch(_url(patient), {"skin_onset_date": "1970-01-01"}, format="json",
                            HTTP_IF_MATCH='"1"')
    assert response.status_code == 400
    assert _fields(response)["skin_onset_date"][0].startswith(
        "Skin onset date: 1970-01-01 is before the patient's birth date (1980-03-03)")
    bad_sex = client.patch(_url(patient), {"sex": "x"}, format="json", HTTP_IF_MATCH='"1"')
    assert _fields(bad_sex) == {
        "sex": ["Sex: 'x' is not one of the choices; accepted: one of: Female, Male."]}
    patient.refresh_from_db()
    assert patient.row_version == 1


def test_patch_does_not_move_a_patient(rheumatologist, patient, other_site):
    rheumatologist.sites.add(other_site)
    response = token_client(rheumatologist).patch(_url(patient), {"site": "south"},
                                                  format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 400 and "site" in _fields(response)
    patient.refresh_from_db()
    assert patient.site.code == "north"


@pytest.mark.parametrize(("role", "expected"), [
    ("rheumatologist", 200), ("dermatologist", 403), ("rules_admin", 403), ("outsider", 404)])
def test_patch_permissions_by_role_and_site(role, expected, writer, request, patient):
    user = request.getfixturevalue(role)
    response = writer(user).patch(_url(patient), {"given_name": "Ida"}, format="json",
                                  HTTP_IF_MATCH='"1"')
    assert response.status_code == expected, response.content
    patient.refresh_from_db()
    assert (patient.given_name == "Ida") == (expected == 200)


def test_another_sites_patient_is_a_404_even_without_if_match(rheumatologist, other_site):
    other = PatientFactory(site=other_site, created_by=rheumatologist)
    response = token_client(rheumatologist).patch(_url(other), {"given_name": "X"},
                                                  format="json")
    assert response.status_code == 404


def test_patch_anonymous_is_401(api, patient):
    assert api.patch(_url(patient), {"given_name": "X"}, format="json",
                     HTTP_IF_MATCH='"1"').status_code == 401


def test_a_retried_correction_applies_once(writer, rheumatologist, patient):
    client = writer(rheumatologist)
    for _ in range(2):
        response = client.patch(_url(patient), {"family_name": "Retry"}, format="json",
                                HTTP_IF_MATCH='"1"', HTTP_IDEMPOTENCY_KEY="fix-1")
        assert response.status_code == 200 and response["ETag"] == '"2"'
    assert response["Idempotent-Replayed"] == "true"
    patient.refresh_from_db()
    assert patient.row_version == 2
    assert AuditEvent.objects.filter(action="patient.update", patient=patient).count() == 1


def test_query_counts_of_writes_do_not_grow_with_the_cohort(rheumatologist, site):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = token_client(rheumatologist)
    client.get("/api/v1/me/")  # the token's last use is written at most once a minute

    def register(mrn):
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/api/v1/patients/", {**BODY, "mrn": mrn}, format="json")
        assert response.status_code == 201
        return len(queries), response.json()["id"]

    def correct(public_id, version):
        with CaptureQueriesContext(connection) as queries:
            response = client.patch(f"/api/v1/patients/{public_id}/", {"given_name": "Z"},
                                    format="json", HTTP_IF_MATCH=f'"{version}"')
        assert response.status_code == 200
        return len(queries)

    first, first_id = register("Q-1")
    first_patch = correct(first_id, 1)
    for n in range(5):
        PatientFactory(site=site, created_by=rheumatologist, mrn=f"BULK-{n}")
    later, later_id = register("Q-2")
    assert later == first
    assert correct(later_id, 1) == first_patch


@pytest.mark.parametrize(("field", "value"), [
    ("diagnosis_date", [None, None]), ("birth_date", 19800303), ("skin_onset_date", True),
    ("sex", {"a": 1}), ("mrn", 12), ("site", ["north"])])
def test_json_values_of_another_type_are_refused_by_field_never_a_500(field, value,
                                                                     rheumatologist, site):
    response = token_client(rheumatologist).post("/api/v1/patients/", {**BODY, field: value},
                                                 format="json")
    if field == "mrn":  # a number is the text a form would send
        assert response.status_code == 201 and response.json()["mrn"] == "12"
        return
    assert response.status_code == 400, response.content
    assert list(_fields(response)) == [field]
