"""Item 2 of issue 9: the outcome of a finding settles the finding, not the schedule; only
an explicit decision (with a reason) ends screening and its reminders."""

import datetime as dt

import pytest
from django.urls import reverse

from cadm.exceptions import DomainError
from cadm.models import Flag
from cadm.services.evaluation import patient_reevaluate
from screening.models import ScreeningPlan
from screening.services import (
    screening_component_record,
    screening_outcome_record,
    screening_plan_close,
    screening_plan_reopen,
)
from tests.screening.plans import DIAGNOSIS, patient_with_tier

AT_DIAGNOSIS = dt.date(2025, 3, 1)
# The 12-month basic panel of a high-risk patient is due 2026-02-01, overdue from 2026-04-03.
LATER = dt.date(2026, 5, 1)


def complete(item, actor, day, result):
    for component in item.components.all():
        screening_component_record(actor=actor, component=component, today=day, data={
            "done_on": day, "result": result, "note": ""})


@pytest.fixture
def high(site, rheumatologist, django_capture_on_commit_callbacks):
    """High risk; both diagnosis-time panels done, the basic one with a finding."""
    patient = patient_with_tier(site, rheumatologist, "high", as_of=AT_DIAGNOSIS)
    plan = ScreeningPlan.objects.get(patient=patient)
    with django_capture_on_commit_callbacks(execute=True):
        complete(plan.items.get(panel="enhanced", kind="diagnosis"), rheumatologist,
                 AT_DIAGNOSIS, "no_cancer")
        complete(plan.items.get(panel="basic", kind="diagnosis"), rheumatologist,
                 AT_DIAGNOSIS, "finding")
    assert Flag.objects.get(patient=patient, code="CANCER_SCREENING_FINDING").state == "open"
    return patient, plan


def live(patient, code) -> bool:
    return Flag.objects.filter(patient=patient, code=code).exclude(state="resolved").exists()


def test_the_outcome_settles_the_finding_and_the_yearly_panels_go_on(
        high, rheumatologist, django_capture_on_commit_callbacks):
    patient, plan = high
    with django_capture_on_commit_callbacks(execute=True):
        screening_outcome_record(actor=rheumatologist, plan=plan, today=AT_DIAGNOSIS, data={
            "outcome": "no_cancer", "outcome_on": AT_DIAGNOSIS, "note": "CT: benign cyst"})
    assert not live(patient, "CANCER_SCREENING_FINDING")
    plan.refresh_from_db()
    assert plan.state == "active" and plan.outcome == "no_cancer"
    patient_reevaluate(patient.pk, as_of=LATER)
    overdue = Flag.objects.get(patient=patient, code="CANCER_SCREENING_OVERDUE")
    assert overdue.state == "open" and "basic panel due 2026-02-01" in overdue.summary
    due = {i.due_on for i in plan.items.filter(panel="basic", kind="follow-up")}
    assert due == {dt.date(2026, 2, 1), dt.date(2027, 2, 1), dt.date(2028, 2, 1)}


def test_only_an_explicit_end_stops_the_reminders(high, rheumatologist):
    patient, plan = high
    screening_outcome_record(actor=rheumatologist, plan=plan, today=AT_DIAGNOSIS, data={
        "outcome": "cancer_diagnosed", "outcome_on": AT_DIAGNOSIS, "note": ""})
    with pytest.raises(DomainError, match="Reason"):
        screening_plan_close(actor=rheumatologist, plan=plan, today=LATER,
                             data={"reason": " ", "closed_on": LATER})
    screening_plan_close(actor=rheumatologist, plan=plan, today=LATER,
                         data={"reason": "under oncology care", "closed_on": LATER})
    patient_reevaluate(patient.pk, as_of=LATER)
    assert not live(patient, "CANCER_SCREENING_OVERDUE")
    plan.refresh_from_db()
    assert (plan.state, plan.closed_by, plan.closed_reason) == (
        "closed", rheumatologist, "under oncology care")
    screening_plan_reopen(actor=rheumatologist, plan=plan, data={"reason": "ended by mistake"})
    patient_reevaluate(patient.pk, as_of=LATER)
    assert live(patient, "CANCER_SCREENING_OVERDUE")


def test_ending_screening_does_not_silence_a_finding(high, rheumatologist):
    patient, plan = high
    screening_plan_close(actor=rheumatologist, plan=plan, today=AT_DIAGNOSIS,
                         data={"reason": "declined", "closed_on": AT_DIAGNOSIS})
    patient_reevaluate(patient.pk, as_of=AT_DIAGNOSIS)
    assert live(patient, "CANCER_SCREENING_FINDING")


def test_an_outcome_needs_a_finding_dated_on_or_before_it(high, rheumatologist):
    patient, plan = high
    def outcome_on(day):
        screening_outcome_record(actor=rheumatologist, plan=plan, today=AT_DIAGNOSIS, data={
            "outcome": "no_cancer", "outcome_on": day, "note": ""})

    with pytest.raises(DomainError, match="before the finding of 2025-03-01"):
        outcome_on(DIAGNOSIS)
    outcome_on(AT_DIAGNOSIS)
    with pytest.raises(DomainError, match="No finding awaits an outcome"):
        outcome_on(AT_DIAGNOSIS)


def test_the_plan_page_offers_the_outcome_and_a_separate_end(rheum_client, high):
    patient, plan = high
    url = reverse("screening-plan", args=[patient.public_id])
    body = rheum_client.get(url).content.decode()
    assert "Outcome of a finding" in body and "End screening" in body
    response = rheum_client.post(reverse("screening-outcome", args=[patient.public_id]), {
        "outcome-outcome": "no_cancer", "outcome-outcome_on": AT_DIAGNOSIS.isoformat(),
        "outcome-note": "benign"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == "active"
    body = rheum_client.get(url).content.decode()
    assert "Outcome of a finding" not in body and "Last outcome" in body
    bad = rheum_client.post(reverse("screening-close", args=[patient.public_id]),
                            {"close-closed_on": "2025-13-01", "close-reason": "x"})
    assert bad.status_code == 400 and "Screening ends on" in bad.content.decode()


def test_plans_closed_by_an_outcome_before_are_reopened_by_the_migration(high, rheumatologist):
    from importlib import import_module

    from django.apps import apps

    patient, plan = high
    ScreeningPlan.objects.filter(pk=plan.pk).update(
        state="closed", outcome="no_cancer", outcome_on=AT_DIAGNOSIS, closed_reason="benign")
    migration = import_module("screening.migrations.0005_plan_outcome_apart_from_closing")
    migration.reopen_plans_closed_by_an_outcome(apps, None)
    plan.refresh_from_db()
    assert (plan.state, plan.outcome_note, plan.closed_reason) == ("active", "benign", "")
    assert "Reopened by an update" in plan.events.first().text
