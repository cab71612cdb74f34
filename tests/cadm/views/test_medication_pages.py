"""Items 6, 7, 8 and 9 of issue 9 through the pages: current medications, a drug already
stopped, Back + Save, and the typo guards of doses and lab upper limits."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from cadm.models import LabResult, Medication, Visit
from cadm.sections import get_section
from tests.cadm.views.entry_data import blank_section, lab_row, visit_post

TODAY = dt.date.today()


def visit_url(patient):
    return reverse("visit-new", args=[patient.public_id])


def detail(client, patient) -> str:
    return client.get(reverse("patient-detail", args=[patient.public_id])).content.decode()


def hcq(**fields) -> dict:
    return {"medications-0-drug": "hydroxychloroquine", "medications-0-dose_mg_per_day": "400",
            **{f"medications-0-{k}": v for k, v in fields.items()}}


def test_a_drug_already_stopped_is_refused_with_a_message_not_a_500(rheum_client, patient):
    data = visit_post(patient, skin=["heliotrope"], **hcq(end_on="2024-06-30"))
    response = rheum_client.post(visit_url(patient), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "End date: 2024-06-30 is before the start date" in body
    assert "enter the date the course started" in body
    assert not Visit.objects.exists()
    data = visit_post(patient, skin=["heliotrope"],
                      **hcq(end_on="2024-06-30", observed_on="2024-01-01"))
    assert rheum_client.post(visit_url(patient), data).status_code == 302
    assert Medication.objects.get().end_on == dt.date(2024, 6, 30)


def test_the_same_visit_sent_twice_is_saved_once(rheum_client, patient):
    data = visit_post(patient, skin=["heliotrope"], form_token="4b0c8c1e-3d7a-4d8c-9f1e-"
                                                              "0a6f5b2c9d11")
    first = rheum_client.post(visit_url(patient), data)
    again = rheum_client.post(visit_url(patient), data, follow=True)
    assert first.status_code == 302 and again.status_code == 200
    assert Visit.objects.count() == 1
    assert "already saved" in again.content.decode()
    data["form_token"] = "9c2d1f6e-0000-4c1a-8b2e-5f4d3c2b1a00"
    rheum_client.post(visit_url(patient), data)
    assert Visit.objects.count() == 2  # a new form is a new visit


def test_the_visit_page_carries_a_fresh_token(rheum_client, patient):
    first = rheum_client.get(visit_url(patient)).content.decode()
    second = rheum_client.get(visit_url(patient)).content.decode()
    token = 'name="form_token" value="'
    assert token in first
    assert first.split(token)[1][:36] != second.split(token)[1][:36]


def test_the_same_results_sent_twice_are_saved_once(rheum_client, patient):
    url = reverse("results-new", args=[patient.public_id, "labs"])
    ck = lab_row("ck")
    data = {"observed_on": TODAY.isoformat(), **blank_section(get_section("labs"), patient),
            f"labs-{ck}-value": "150", "form_token": "1f0e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"}
    assert rheum_client.post(url, data).status_code == 302
    assert rheum_client.post(url, data).status_code == 302
    assert LabResult.objects.count() == 1


def test_hcq_40000_mg_a_day_is_refused(rheum_client, patient):
    data = visit_post(patient, skin=["heliotrope"],
                      **hcq(dose_mg_per_day="40000", observed_on="2025-01-01"))
    response = rheum_client.post(visit_url(patient), data)
    assert response.status_code == 400
    assert ("Dose: 40000 mg/day is outside the accepted range for hydroxychloroquine: "
            "above 0 up to 1200 mg/day") in response.content.decode()
    assert not Medication.objects.exists()


def test_a_lab_upper_limit_has_the_ranges_of_its_value(rheum_client, patient):
    ck = lab_row("ck")
    data = visit_post(patient, skin=["heliotrope"], **{
        f"labs-{ck}-value": "150", f"labs-{ck}-upper_limit": "999999"})
    response = rheum_client.post(visit_url(patient), data)
    assert response.status_code == 400
    assert "ULN (CK): 999999 U/L is outside the accepted range 0–500000 U/L." in \
        response.content.decode()
    data[f"labs-{ck}-upper_limit"] = "25000"
    body = rheum_client.post(visit_url(patient), data).content.decode()
    assert "ULN (CK): 25000 U/L is above 20000 U/L" in body
    data[f"labs-{ck}-confirm_unusual"] = "on"
    assert rheum_client.post(visit_url(patient), data).status_code == 302
    assert LabResult.objects.get().upper_limit_normalised == Decimal("25000")


def test_current_medications_are_listed_and_changed_in_one_step(rheum_client, patient,
                                                                 rheumatologist):
    data = visit_post(patient, skin=["heliotrope"], **hcq(observed_on="2024-01-01"))
    rheum_client.post(visit_url(patient), data)
    course = Medication.objects.get()
    body = detail(rheum_client, patient)
    assert 'id="medications"' in body and "Hydroxychloroquine" in body and "400 mg/day" in body
    change = reverse("medication-dose", args=[patient.public_id, course.public_id])
    response = rheum_client.post(change, {"dose-dose": "200", "dose-from_on": TODAY.isoformat(),
                                          "form_token": "0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a"})
    assert response.status_code == 302
    assert Medication.objects.count() == 2
    rheum_client.post(change, {"dose-dose": "200", "dose-from_on": TODAY.isoformat(),
                               "form_token": "0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a"})
    assert Medication.objects.count() == 2  # sent twice, changed once
    body = detail(rheum_client, patient)
    assert "200 mg/day" in body and "400 mg/day" not in body.split('id="medications"')[1] \
        .split("</section>")[0]
    new = Medication.objects.get(end_on=None)
    stop = reverse("medication-stop", args=[patient.public_id, new.public_id])
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    response = rheum_client.post(stop, {"stop-end_on": yesterday}, follow=True)
    assert "before the start of the course" in response.content.decode()
    rheum_client.post(stop, {"stop-end_on": TODAY.isoformat()})
    new.refresh_from_db()
    assert new.end_on == TODAY


def test_bad_inputs_of_the_one_step_changes_never_500(rheum_client, patient, dermatologist):
    data = visit_post(patient, skin=["heliotrope"], **hcq(observed_on="2024-01-01"))
    rheum_client.post(visit_url(patient), data)
    course = Medication.objects.get()
    change = reverse("medication-dose", args=[patient.public_id, course.public_id])
    for body in ({}, {"dose-dose": "abc", "dose-from_on": "x"},
                 {"dose-dose": "9" * 30, "dose-from_on": "2024-13-45"},
                 {"dose-dose": "-5", "dose-from_on": TODAY.isoformat()}):
        response = rheum_client.post(change, body, follow=True)
        assert response.status_code == 200 and "Nothing was changed" in \
            response.content.decode()
    assert Medication.objects.count() == 1
    rheum_client.force_login(dermatologist)
    assert rheum_client.post(change, {}).status_code == 403


def test_a_bad_dose_change_names_the_field_value_and_range(rheum_client, patient):
    data = visit_post(patient, skin=["heliotrope"], **hcq(observed_on="2024-01-01"))
    rheum_client.post(visit_url(patient), data)
    course = Medication.objects.get()
    change = reverse("medication-dose", args=[patient.public_id, course.public_id])
    body = rheum_client.post(change, {"dose-dose": "abc", "dose-from_on": "2025-01-01"},
                             follow=True).content.decode()
    assert "New dose (mg/day): &#x27;abc&#x27; is not a number" in body
    assert body.count("New dose (mg/day):") == 1
