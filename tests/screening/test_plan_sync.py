"""The plan follows the tier the rules derive, with IMACS dates, and keeps completed work."""

import datetime as dt

import pytest

from cadm.models import Flag
from cadm.services.evaluation import patient_reevaluate
from screening.models import CancerScreeningRecord, ScreeningPlan
from screening.services import screening_component_record, screening_outcome_record
from tests.factories import AntibodyFactory
from tests.screening.plans import patient_with_tier

TODAY = dt.date(2025, 3, 1)


def items(patient, include_superseded=False):
    plan = ScreeningPlan.objects.get(patient=patient)
    return [(i.panel, i.kind, i.due_on, i.status) for i in plan.items.order_by("due_on", "pk")
            if include_superseded or i.status != "superseded"]


def test_standard_tier_plans_one_basic_panel(site, rheumatologist):
    patient = patient_with_tier(site, rheumatologist, "standard")
    assert ScreeningPlan.objects.get(patient=patient).tier == "standard"
    assert items(patient) == [("basic", "diagnosis", dt.date(2025, 5, 1), "due")]


def test_moderate_tier_adds_the_enhanced_panel(site, rheumatologist):
    patient = patient_with_tier(site, rheumatologist, "moderate")
    assert items(patient) == [("basic", "diagnosis", dt.date(2025, 5, 1), "due"),
                              ("enhanced", "diagnosis", dt.date(2025, 5, 1), "due")]


def test_high_tier_adds_three_yearly_basic_panels(site, rheumatologist):
    patient = patient_with_tier(site, rheumatologist, "high", sex="male")
    assert [(p, d) for p, _, d, _ in items(patient)] == [
        ("basic", dt.date(2025, 5, 1)), ("enhanced", dt.date(2025, 5, 1)),
        ("basic", dt.date(2026, 2, 1)), ("basic", dt.date(2027, 2, 1)),
        ("basic", dt.date(2028, 2, 1))]
    plan = ScreeningPlan.objects.get(patient=patient)
    assert "tif1g" in plan.high_factors and "age_over_40" in plan.high_factors
    assert plan.ruleset.number == 1 and "IMACS 2023 tier high" in plan.basis


def test_juvenile_onset_gets_no_plan(site, rheumatologist):
    patient = patient_with_tier(site, rheumatologist, "not_applicable")
    assert not ScreeningPlan.objects.filter(patient=patient).exists()


@pytest.mark.parametrize(("sex", "present", "absent"), [
    ("female", {"mammography", "cervical", "ca125", "pelvic_us", "ct", "fobt"}, {"psa"}),
    ("male", {"psa", "ct", "fobt"}, {"mammography", "cervical", "ca125", "pelvic_us"}),
])
def test_enhanced_components_depend_on_sex(site, rheumatologist, sex, present, absent):
    patient = patient_with_tier(site, rheumatologist, "high", sex=sex)
    enhanced = ScreeningPlan.objects.get(patient=patient).items.get(panel="enhanced")
    codes = set(enhanced.components.values_list("code", flat=True))
    assert present <= codes and not (absent & codes)


def test_basic_components_follow_the_guideline(site, rheumatologist):
    patient = patient_with_tier(site, rheumatologist, "standard")
    basic = ScreeningPlan.objects.get(patient=patient).items.get(panel="basic")
    assert list(basic.components.values_list("code", flat=True)) == [
        "history_exam", "fbc", "lft", "esr_crp", "spep", "urinalysis", "cxr"]


@pytest.mark.parametrize(("as_of", "status"), [
    (dt.date(2025, 6, 30), "due"),      # due 2025-05-01 + 60 days
    (dt.date(2025, 7, 1), "overdue"),   # + 61 days
])
def test_status_at_the_grace_period_edge(site, rheumatologist, as_of, status):
    patient = patient_with_tier(site, rheumatologist, "standard")
    patient_reevaluate(patient.pk, as_of=as_of)
    assert items(patient)[0][3] == status
    overdue = Flag.objects.filter(patient=patient, code="CANCER_SCREENING_OVERDUE")
    assert overdue.exclude(state="resolved").exists() is (status == "overdue")


def complete(item, actor, day, result="no_cancer"):
    for component in item.components.all():
        screening_component_record(actor=actor, component=component, today=day, data={
            "done_on": day, "result": result, "note": ""})


def test_completing_every_test_records_the_panel_and_marks_it_done(
        site, rheumatologist, django_capture_on_commit_callbacks):
    patient = patient_with_tier(site, rheumatologist, "standard")
    basic = ScreeningPlan.objects.get(patient=patient).items.get(panel="basic")
    with django_capture_on_commit_callbacks(execute=True):
        complete(basic, rheumatologist, dt.date(2025, 3, 1))
    record = CancerScreeningRecord.objects.get(patient=patient)
    assert (record.panel, record.result, record.observed_on) == (
        "basic", "no_cancer", dt.date(2025, 3, 1))
    basic.refresh_from_db()
    assert basic.record == record
    patient_reevaluate(patient.pk, as_of=dt.date(2025, 8, 1))
    basic.refresh_from_db()
    assert basic.status == "done"


def test_restratification_keeps_completed_work_and_explains_itself(
        site, rheumatologist, django_capture_on_commit_callbacks):
    patient = patient_with_tier(site, rheumatologist, "standard")
    plan = ScreeningPlan.objects.get(patient=patient)
    basic = plan.items.get(panel="basic")
    with django_capture_on_commit_callbacks(execute=True):
        complete(basic, rheumatologist, dt.date(2025, 3, 1))
    # A new TIF1-γ result: one high factor → moderate tier.
    AntibodyFactory(patient=patient, observed_on=dt.date(2025, 3, 2), antibody="tif1g")
    patient_reevaluate(patient.pk, as_of=dt.date(2025, 3, 3))
    plan.refresh_from_db()
    assert plan.tier == "moderate"
    basic.refresh_from_db()
    assert basic.status == "done" and all(c.done_on for c in basic.components.all())
    assert ("enhanced", "diagnosis", dt.date(2025, 5, 1), "due") in items(patient)
    texts = list(plan.events.values_list("text", flat=True))
    assert any("Re-stratified (tier standard → moderate)" in t for t in texts)
    assert any("Added: Enhanced panel due 2025-05-01" in t for t in texts)


def test_sync_is_idempotent(site, rheumatologist):
    patient = patient_with_tier(site, rheumatologist, "high")
    plan = ScreeningPlan.objects.get(patient=patient)
    before = (list(items(patient, True)), plan.events.count(), plan.history.count())
    patient_reevaluate(patient.pk, as_of=TODAY)
    assert (list(items(patient, True)), plan.events.count(), plan.history.count()) == before


def test_a_finding_raises_a_critical_flag_until_the_outcome_is_recorded(
        site, rheumatologist, django_capture_on_commit_callbacks):
    patient = patient_with_tier(site, rheumatologist, "standard")
    plan = ScreeningPlan.objects.get(patient=patient)
    with django_capture_on_commit_callbacks(execute=True):
        complete(plan.items.get(panel="basic"), rheumatologist, dt.date(2025, 3, 1), "finding")
    flag = Flag.objects.get(patient=patient, code="CANCER_SCREENING_FINDING")
    assert flag.severity == "critical" and flag.state == "open"
    with django_capture_on_commit_callbacks(execute=True):
        screening_outcome_record(actor=rheumatologist, plan=plan, today=dt.date(2025, 3, 1),
                                 data={"outcome": "no_cancer", "note": "CT: benign cyst",
                                       "outcome_on": dt.date(2025, 3, 1)})
    flag.refresh_from_db()
    assert flag.state == "resolved"
    plan.refresh_from_db()
    assert plan.state == "active"
    assert "Outcome recorded: Work-up found no cancer" in plan.events.first().text
