"""The flags API: the worklist's filters, a flag with its history, and the reviewers' actions
through the same services (and messages) as the flag page; site isolation; idempotent
retries; constant query counts."""

import datetime as dt

import pytest

from cadm.models import Flag, FlagAction
from cadm.services.evaluation import patient_reevaluate
from tests.cadm.api.conftest import query_count, session_client, token_client
from tests.cadm.rulesets.builders import mda5_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(site, rheumatologist):
    patient = mda5_patient(site, rheumatologist)
    patient_reevaluate(patient.pk)
    return Flag.objects.filter(patient=patient).order_by("severity_rank", "code").first()


@pytest.fixture
def other_flag(other_site):
    from tests.factories import UserFactory

    creator = UserFactory(username="rheum-south", role="rheumatologist", sites=[other_site])
    patient = mda5_patient(other_site, creator)
    patient_reevaluate(patient.pk)
    return Flag.objects.filter(patient=patient).first()


def test_worklist_lists_own_sites_flags_with_the_pages_filters(flag, other_flag, dermatologist):
    client = token_client(dermatologist)
    body = client.get("/api/v1/flags/", {"state": "all"}).json()
    ids = {row["id"] for row in body["results"]}
    assert str(flag.public_id) in ids and str(other_flag.public_id) not in ids
    row = next(r for r in body["results"] if r["id"] == str(flag.public_id))
    assert row["patient"] == str(flag.patient.public_id) and row["ruleset"] == 1
    only = client.get("/api/v1/flags/", {"state": "all", "code": flag.code}).json()
    assert {r["code"] for r in only["results"]} == {flag.code}


def test_a_bad_filter_is_a_400_naming_the_field(flag, dermatologist):
    response = token_client(dermatologist).get("/api/v1/flags/", {"severity": "purple"})
    assert response.status_code == 400
    assert "severity" in response.json()["error"]["fields"]


def test_another_sites_flag_is_a_404_and_rules_admins_are_refused(flag, other_flag,
                                                                   dermatologist, rules_admin):
    client = token_client(dermatologist)
    assert client.get(f"/api/v1/flags/{other_flag.public_id}/").status_code == 404
    assert client.post(f"/api/v1/flags/{other_flag.public_id}/acknowledge/", {},
                       format="json").status_code == 404
    assert token_client(rules_admin).get("/api/v1/flags/").status_code == 403


def test_acknowledge_through_the_service_and_the_history_shows_it(flag, dermatologist):
    client = token_client(dermatologist)
    response = client.post(f"/api/v1/flags/{flag.public_id}/acknowledge/",
                           {"comment": "Seen"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "acknowledged"
    detail = client.get(f"/api/v1/flags/{flag.public_id}/").json()
    assert [a["kind"] for a in detail["actions"]] == ["opened", "acknowledged"]
    assert detail["actions"][1]["actor"] == dermatologist.username


def test_dismiss_needs_an_hl7_reason_with_the_pages_message(flag, dermatologist):
    client = token_client(dermatologist)
    response = client.post(f"/api/v1/flags/{flag.public_id}/dismiss/",
                           {"reason": "bored", "comment": "x"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]
    assert Flag.objects.get(pk=flag.pk).state == "open"
    ok = client.post(f"/api/v1/flags/{flag.public_id}/dismiss/",
                     {"reason": "patient-ineligible", "comment": "Other cause"}, format="json")
    assert ok.status_code == 200 and ok.json()["state"] == "dismissed"


def test_snooze_beyond_the_rule_sets_limit_is_refused_by_the_service(flag, dermatologist):
    until = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    response = token_client(dermatologist).post(
        f"/api/v1/flags/{flag.public_id}/snooze/", {"until": until, "comment": "later"},
        format="json")
    assert response.status_code == 400
    assert "outside the accepted range" in str(response.json()["error"])


def test_a_retried_action_acts_once(flag, dermatologist):
    client = token_client(dermatologist)
    for _ in range(2):
        response = client.post(f"/api/v1/flags/{flag.public_id}/comment/",
                               {"comment": "Called the patient"}, format="json",
                               HTTP_IDEMPOTENCY_KEY="retry-1")
        assert response.status_code == 200
    assert response["Idempotent-Replayed"] == "true"
    assert FlagAction.objects.filter(flag=flag, kind="commented").count() == 1


def test_session_writes_need_the_csrf_token(flag, dermatologist):
    response = session_client(dermatologist).post(
        f"/api/v1/flags/{flag.public_id}/acknowledge/", {}, format="json")
    assert response.status_code == 403


def test_only_a_rheumatologist_decides_a_reclassification(flag, dermatologist):
    response = token_client(dermatologist).post(f"/api/v1/flags/{flag.public_id}/accept/", {},
                                                format="json")
    assert response.status_code == 403


def test_query_counts_do_not_grow_with_the_list_or_the_history(
        site, rheumatologist, dermatologist):
    client = token_client(dermatologist)

    def count(url):
        return query_count(client, url, {"state": "all"})

    patient = mda5_patient(site, rheumatologist)
    patient_reevaluate(patient.pk)
    flag = Flag.objects.filter(patient=patient).first()
    few_list, few_detail = count("/api/v1/flags/"), count(f"/api/v1/flags/{flag.public_id}/")
    for _ in range(3):
        other = mda5_patient(site, rheumatologist)
        patient_reevaluate(other.pk)
    for n in range(5):
        client.post(f"/api/v1/flags/{flag.public_id}/comment/", {"comment": f"c{n}"},
                    format="json")
    assert count("/api/v1/flags/") == few_list
    assert count(f"/api/v1/flags/{flag.public_id}/") == few_detail
