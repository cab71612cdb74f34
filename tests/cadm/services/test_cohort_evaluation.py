"""The cohort path (cadm.services.cohort_evaluation) against the per-patient one
(patient_reevaluate), side by side on the demo cohort: the same facts, the same stored flags,
actions, firings and screening plans, on a first evaluation and after time moves on; nothing
written in steady state; queries that do not grow with the chunk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cadm.models import Flag, FlagAction, Patient, RuleFiring
from cadm.selectors.cohort_facts import cohort_facts
from cadm.selectors.facts import patient_facts
from cadm.selectors.rulesets import ruleset_active
from cadm.services.cohort_evaluation import cohort_evaluate, cohort_reevaluate
from cadm.services.evaluation import patient_evaluation, patient_reevaluate
from screening.models import ScreeningComponent, ScreeningItem, ScreeningPlan, ScreeningPlanEvent

TODAY = dt.date(2026, 6, 1)
LATER = TODAY + dt.timedelta(days=400)


@pytest.fixture
def cohort(db):
    call_command("load_demo", today=TODAY.isoformat(), stdout=None)
    ids = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) >= 40
    return ids


def state() -> dict:
    """What an evaluation stores, without ids and clock times."""
    code = {f.pk: (f.patient_id, f.code) for f in Flag.objects.all()}
    item_of = {i.pk: (i.plan.patient_id, i.key) for i in ScreeningItem.objects.select_related(
        "plan")}
    return {
        "flags": sorted((f.patient_id, f.code, f.state, f.severity, f.summary, f.detail,
                         repr(f.evidence), f.evidence_digest, f.ruleset_id,
                         str(f.snoozed_until), f.resolved_reason, repr(f.extra))
                        for f in Flag.objects.all()),
        "actions": sorted((code[a.flag_id], a.kind, a.comment, a.reason, a.ruleset_id or 0)
                          for a in FlagAction.objects.all()),
        "firings": sorted((r.ruleset_id, r.code, r.patient_id, r.first_as_of, r.last_as_of)
                          for r in RuleFiring.objects.all()),
        "plans": sorted((p.patient_id, p.tier, repr(p.high_factors),
                         repr(p.intermediate_factors), p.basis, p.ruleset_id)
                        for p in ScreeningPlan.objects.all()),
        "items": sorted((item_of[i.pk], i.panel, i.kind, str(i.due_on), str(i.window_start),
                         str(i.window_end), i.status, i.reason, str(i.done_on))
                        for i in ScreeningItem.objects.all()),
        "components": sorted((item_of[c.item_id], c.code) for c in
                             ScreeningComponent.objects.all()),
        "events": sorted((e.plan.patient_id, e.text, e.ruleset_id or 0)
                         for e in ScreeningPlanEvent.objects.select_related("plan")),
    }


def per_patient(ids, as_of) -> dict:
    """The per-patient path's stored state, rolled back afterwards."""
    with transaction.atomic():
        for pk in ids:
            patient_reevaluate(pk, as_of=as_of)
        found = state()
        transaction.set_rollback(True)
    return found


def test_the_facts_are_the_per_patient_facts(cohort):
    patients = list(Patient.objects.filter(pk__in=cohort))
    batch = cohort_facts(patients)
    for patient in patients:
        assert batch[patient.pk] == patient_facts(patient), patient.mrn


def test_stores_what_the_per_patient_path_stores(cohort):
    expected = per_patient(cohort, TODAY)
    outcome = cohort_reevaluate(cohort, as_of=TODAY, ruleset=ruleset_active())
    assert outcome.errors == {}
    assert state() == expected
    assert sum(len(r.opened) for r in outcome.results.values()) == len(expected["flags"])

    # Reviewers at work, then time moves on: snoozes end, screening falls due, flags change.
    live = list(Flag.objects.exclude(state="resolved").order_by("pk"))
    Flag.objects.filter(pk=live[0].pk).update(state="snoozed", snoozed_until=TODAY)
    Flag.objects.filter(pk=live[1].pk).update(state="dismissed")
    Flag.objects.filter(pk=live[2].pk).update(state="acknowledged", evidence_digest="stale")
    before = state()
    expected = per_patient(cohort, LATER)
    assert expected != before
    outcome = cohort_reevaluate(cohort, as_of=LATER, ruleset=ruleset_active())
    assert outcome.errors == {}
    assert state() == expected
    assert any(r.reopened for r in outcome.results.values())


def test_steady_state_writes_nothing_and_queries_do_not_grow_with_the_chunk(cohort):
    ruleset = ruleset_active()
    cohort_reevaluate(cohort, as_of=TODAY, ruleset=ruleset)
    settled = state()
    actions = FlagAction.objects.count()
    counts = []
    for size in (10, 40):
        with CaptureQueriesContext(connection) as queries:
            outcome = cohort_reevaluate(cohort[:size], as_of=TODAY, ruleset=ruleset)
        assert not any(r.opened or r.updated or r.reopened or r.resolved
                       for r in outcome.results.values())
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert state() == settled and FlagAction.objects.count() == actions


def test_evaluate_only_matches_the_per_patient_evaluation(cohort):
    ruleset = ruleset_active()
    outcome = cohort_evaluate(cohort, as_of=TODAY, ruleset=ruleset)
    for patient in Patient.objects.filter(pk__in=cohort):
        assert outcome.evaluations[patient.pk] == patient_evaluation(
            patient, as_of=TODAY, ruleset=ruleset)
    assert Flag.objects.count() == 0


def test_a_failing_patient_is_reported_and_the_others_go_on(cohort, monitoring_broken):
    outcome = cohort_reevaluate(cohort, as_of=TODAY, ruleset=ruleset_active())
    assert set(outcome.errors) == {monitoring_broken}
    assert len(outcome.results) == len(cohort) - 1
    assert not Flag.objects.filter(patient_id=monitoring_broken).exists()
    assert Flag.objects.exclude(patient_id=monitoring_broken).exists()


@pytest.fixture
def monitoring_broken(cohort, monkeypatch):
    """One patient whose evaluation raises (a fault in a rule, say)."""
    import cadm.services.cohort_evaluation as module

    victim = cohort[3]
    real = module._evaluate

    def failing(facts, ruleset, as_of):
        if facts is broken_facts[0]:
            raise RuntimeError("a rule failed")
        return real(facts, ruleset, as_of)

    broken_facts = []
    real_facts = module.cohort_facts

    def facts_of(patients):
        found = real_facts(patients)
        broken_facts.append(found.get(victim))
        return found

    monkeypatch.setattr(module, "_evaluate", failing)
    monkeypatch.setattr(module, "cohort_facts", facts_of)
    return victim
