import datetime as dt

import pytest
from django.urls import reverse

from cadm.models import AuditEvent
from screening.models import ScreeningPlan
from tests.factories import UserFactory
from tests.screening.plans import patient_with_tier

TODAY = dt.date.today()


@pytest.fixture
def high_patient(site, rheumatologist):
    return patient_with_tier(site, rheumatologist, "high", as_of=TODAY)


def test_plan_page_lists_items_components_and_basis(rheum_client, high_patient):
    body = rheum_client.get(reverse("screening-plan", args=[high_patient.public_id])
                            ).content.decode()
    assert "Enhanced panel" in body and "CT neck, thorax, abdomen and pelvis" in body
    assert "Mammography" in body and "anti-TIF1-γ" in body
    assert "screening-print.css" in body and 'media="print"' in body


def test_plan_page_says_when_the_guideline_evidence_ends(rheum_client, high_patient):
    body = rheum_client.get(reverse("screening-plan", args=[high_patient.public_id])
                            ).content.decode()
    # skin onset 2024-11-01: the guideline's evidence window ends 2027-11-01
    assert ("evidence covers the 3 years after onset" in body) is (TODAY > dt.date(2027, 11, 1))


def test_juvenile_patient_page_says_why_there_is_no_plan(rheum_client, site, rheumatologist):
    patient = patient_with_tier(site, rheumatologist, "not_applicable", as_of=TODAY)
    body = rheum_client.get(reverse("screening-plan", args=[patient.public_id])).content.decode()
    assert "does not ask for IIM-specific cancer screening" in body


def post_tests(client, patient, item, rows):
    data = {f"item{item.pk}-TOTAL_FORMS": len(rows), f"item{item.pk}-INITIAL_FORMS": len(rows)}
    for i, (component, done_on, result) in enumerate(rows):
        data.update({f"item{item.pk}-{i}-component_id": component.pk,
                     f"item{item.pk}-{i}-done_on": done_on,
                     f"item{item.pk}-{i}-result": result, f"item{item.pk}-{i}-note": ""})
    return client.post(reverse("screening-item-record", args=[patient.public_id, item.pk]), data)


def test_recording_tests_of_a_panel(rheum_client, rheumatologist, high_patient):
    item = ScreeningPlan.objects.get(patient=high_patient).items.get(panel="enhanced")
    ct, *rest = item.components.all()
    response = post_tests(rheum_client, high_patient, item,
                          [(ct, TODAY.isoformat(), "no_cancer")] + [(c, "", "") for c in rest])
    assert response.status_code == 302
    ct.refresh_from_db()
    assert ct.done_on == TODAY and ct.recorded_by == rheumatologist
    assert ct.history.first().history_user == rheumatologist
    assert AuditEvent.objects.filter(action="screening.component").exists()


@pytest.mark.parametrize(("done_on", "result", "message"), [
    ((TODAY + dt.timedelta(days=1)).isoformat(), "no_cancer", "is in the future"),
    (TODAY.isoformat(), "", "choose the result"),
    ("", "no_cancer", "enter the date of this result"),
])
def test_bad_test_entries_save_nothing(rheum_client, high_patient, done_on, result, message):
    item = ScreeningPlan.objects.get(patient=high_patient).items.get(panel="enhanced")
    first = item.components.first()
    response = post_tests(rheum_client, high_patient, item, [(first, done_on, result)])
    assert response.status_code == 400 and message in response.content.decode()
    first.refresh_from_db()
    assert first.done_on is None


def test_ending_screening_needs_a_reason(rheum_client, high_patient):
    response = rheum_client.post(reverse("screening-close", args=[high_patient.public_id]),
                                 {"close-closed_on": TODAY.isoformat(), "close-reason": ""})
    assert response.status_code == 400
    assert ScreeningPlan.objects.get(patient=high_patient).state == "active"


def test_patient_sheet_is_plain_language(rheum_client, high_patient):
    body = rheum_client.get(reverse("screening-sheet", args=[high_patient.public_id])
                            ).content.decode()
    assert "anti-TIF1-gamma" in body and "out of breath" in body and "SPF 50" in body
    assert "trouble swallowing" in body and "ulcers" in body and "weight loss" in body


def test_patient_page_shows_the_checklist(rheum_client, high_patient):
    body = rheum_client.get(reverse("patient-detail", args=[high_patient.public_id])
                            ).content.decode()
    assert 'id="panel-screening"' in body and "Enhanced panel" in body


def test_the_checklist_says_how_many_tests_are_done_in_words(rheum_client, rheumatologist,
                                                              high_patient):
    """The squares are for the eye (hidden from screen readers); the count is in words."""
    item = ScreeningPlan.objects.get(patient=high_patient).items.get(panel="enhanced")
    tests = list(item.components.all())
    post_tests(rheum_client, high_patient, item,
               [(tests[0], TODAY.isoformat(), "no_cancer")] + [(c, "", "") for c in tests[1:]])
    body = rheum_client.get(reverse("patient-detail", args=[high_patient.public_id])
                            ).content.decode()
    assert f"1 of {len(tests)} tests done" in body
    assert '<span aria-hidden="true">■' in body


@pytest.mark.parametrize(("role", "page", "own", "other"), [
    ("rheumatologist", "screening-plan", 200, 404),
    ("dermatologist", "screening-plan", 200, 404),
    ("rules_admin", "screening-plan", 403, 403),
    ("rheumatologist", "screening-sheet", 200, 404),
    ("dermatologist", "screening-sheet", 200, 404),
    ("rules_admin", "screening-sheet", 403, 403),
])
def test_permission_matrix_pages(client, site, other_site, rheumatologist, role, page, own,
                                 other):
    mine = patient_with_tier(site, rheumatologist, "high", as_of=TODAY)
    theirs = patient_with_tier(other_site, rheumatologist, "high", as_of=TODAY)
    client.force_login(UserFactory(role=role, sites=[site]))
    assert client.get(reverse(page, args=[mine.public_id])).status_code == own
    assert client.get(reverse(page, args=[theirs.public_id])).status_code == other


@pytest.mark.parametrize(("role", "expected"), [("rheumatologist", 400),
                                                ("dermatologist", 403), ("rules_admin", 403)])
def test_only_rheumatologists_record_and_close(client, site, high_patient, role, expected):
    client.force_login(UserFactory(role=role, sites=[site]))
    item = ScreeningPlan.objects.get(patient=high_patient).items.first()
    assert client.post(reverse("screening-item-record", args=[high_patient.public_id, item.pk]),
                       {}).status_code == expected
    assert client.post(reverse("screening-close", args=[high_patient.public_id]),
                       {}).status_code == expected


def test_plan_page_queries_do_not_grow(rheum_client, high_patient, django_assert_max_num_queries):
    url = reverse("screening-plan", args=[high_patient.public_id])
    with django_assert_max_num_queries(60) as first:
        rheum_client.get(url)
    baseline = len(first)
    from tests.factories import VisitFactory
    for month in range(1, 10):
        VisitFactory(patient=high_patient, visit_on=dt.date(2025, month, 2), skin=["heliotrope"])
    with django_assert_max_num_queries(baseline):
        rheum_client.get(url)
