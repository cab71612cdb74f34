"""The patient page reads the screening plan once: the fact provider's read
(services.screening_facts) is the row the screening panel shows; the provider itself still
reads the plan on every call."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cadm.models import Patient
from screening.models import ScreeningPlan
from screening.panels import _context as screening_panel_context
from screening.services import screening_facts
from tests.screening.plans import patient_with_tier

TODAY = dt.date.today()


@pytest.fixture
def high_patient(site, rheumatologist):
    return patient_with_tier(site, rheumatologist, "high", as_of=TODAY)


def plan_reads(queries) -> int:
    table = ScreeningPlan._meta.db_table
    return sum(1 for q in queries if f'FROM "{table}"' in q["sql"])


def test_the_patient_page_reads_the_plan_once(rheum_client, high_patient):
    url = reverse("patient-detail", args=[high_patient.public_id])
    rheum_client.get(url)
    with CaptureQueriesContext(connection) as queries:
        body = rheum_client.get(url).content.decode()
    assert plan_reads(queries) == 1
    panel = body.split('id="panel-screening"', 1)[1].split("</section>", 1)[0]
    assert "Tier <strong>high</strong>" in panel and "Enhanced panel" in panel


def test_the_panel_shows_the_plan_the_facts_read(high_patient, django_assert_num_queries):
    patient = Patient.objects.get(pk=high_patient.pk)
    facts = screening_facts(patient)
    assert facts["screening_plan_closed"] is False
    with django_assert_num_queries(2):  # the items, their tests
        context = screening_panel_context(patient=patient, evaluation=None, user=None)
    assert context["plan"] == ScreeningPlan.objects.get(patient=high_patient)
    assert any(item.panel == "enhanced" for item in context["items"])


def test_without_the_facts_the_panel_reads_the_plan(high_patient, django_assert_num_queries):
    patient = Patient.objects.get(pk=high_patient.pk)
    with django_assert_num_queries(3):
        context = screening_panel_context(patient=patient, evaluation=None, user=None)
    assert context["plan"].tier == "high"


def test_no_plan_is_remembered_as_none(patient, django_assert_num_queries):
    """Not evaluated yet: no plan."""
    patient = Patient.objects.get(pk=patient.pk)
    assert screening_facts(patient) == {}
    with django_assert_num_queries(0):
        context = screening_panel_context(patient=patient, evaluation=None, user=None)
    assert context["plan"] is None and context["items"] == []


def test_the_facts_read_the_plan_again_on_each_call(high_patient):
    patient = Patient.objects.get(pk=high_patient.pk)
    assert screening_facts(patient)["screening_plan_closed"] is False
    ScreeningPlan.objects.filter(patient=patient).update(state=ScreeningPlan.State.CLOSED,
                                                         outcome_on=TODAY)
    assert screening_facts(patient) == {"screening_outcome_date": TODAY,
                                        "screening_plan_closed": True}
    assert patient.screening_plan.state == ScreeningPlan.State.CLOSED
