"""GET /api/v1/patients/<uuid>/state/: what the patient page derives (the same evaluation, not
a re-implementation), the live flags, the pages' permissions by role, site, token and session;
a constant number of queries as the history grows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cadm.models import AuditEvent
from cadm.selectors.flags import patient_live_flags
from cadm.services.evaluation import patient_evaluation, patient_reevaluate
from tests.cadm.rulesets.builders import mda5_patient
from tests.factories import (
    HrctFactory,
    LabResultFactory,
    PatientFactory,
    PftFactory,
    VisitFactory,
)

from .conftest import token_client

pytestmark = pytest.mark.django_db


def _url(patient) -> str:
    return f"/api/v1/patients/{patient.public_id}/state/"


@pytest.fixture
def evaluated(site, rheumatologist):
    patient = mda5_patient(site, rheumatologist)
    patient_reevaluate(patient.pk)
    return patient


def test_the_state_is_the_pages_evaluation_with_the_live_flags(as_user, rheumatologist,
                                                               evaluated):
    response = as_user(rheumatologist).get(_url(evaluated))
    assert response.status_code == 200, response.content
    body = response.json()
    expected = patient_evaluation(evaluated, as_of=timezone.localdate()).as_dict()
    assert body["patient"] == str(evaluated.public_id)
    for key in ("as_of", "rule_set_version", "classification", "antibodies_positive",
                "cancer_risk", "screening_plan"):
        assert body[key] == expected[key], key
    assert body["classification"]["eular_acr"]["category"]
    assert body["cancer_risk"]["tier"]
    live = patient_live_flags(evaluated)
    assert live, "the anti-MDA5 builder opens flags"
    assert [f["code"] for f in body["flags"]] == [f.code for f in live]
    assert body["flags"][0]["id"] == str(live[0].public_id)
    assert sum(body["flag_counts"].values()) == len(live)
    assert set(body["flag_counts"]) == {"critical", "warning", "info"}


def test_the_lung_schedule_is_explained_as_the_lung_panel_does(rheumatologist, evaluated,
                                                              client):
    """The panel's words, not the engine's raw dict: the anti-MDA5 patient has no baseline."""
    schedule = token_client(rheumatologist).get(_url(evaluated)).json()["lung_schedule"]
    assert schedule["status"] == "baseline_missing"
    assert schedule["explanation"].startswith("Anti-MDA5 positive without a baseline PFT")
    client.force_login(rheumatologist)
    page = client.get(f"/patients/{evaluated.public_id}/").content.decode()
    assert schedule["explanation"].split(" (from")[0] in page


def test_a_scheduled_pft_says_when_and_why(rheumatologist, evaluated):
    PftFactory(patient=evaluated, observed_on=timezone.localdate() - dt.timedelta(days=10))
    HrctFactory(patient=evaluated, observed_on=timezone.localdate() - dt.timedelta(days=10))
    patient_reevaluate(evaluated.pk)
    schedule = token_client(rheumatologist).get(_url(evaluated)).json()["lung_schedule"]
    expected = patient_evaluation(evaluated, as_of=timezone.localdate()).as_dict()
    assert schedule["interval_days"] == expected["lung_schedule"]["interval_days"]
    assert schedule["next_due"] == expected["lung_schedule"]["next_pft_due"]
    assert schedule["status"] in ("scheduled", "due_soon")
    assert schedule["explanation"].startswith(f"Next PFT due {schedule['next_due']}")


def test_reading_the_state_is_recorded_as_a_view(rheumatologist, evaluated):
    token_client(rheumatologist).get(_url(evaluated))
    assert AuditEvent.objects.filter(action="patient.view", patient=evaluated,
                                     actor=rheumatologist).count() == 1


MATRIX = [("rheumatologist", "own", 200), ("dermatologist", "own", 200),
          ("rules_admin", "own", 403), ("outsider", "own", 404),
          ("rheumatologist", "other", 404), ("dermatologist", "other", 404),
          ("outsider", "other", 200)]


@pytest.mark.parametrize(("role", "which", "expected"), MATRIX)
def test_roles_and_sites(role, which, expected, as_user, request, patient, other_site,
                         rheumatologist):
    other = PatientFactory(site=other_site, created_by=rheumatologist)
    target = patient if which == "own" else other
    response = as_user(request.getfixturevalue(role)).get(_url(target))
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["error"]["status"] == expected
        assert not AuditEvent.objects.filter(action="patient.view").exists()


def test_anonymous_is_401(api, patient):
    response = api.get(_url(patient))
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_query_count_does_not_grow_with_the_history(rheumatologist, evaluated):
    client = token_client(rheumatologist)
    client.get("/api/v1/me/")  # the token's last use is written at most once a minute

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(evaluated)).status_code == 200
        return len(queries)

    few = count()
    today = dt.date.today()
    for n in range(6):
        day = today - dt.timedelta(days=200 - 20 * n)
        VisitFactory(patient=evaluated, visit_on=day)
        LabResultFactory(patient=evaluated, observed_on=day)
        PftFactory(patient=evaluated, observed_on=day)
    patient_reevaluate(evaluated.pk)
    assert count() == few
