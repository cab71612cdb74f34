"""Hostile input found by fuzzing (issue 9, item 13): each answers a clear 4xx, never a 500."""

import datetime as dt

import pytest
from django.urls import reverse

from cadm.models import Visit
from cadm.rules.params import SPEC_BY_KEY
from cadm.sections import all_sections
from screening.models import ScreeningPlan
from tests.cadm.rulesets.builders import draft_with
from tests.cadm.views.entry_data import visit_post
from tests.factories import LabResultFactory
from tests.screening.plans import patient_with_tier

pytestmark = pytest.mark.django_db

# A "%" unit went through Django's `message % params` formatting of min/max messages.
PERCENT_KEY = "lung.fvc_decline_points"


@pytest.fixture
def admin_client(client, rules_admin):
    client.force_login(rules_admin)
    return client


def _draft_post(draft, **changes) -> dict:
    return {**draft.params, "change_note": "A note", **changes}


@pytest.mark.parametrize("value", ["-1", "31", "1e9"])
def test_percent_unit_parameter_out_of_range_is_refused_not_a_crash(
        admin_client, rules_admin, value):
    assert "%" in SPEC_BY_KEY[PERCENT_KEY].unit
    draft = draft_with(rules_admin)
    response = admin_client.post(reverse("ruleset-edit", args=[draft.number]),
                                 _draft_post(draft, **{PERCENT_KEY: value}))
    assert response.status_code == 400
    body = response.content.decode()
    assert f"{value} % predicted is outside the accepted range 1–30 % predicted" in body


@pytest.mark.parametrize("against", ["²", "٣", "1²", "-1", "99999999999999999999999", "x"])
def test_against_that_is_not_a_version_number_is_ignored(admin_client, rules_admin, against):
    draft = draft_with(rules_admin)
    response = admin_client.get(reverse("ruleset-detail", args=[draft.number]),
                                {"against": against})
    assert response.status_code == 200


def test_against_names_another_version(admin_client, rules_admin):
    draft = draft_with(rules_admin)
    response = admin_client.get(reverse("ruleset-detail", args=[draft.number]),
                                {"against": "1"})
    assert response.context["against"].number == 1


def test_nul_in_a_correction_reason_is_refused_with_the_parameter_named(rheum_client, patient):
    lab = LabResultFactory(patient=patient)
    url = reverse("record-entered-in-error", args=[patient.public_id, "labs", lab.public_id])
    response = rheum_client.post(url, {"reason": "typo\x00"})
    assert response.status_code == 400
    assert "reason" in response.content.decode()
    lab.refresh_from_db()
    assert lab.status != "entered_in_error"


@pytest.mark.parametrize("name", ["screening-cohort", "lung-cohort", "cohort-summary",
                                  "worklist", "patient-list"])
def test_nul_in_a_query_parameter_is_refused_with_the_parameter_named(
        rheum_client, name):
    response = rheum_client.get(reverse(name), {"site": "north\x00"})
    assert response.status_code == 400
    assert "site" in response.content.decode()


def test_nul_in_a_parameter_name_is_refused(rheum_client):
    response = rheum_client.get(reverse("patient-list") + "?q%00=1")
    assert response.status_code == 400


def test_inflated_formset_is_refused_quickly_with_a_clear_message(rheum_client, patient):
    data = visit_post(patient)
    for section in all_sections():
        data[f"{section.key}-TOTAL_FORMS"] = "1000"
    response = rheum_client.post(reverse("visit-new", args=[patient.public_id]), data)
    assert response.status_code < 500
    assert not Visit.objects.exists()
    body = response.content.decode()
    assert "at most 20 rows" in body
    # The cost that made the page take 32 s: one form built per claimed row, not per row sent.
    for _, formset in response.context["formsets"]:
        assert len(formset.forms) <= 20


def test_inflated_screening_rows_are_refused_and_nothing_is_recorded(rheum_client, site,
                                                                     rheumatologist):
    patient = patient_with_tier(site, rheumatologist, "high", as_of=dt.date.today())
    item = ScreeningPlan.objects.get(patient=patient).items.get(panel="enhanced")
    prefix = f"item{item.pk}"
    data = {f"{prefix}-TOTAL_FORMS": "1000", f"{prefix}-INITIAL_FORMS": "0"}
    for index, component in enumerate(item.components.all()):
        data.update({f"{prefix}-{index}-component_id": component.pk,
                     f"{prefix}-{index}-done_on": dt.date.today().isoformat(),
                     f"{prefix}-{index}-result": "no_cancer"})
    url = reverse("screening-item-record", args=[patient.public_id, item.pk])
    response = rheum_client.post(url, data)
    assert response.status_code == 400
    assert "&#x27;1000&#x27; rows submitted; accepted: at most 20 rows." in \
        response.content.decode()
    assert not item.components.filter(done_on__isnull=False).exists()


def test_a_nul_in_an_api_query_is_refused_in_the_apis_error_shape(client):
    response = client.get("/api/v1/patients/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Query parameter 'q': ")
