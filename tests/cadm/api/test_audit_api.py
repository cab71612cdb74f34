"""GET /api/v1/audit/: superusers only (no permission covers the audit trail; the admin, the
only other reader, is for superusers too); patient rows only for patients of the caller's
sites; filters; pages; no free text; a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadm.models import AuditEvent
from cadm.services.api_tokens import api_token_create
from cadm.services.audit import audit_record
from cadm.services.patients import patient_view_log
from tests.factories import PatientFactory, UserFactory

from .conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/"


@pytest.fixture
def superuser(site):
    user = UserFactory(username="root", sites=[site])
    user.is_superuser = user.is_staff = True
    user.save()
    return user


@pytest.fixture
def trail(patient, other_site, rheumatologist):
    """A view of a patient here, one of a patient at another site, a token (not a patient's
    row, whose `name` is free text), and a row with a free-text comment."""
    other = PatientFactory(site=other_site, created_by=rheumatologist)
    patient_view_log(actor=rheumatologist, patient=patient)
    patient_view_log(actor=rheumatologist, patient=other)
    api_token_create(actor=rheumatologist, name="Dr Smith's laptop")
    audit_record(actor=rheumatologist, action="flag.dismiss", target=patient, patient=patient,
                 detail={"reason": "patient-ineligible", "comment": "free text"})
    return patient, other


def test_superusers_see_their_sites_patient_rows_and_the_others(as_user, superuser, trail):
    patient, other = trail
    body = as_user(superuser).get(URL).json()
    patients = {row["patient"] for row in body["results"]}
    assert str(patient.public_id) in patients and str(other.public_id) not in patients
    assert None in patients  # the token's row: about no patient
    assert body["count"] == AuditEvent.objects.exclude(patient=other).count()
    row = next(r for r in body["results"] if r["action"] == "patient.view")
    assert row == {"at": row["at"], "action": "patient.view", "actor": "rheum",
                   "target_type": "cadm.patient", "target": str(patient.public_id),
                   "patient": str(patient.public_id), "detail": {}}


def test_no_free_text_leaves(superuser, trail):
    body = token_client(superuser).get(URL).json()
    token_row = next(r for r in body["results"] if r["action"] == "api_token.create")
    assert set(token_row["detail"]) == {"prefix"}
    dismissed = next(r for r in body["results"] if r["action"] == "flag.dismiss")
    assert dismissed["detail"] == {"reason": "patient-ineligible"}
    assert "free text" not in str(body) and "laptop" not in str(body)


@pytest.mark.parametrize("role", ["rheumatologist", "dermatologist", "rules_admin"])
def test_clinicians_and_rules_admins_are_refused(role, as_user, request, trail):
    response = as_user(request.getfixturevalue(role)).get(URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_staff_without_superuser_is_refused(site, trail):
    staff = UserFactory(username="staff", sites=[site])
    staff.is_staff = True
    staff.save()
    assert token_client(staff).get(URL).status_code == 403


def test_anonymous_is_401(api):
    response = api.get(URL)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_filters(superuser, trail, rheumatologist):
    patient, other = trail
    client = token_client(superuser)

    def actions(**params):
        return [r["action"] for r in client.get(URL, params).json()["results"]]

    assert actions(action="patient.view") == ["patient.view"]
    assert set(actions(patient=str(patient.public_id))) == {"patient.view", "flag.dismiss"}
    assert actions(patient=str(other.public_id)) == []  # another site's patient: nothing
    assert set(actions(target=str(patient.public_id))) == {"patient.view", "flag.dismiss"}
    assert set(actions(action_prefix="api_token.")) == {"api_token.create"}
    assert actions(actor="nobody") == []
    bad = client.get(URL, {"patient": "not-a-uuid"})
    assert bad.status_code == 400 and "patient" in bad.json()["error"]["fields"]


def test_pages_newest_first(superuser, patient, rheumatologist):
    for _ in range(5):
        patient_view_log(actor=rheumatologist, patient=patient)
    client = token_client(superuser)
    first = client.get(URL, {"page_size": 2}).json()
    assert first["count"] >= 5 and len(first["results"]) == 2 and first["next"]
    ats = [r["at"] for r in client.get(URL, {"page_size": 200}).json()["results"]]
    assert ats == sorted(ats, reverse=True)


def test_query_count_does_not_grow_with_the_trail(superuser, patient, rheumatologist):
    client = token_client(superuser)
    client.get("/api/v1/me/")  # the token's last use is written at most once a minute

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    patient_view_log(actor=rheumatologist, patient=patient)
    few = count()
    for n in range(8):
        other = PatientFactory(site=patient.site, created_by=rheumatologist, mrn=f"A-{n}")
        patient_view_log(actor=UserFactory(), patient=other)
    assert count() == few
