"""A patient's cancer-screening plan through the API: the plan as the page shows it, a test
done, the outcome of a finding, ending and resuming screening. The page's permissions (by
role, by site), the inputs' messages by field, the services' refusals (409), Idempotency-Key,
and a read whose queries do not grow with the plan's history."""

import datetime as dt
import uuid

import pytest

from cadm.models import AuditEvent
from screening.models import CancerScreeningRecord, ScreeningComponent, ScreeningPlan
from tests.factories import UserFactory, VisitFactory
from tests.screening.plans import patient_with_tier

from .conftest import query_count, token_client

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


@pytest.fixture
def high(site, rheumatologist):
    """A high-risk patient (anti-TIF1-γ, onset at 57): basic and enhanced panels planned."""
    patient = patient_with_tier(site, rheumatologist, "high", as_of=TODAY)
    return patient, ScreeningPlan.objects.get(patient=patient)


def url(patient, tail: str = "") -> str:
    return f"/api/v1/patients/{patient.public_id}/screening/{tail}"


def record_url(patient, item) -> str:
    return url(patient, f"items/{item.public_id}/record/")


def _fields(response) -> dict:
    return response.json()["error"]["fields"]


def done(component, result="no_cancer", day=TODAY) -> dict:
    return {"component": component.code, "done_on": day.isoformat(), "result": result}


def complete(client, patient, item, result="no_cancer"):
    for component in item.components.all():
        response = client.post(record_url(patient, item), done(component, result),
                               format="json")
        assert response.status_code == 200, response.content


def with_finding(client, patient, plan):
    """Every test of the diagnosis-time basic panel done, one with a finding."""
    item = plan.items.get(panel="basic", kind="diagnosis")
    first, *rest = item.components.all()
    client.post(record_url(patient, item), done(first, "finding"), format="json")
    for component in rest:
        client.post(record_url(patient, item), done(component), format="json")
    assert CancerScreeningRecord.objects.get(patient=patient).result == "finding"


# ---------------------------------------------------------------- GET


def test_the_plan_reads_as_the_page_shows_it(high, rheumatologist):
    patient, plan = high
    response = token_client(rheumatologist).get(url(patient))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["patient"] == str(patient.public_id)
    shown = body["plan"]
    assert (shown["id"], shown["tier"], shown["state"]) == (str(plan.public_id), "high",
                                                           "active")
    assert shown["high_factors"] and "IMACS 2023 tier high" in shown["basis"]
    enhanced = next(i for i in shown["items"] if i["panel"] == "enhanced")
    item = plan.items.get(public_id=enhanced["id"])
    assert enhanced["due_on"] == item.due_on.isoformat() and enhanced["status"] == item.status
    assert {c["code"] for c in enhanced["components"]} == set(
        item.components.values_list("code", flat=True))
    assert shown["findings_open"] == [] and shown["outcome"] == ""
    assert shown["events"][0]["text"].startswith(("Plan created", "Added"))
    # Public ids only: no database key anywhere in the body.
    assert "pk" not in str(body) and all("item" not in k for k in enhanced)


def test_a_patient_without_a_plan_reads_as_null(site, rheumatologist):
    juvenile = patient_with_tier(site, rheumatologist, "not_applicable", as_of=TODAY)
    body = token_client(rheumatologist).get(url(juvenile)).json()
    assert body == {"patient": str(juvenile.public_id), "plan": None}


@pytest.mark.parametrize(("role", "own", "theirs"), [
    ("rheumatologist", 200, 404), ("dermatologist", 200, 404), ("rules_admin", 403, 403)])
def test_reading_is_the_pages_permission(site, other_site, rheumatologist, role, own, theirs):
    mine = patient_with_tier(site, rheumatologist, "high", as_of=TODAY)
    other = patient_with_tier(other_site, rheumatologist, "high", as_of=TODAY)
    client = token_client(UserFactory(role=role, sites=[site]))
    assert client.get(url(mine)).status_code == own
    response = client.get(url(other))
    assert response.status_code == theirs
    assert response.json()["error"]["status"] == theirs


def test_reading_takes_the_same_queries_whatever_the_history(high, rheumatologist):
    patient, plan = high
    client = token_client(rheumatologist)
    before = query_count(client, url(patient))
    complete(client, patient, plan.items.get(panel="enhanced"), "finding")
    complete(client, patient, plan.items.get(panel="basic", kind="diagnosis"))
    assert client.post(url(patient, "outcome/"), {
        "outcome": "no_cancer", "outcome_on": TODAY.isoformat()}, format="json"
    ).status_code == 200
    assert client.post(url(patient, "close/"), {
        "closed_on": TODAY.isoformat(), "reason": "declined"}, format="json").status_code == 200
    assert client.post(url(patient, "reopen/"), {"reason": "by mistake"},
                       format="json").status_code == 200
    for month in range(1, 6):
        VisitFactory(patient=patient, visit_on=dt.date(2025, month, 2), skin=["heliotrope"])
    body = client.get(url(patient)).json()["plan"]
    assert len(body["events"]) >= 6 and body["outcome"] == "no_cancer"
    assert query_count(client, url(patient)) == before


# ---------------------------------------------------------------- a test done


def test_a_rheumatologist_records_a_test_and_the_panel_once_all_are_done(high, rheumatologist):
    patient, plan = high
    client = token_client(rheumatologist)
    item = plan.items.get(panel="enhanced")
    first, *rest = item.components.all()
    response = client.post(record_url(patient, item), {**done(first), "note": "clear"},
                           format="json")
    assert response.status_code == 200, response.content
    shown = {c["code"]: c for c in response.json()["components"]}
    assert shown[first.code] == {"code": first.code, "label": first.label,
                                 "done_on": TODAY.isoformat(), "result": "no_cancer",
                                 "note": "clear", "recorded_by": rheumatologist.username}
    first.refresh_from_db()
    assert first.history.first().history_user == rheumatologist
    assert AuditEvent.objects.filter(action="screening.component", patient=patient).count() == 1
    assert response.json()["record"] is None
    for component in rest:
        last = client.post(record_url(patient, item), done(component, "finding"),
                           format="json")
    record = CancerScreeningRecord.objects.get(patient=patient)
    assert (record.panel, record.result) == ("enhanced", "finding")
    assert last.json()["record"] == str(record.public_id)


@pytest.mark.parametrize(("role", "expected"), [("dermatologist", 403), ("rules_admin", 403)])
def test_roles_without_result_record_cannot_record_or_decide(high, role, expected, site):
    patient, plan = high
    client = token_client(UserFactory(role=role, sites=[site]))
    item = plan.items.get(panel="enhanced")
    for path, body in [(record_url(patient, item), done(item.components.first())),
                       (url(patient, "outcome/"), {"outcome": "no_cancer",
                                                   "outcome_on": TODAY.isoformat()}),
                       (url(patient, "close/"), {"closed_on": TODAY.isoformat(),
                                                 "reason": "declined"}),
                       (url(patient, "reopen/"), {"reason": "by mistake"})]:
        response = client.post(path, body, format="json")
        assert response.status_code == expected, path
        assert response.json()["error"]["code"] == "permission_denied"
    assert not ScreeningComponent.objects.filter(done_on__isnull=False).exists()


def test_another_sites_plan_and_an_unknown_item_are_404(other_site, outsider, rheumatologist,
                                                        high):
    patient, plan = high
    item = plan.items.get(panel="enhanced")
    client = token_client(outsider)  # a rheumatologist of another site
    for path, body in [(url(patient), None), (record_url(patient, item),
                                               done(item.components.first())),
                       (url(patient, "outcome/"), {}), (url(patient, "close/"), {}),
                       (url(patient, "reopen/"), {})]:
        response = client.post(path, body, format="json") if body is not None else \
            client.get(path)
        assert response.status_code == 404, path
    unknown = url(patient, f"items/{uuid.uuid4()}/record/")
    assert token_client(rheumatologist).post(unknown, {}, format="json").status_code == 404
    juvenile = patient_with_tier(other_site, outsider, "not_applicable", as_of=TODAY)
    assert client.post(url(juvenile, "close/"), {}, format="json").status_code == 404


def test_bad_test_entries_are_400_by_field_with_the_pages_message(high, rheumatologist):
    patient, plan = high
    item = plan.items.get(panel="enhanced")
    component = item.components.first()
    client = token_client(rheumatologist)
    tomorrow = TODAY + dt.timedelta(days=1)
    cases = [
        ({**done(component), "done_on": tomorrow.isoformat()}, "done_on",
         f"Date done: {tomorrow.isoformat()} is in the future; accepted: up to today "
         f"({TODAY.isoformat()})."),
        ({"component": component.code, "result": "no_cancer"}, "done_on",
         "Date done: enter the date of this result."),
        ({"component": component.code, "done_on": TODAY.isoformat()}, "result",
         f"Result: choose the result of the test done on {TODAY.isoformat()}."),
        ({**done(component), "done_on": 20250101}, "done_on",
         "Date done: '20250101' is not a valid date; accepted: a date as YYYY-MM-DD."),
        ({**done(component), "result": ["finding"]}, "result",
         "Result: a list or an object is not accepted; send one value."),
        ({**done(component), "component": {"code": "ct"}}, "component",
         "Component: a list or an object is not accepted; send one value."),
    ]
    for body, field, message in cases:
        response = client.post(record_url(patient, item), body, format="json")
        assert response.status_code == 400, body
        assert _fields(response)[field] == [message]
        assert response.json()["error"]["code"] == "invalid"
    codes = ", ".join(item.components.values_list("code", flat=True))
    response = client.post(record_url(patient, item), {**done(component), "component": "xray",
                                                       "colour": "red"}, format="json")
    assert _fields(response) == {
        "component": [f"Component: 'xray' is not one of the tests of this item; accepted: one "
                      f"of: {codes}."],
        "colour": ["Unknown field; accepted: component, done_on, result, note."]}
    assert not ScreeningComponent.objects.filter(done_on__isnull=False).exists()


def test_a_test_already_done_is_a_conflict(high, rheumatologist):
    patient, plan = high
    item = plan.items.get(panel="enhanced")
    component = item.components.first()
    client = token_client(rheumatologist)
    assert client.post(record_url(patient, item), done(component),
                       format="json").status_code == 200
    again = client.post(record_url(patient, item), done(component, "finding"), format="json")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == (
        f"{component.label}: already recorded as done on {TODAY.isoformat()}.")
    component.refresh_from_db()
    assert component.result == "no_cancer"


# ---------------------------------------------------------------- decisions


def test_the_outcome_settles_the_finding_and_the_plan_stays_active(high, rheumatologist):
    patient, plan = high
    client = token_client(rheumatologist)
    none_yet = client.post(url(patient, "outcome/"), {
        "outcome": "no_cancer", "outcome_on": TODAY.isoformat()}, format="json")
    assert none_yet.status_code == 409
    assert none_yet.json()["error"]["message"].startswith("No finding awaits an outcome")
    with_finding(client, patient, plan)
    assert client.get(url(patient)).json()["plan"]["findings_open"][0]["result"] == "finding"
    response = client.post(url(patient, "outcome/"), {
        "outcome": "no_cancer", "outcome_on": TODAY.isoformat(), "note": "CT: benign cyst"},
        format="json")
    assert response.status_code == 200, response.content
    shown = response.json()["plan"]
    assert (shown["outcome"], shown["outcome_note"], shown["state"]) == (
        "no_cancer", "CT: benign cyst", "active")
    assert shown["findings_open"] == []
    assert AuditEvent.objects.filter(action="screening.outcome", patient=patient).count() == 1


def test_a_bad_outcome_is_400_by_field(high, rheumatologist):
    patient, plan = high
    response = token_client(rheumatologist).post(url(patient, "outcome/"), {
        "outcome": "healed", "outcome_on": "1960-01-01"}, format="json")
    assert response.status_code == 400
    assert _fields(response) == {
        "outcome": ["Outcome: 'healed' is not one of the choices; accepted: one of: Work-up "
                    "found no cancer, Cancer diagnosed, Other (see reason)."],
        "outcome_on": [f"Date of the outcome: 1960-01-01 is before the patient's birth date "
                       f"(1967-02-11); accepted: 1967-02-11 to {TODAY.isoformat()}."]}


def test_ending_and_resuming_screening(high, rheumatologist):
    patient, plan = high
    client = token_client(rheumatologist)
    no_reason = client.post(url(patient, "close/"), {"closed_on": TODAY.isoformat(),
                                                     "reason": "  "}, format="json")
    assert no_reason.status_code == 400
    assert _fields(no_reason) == {"reason": [
        "Reason: required; accepted: text of at most 2000 characters, without NUL "
        "characters."]}
    not_ended = client.post(url(patient, "reopen/"), {"reason": "x"}, format="json")
    assert not_ended.status_code == 409
    closed = client.post(url(patient, "close/"), {"closed_on": TODAY.isoformat(),
                                                  "reason": " patient declines "},
                         format="json")
    assert closed.status_code == 200, closed.content
    shown = closed.json()["plan"]
    assert (shown["state"], shown["closed_reason"], shown["closed_by"]) == (
        "closed", "patient declines", rheumatologist.username)
    twice = client.post(url(patient, "close/"), {"closed_on": TODAY.isoformat(),
                                                 "reason": "again"}, format="json")
    assert twice.status_code == 409 and "already ended" in twice.json()["error"]["message"]
    reopened = client.post(url(patient, "reopen/"), {"reason": "ended by mistake"},
                           format="json")
    assert reopened.status_code == 200 and reopened.json()["plan"]["state"] == "active"
    assert list(AuditEvent.objects.filter(patient=patient, action__in=(
        "screening.close", "screening.reopen")).order_by("pk").values_list(
        "action", flat=True)) == ["screening.close", "screening.reopen"]


# ---------------------------------------------------------------- Idempotency-Key


def test_a_retried_write_acts_once(high, rheumatologist):
    patient, plan = high
    client = token_client(rheumatologist)
    item = plan.items.get(panel="enhanced")
    writes = [(record_url(patient, item), done(item.components.first()), "screening.component"),
              (url(patient, "close/"), {"closed_on": TODAY.isoformat(), "reason": "declined"},
               "screening.close"),
              (url(patient, "reopen/"), {"reason": "by mistake"}, "screening.reopen")]
    for index, (path, body, action) in enumerate(writes):
        key = {"HTTP_IDEMPOTENCY_KEY": f"screening-{index}"}
        first = client.post(path, body, format="json", **key)
        again = client.post(path, body, format="json", **key)
        assert first.status_code == again.status_code == 200, (path, again.content)
        assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
        assert AuditEvent.objects.filter(action=action, patient=patient).count() == 1
    other_body = client.post(writes[1][0], {"closed_on": TODAY.isoformat(), "reason": "x"},
                             format="json", HTTP_IDEMPOTENCY_KEY="screening-1")
    assert other_body.status_code == 422


def test_an_outcome_retried_is_recorded_once(high, rheumatologist):
    patient, plan = high
    client = token_client(rheumatologist)
    with_finding(client, patient, plan)
    body = {"outcome": "other", "outcome_on": TODAY.isoformat(), "note": "biopsy benign"}
    responses = [client.post(url(patient, "outcome/"), body, format="json",
                             HTTP_IDEMPOTENCY_KEY="outcome-1") for _ in range(2)]
    assert [r.status_code for r in responses] == [200, 200]
    assert plan.events.filter(text__startswith="Outcome recorded").count() == 1
