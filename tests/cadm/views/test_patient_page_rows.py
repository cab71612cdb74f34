"""The patient page's timeline rows and medication forms, written in Python once per page
(cadm/views/patient_page.py): the same markup, escaping and actions per person as when the
template wrote them row by row."""

import datetime as dt
import re

from django.urls import reverse

from cadm.forms.submissions import OnceForm
from cadm.models import Medication, RecordStatus
from cadm.views.patient_page import medication_rows, token_input
from tests.factories import LabResultFactory, VisitFactory


def page(client, patient) -> str:
    response = client.get(reverse("patient-detail", args=[patient.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def timeline(body: str) -> str:
    return body[body.index('<ol class="timeline">'):]


def test_each_row_links_to_its_own_corrections(rheum_client, patient):
    visit = VisitFactory(patient=patient, visit_on=dt.date(2025, 3, 1))
    lab = LabResultFactory(patient=patient, visit=visit, observed_on=dt.date(2025, 3, 1))
    body = timeline(page(rheum_client, patient))
    ids = [patient.public_id, visit.public_id]
    assert f'<a href="{reverse("visit-edit", args=ids)}">Edit visit</a>' in body
    assert f'action="{reverse("visit-entered-in-error", args=ids)}"' in body
    lab_error = reverse("record-entered-in-error", args=[patient.public_id, "labs",
                                                         lab.public_id])
    assert f'action="{lab_error}"' in body
    assert '<li class="entry entry-labs in-visit">' in body
    # Every form carries the page's CSRF field.
    assert body.count('name="csrfmiddlewaretoken"') == body.count('<form method="post"') == 2


def test_values_are_escaped_in_the_rows(rheum_client, patient):
    VisitFactory(patient=patient, notes='<script>alert("x")</script> & more')
    body = timeline(page(rheum_client, patient))
    assert "<script>" not in body
    assert "Notes: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in body


def test_a_row_entered_in_error_shows_why_and_offers_no_correction(rheum_client, patient):
    lab = LabResultFactory(patient=patient, status=RecordStatus.ENTERED_IN_ERROR,
                           status_reason="wrong <patient>")
    body = timeline(page(rheum_client, patient))
    assert '<li class="entry entry-labs in-error">' in body
    assert "Entered in error: wrong &lt;patient&gt;" in body
    assert str(lab.public_id) not in body  # no form to mark it again


def test_a_dermatologist_may_correct_skin_only_visits_not_full_ones(derm_client, patient):
    skin_only = VisitFactory(patient=patient, assessed=["skin"], visit_on=dt.date(2025, 2, 1))
    full = VisitFactory(patient=patient, visit_on=dt.date(2025, 1, 1))
    LabResultFactory(patient=patient, observed_on=dt.date(2025, 1, 1))
    body = timeline(page(derm_client, patient))
    assert reverse("visit-edit", args=[patient.public_id, skin_only.public_id]) in body
    assert str(full.public_id) not in body
    # A dermatologist records no labs, so has no "entered in error" on them.
    assert "record-entered-in-error" not in body and "/results/labs/" not in body


def test_each_course_has_its_own_token_and_the_same_fields(rheum_client, patient,
                                                          rheumatologist):
    today = dt.date.today()
    courses = [Medication.objects.create(patient=patient, observed_on=today, drug=drug,
                                         dose_mg_per_day=dose, recorded_by=rheumatologist)
               for drug, dose in (("hydroxychloroquine", 400), ("methotrexate", 15))]
    body = page(rheum_client, patient)
    for course in courses:
        for action in ("medication-dose", "medication-stop"):
            assert reverse(action, args=[patient.public_id, course.public_id]) in body
    tokens = re.findall(r'name="form_token" value="([^"]+)"', body)
    assert len(tokens) == 4 and len(set(tokens)) == 2  # dose and stop share a course's token
    assert body.count('name="dose-from_on"') == body.count('name="stop-end_on"') == 2
    assert f'value="{today.isoformat()}"' in body


def test_no_medication_form_for_a_dermatologist(derm_client, patient, rheumatologist):
    Medication.objects.create(patient=patient, observed_on=dt.date.today(),
                              drug="hydroxychloroquine", dose_mg_per_day=400,
                              recorded_by=rheumatologist)
    body = page(derm_client, patient)
    assert "Hydroxychloroquine" in body and 'name="dose-from_on"' not in body


def test_the_token_field_is_the_one_django_writes():
    once = OnceForm()
    assert token_input(once) == str(once["form_token"])


def test_the_change_fields_follow_the_day(rheum_client, patient, rheumatologist):
    Medication.objects.create(patient=patient, observed_on=dt.date(2025, 1, 1), drug="other",
                              drug_detail="x", recorded_by=rheumatologist)
    courses = list(Medication.objects.filter(patient=patient))
    first = medication_rows(courses, user=rheumatologist, today=dt.date(2026, 1, 1))
    second = medication_rows(courses, user=rheumatologist, today=dt.date(2026, 1, 2))
    assert 'value="2026-01-01"' in first["dose_fields"] and "2026-01-02" in second["stop_fields"]
