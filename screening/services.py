"""Writes of the screening app: the plan follows the evaluation; clinicians record tests.

The clinicians' writes take typed inputs (cadm.inputs.screening), or a mapping parsed here by
the same parser (InputInvalid, a DomainError), so a value is checked the same way whatever the
door; the checks that need the stored plan stay here, with permission and the patient's site
checked again whoever calls."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db import transaction
from django.utils import timezone

from cadm.exceptions import DomainError, require, require_patient_site
from cadm.inputs import (
    CancerScreeningInput,
    Context,
    ScreeningCloseInput,
    ScreeningOutcomeInput,
    ScreeningReopenInput,
    ScreeningTestInput,
)
from cadm.models import Patient, RuleSetVersion
from cadm.permissions import Perm
from cadm.rules import vocabulary
from cadm.rules.outcomes import Evaluation
from cadm.sections import get_section
from cadm.selectors.compiled import Compiled
from cadm.services.audit import audit_record
from cadm.services.evaluation import evaluation_after_commit
from cadm.services.visits import results_add

from . import planning
from .models import (
    ScreeningComponent,
    ScreeningItem,
    ScreeningPlan,
    ScreeningPlanEvent,
)
from .selectors import screening_findings_open

TIER_WORDS = {"standard": "standard", "moderate": "moderate", "high": "high",
              "not_applicable": "not applicable"}


def _basis(evaluation: Evaluation) -> str:
    risk = evaluation.cancer_risk
    if risk.tier == "not_applicable":
        return ("Juvenile onset: IMACS 2023 does not ask for IIM-specific cancer screening; "
                "continue age-appropriate population screening.")
    names = dict(vocabulary.IMACS_FACTORS)
    high = ", ".join(names[f] for f in risk.high_factors) or "none"
    intermediate = ", ".join(names[f] for f in risk.intermediate_factors) or "none"
    return (f"IMACS 2023 tier {risk.tier}: high-risk factors {high}; intermediate factors "
            f"{intermediate} (rule set v{evaluation.rule_set_version}).")


def plan_restratified(plan: ScreeningPlan, evaluation: Evaluation) -> bool:
    risk = evaluation.cancer_risk
    return (plan.tier, plan.high_factors, plan.intermediate_factors) != (
        risk.tier, list(risk.high_factors), list(risk.intermediate_factors))


def screening_plan_sync(*, patient: Patient, evaluation: Evaluation,
                        ruleset: RuleSetVersion, facts=None) -> ScreeningPlan | None:
    """Bring the plan in line with the evaluation: new items added with their dates, statuses
    refreshed, items dropped only when no work was recorded on them; a tier change is
    explained in the plan's events. Idempotent. Runs inside the evaluation's transaction.
    `facts` (the after-evaluation hooks' keyword): unused, the evaluation says it all."""
    risk = evaluation.cancer_risk
    plan = ScreeningPlan.objects.filter(patient=patient).first()
    if plan is None and risk.tier == "not_applicable":
        return None
    if plan is None:
        plan = ScreeningPlan.objects.create(
            patient=patient, tier=risk.tier, high_factors=list(risk.high_factors),
            intermediate_factors=list(risk.intermediate_factors), basis=_basis(evaluation),
            ruleset=ruleset)
        _event(plan, ruleset, f"Plan created: {_basis(evaluation)}")
    elif plan_restratified(plan, evaluation):
        old = plan.tier
        plan.tier, plan.ruleset, plan.basis = risk.tier, ruleset, _basis(evaluation)
        plan.high_factors = list(risk.high_factors)
        plan.intermediate_factors = list(risk.intermediate_factors)
        plan.save()
        change = f"tier {old} → {risk.tier}" if old != risk.tier else "factors changed"
        _event(plan, ruleset, f"Re-stratified ({change}): {plan.basis}")
    _sync_items(plan, planning.planned_items(evaluation), ruleset, patient.sex)
    return plan


def _sync_items(plan: ScreeningPlan, planned, ruleset, sex: str) -> None:
    existing = {i.key: i for i in plan.items.prefetch_related("components")}
    started = {key: item_started(item)
               for key, item in existing.items() if item.status != "superseded"}
    diff = planning.plan_diff(started, planned)
    for p in diff.add:
        if p.key in existing:  # superseded earlier, planned again
            _refresh(existing[p.key], p)
            continue
        item = ScreeningItem.objects.create(
            plan=plan, key=p.key, panel=p.panel, kind=p.kind, due_on=p.due,
            window_start=p.window_start, window_end=p.window_end, status=p.status,
            reason=p.reason, done_on=p.done_on)
        ScreeningComponent.objects.bulk_create(
            ScreeningComponent(item=item, code=code, label=label)
            for code, label in planning.components_for(p.panel, sex))
    for p in diff.keep:
        _refresh(existing[p.key], p)
    for key in diff.supersede:
        existing[key].status = ScreeningItem.Status.SUPERSEDED
        existing[key].save(update_fields=["status"])
    if diff.add or diff.supersede:
        added = "; ".join(f"{planning.PANEL_LABELS[p.panel]}"
                          f"{' due ' + p.due.isoformat() if p.due else ''}" for p in diff.add)
        dropped = "; ".join(diff.supersede)
        _event(plan, ruleset, " ".join(filter(None, (
            f"Added: {added}." if added else "", f"No longer planned: {dropped}."
            if dropped else ""))))


REFRESHED = ("due_on", "window_start", "window_end", "status", "reason", "done_on")


def item_refreshed(item: ScreeningItem, p: planning.PlannedItem) -> tuple:
    """The REFRESHED fields the rules give the item: dates and status; a suggested item keeps
    'done' once its tests are."""
    suggested_done = p.status == "suggested" and item.status == "done"
    status = item.status if suggested_done else p.status
    done_on = item.done_on if suggested_done else p.done_on
    return (p.due, p.window_start, p.window_end, status, p.reason, done_on)


def item_started(item: ScreeningItem) -> bool:
    """Work is recorded on the item (it is never dropped then). Reads the prefetched
    components."""
    return item.status == "done" or any(c.done_on for c in item.components.all())


def _refresh(item: ScreeningItem, p: planning.PlannedItem) -> None:
    new = item_refreshed(item, p)
    if tuple(getattr(item, f) for f in REFRESHED) != new:
        for field, value in zip(REFRESHED, new, strict=True):
            setattr(item, field, value)
        item.save()


def _event(plan, ruleset, text: str, actor=None) -> None:
    ScreeningPlanEvent.objects.create(plan=plan, ruleset=ruleset, text=text, actor=actor)


def _parsed(data, input_class, patient: Patient, today: date):
    """The typed input, or a mapping parsed by the same parser (dates against this patient's
    birth and `today`)."""
    if isinstance(data, input_class):
        return data
    if not isinstance(data, Mapping):
        raise TypeError(f"Expected a {input_class.__name__} (cadm.inputs) or a mapping, not "
                        f"{type(data).__name__}.")
    return input_class.parse(data, context=Context(today=today,
                                                   birth_date=patient.birth_date))


@transaction.atomic
def screening_component_record(*, actor, component: ScreeningComponent,
                               data: ScreeningTestInput | Mapping,
                               today: date) -> ScreeningComponent:
    """Record one test as done. When every test of the item is done, the panel is recorded
    as a cancer-screening record (its result the worst of the tests), which the rules read.
    A test is recorded once: a second recording would overwrite the first without a trace
    on the page; an item no longer in the plan takes no more tests."""
    require(actor, Perm.RESULT_RECORD)
    # The item locked: of two tests of a panel recorded at once, the second sees the first
    # done, so the panel's record is written once, by whichever completes it.
    item = (ScreeningItem.objects.select_for_update(of=("self",))
            .select_related("plan__patient").get(pk=component.item_id))
    component = ScreeningComponent.objects.get(pk=component.pk)
    patient = item.plan.patient
    require_patient_site(actor, patient)
    test = _parsed(data, ScreeningTestInput, patient, today)
    if component.done_on is not None:
        raise DomainError(f"{component.label}: already recorded as done on "
                          f"{component.done_on.isoformat()}.")
    if item.status == ScreeningItem.Status.SUPERSEDED:
        raise DomainError(f"{planning.PANEL_LABELS[item.panel]}: no longer in the plan; its "
                          f"tests are not recorded.")
    component.done_on, component.result, component.note = test.done_on, test.result, test.note
    component.recorded_by = actor
    component._history_user = actor
    component.save()
    audit_record(actor=actor, action="screening.component", target=item.plan, patient=patient,
                 detail={"item": item.key, "component": component.code,
                         "result": test.result})
    components = list(item.components.all())
    if all(c.done_on for c in components) and item.record_id is None:
        _record_panel(actor, item, components, today)
    else:
        evaluation_after_commit(patient)
    return component


def _record_panel(actor, item: ScreeningItem, components, today: date) -> None:
    result = planning.worst_result([c.result for c in components])
    day = max(c.done_on for c in components)
    patient = item.plan.patient
    row = CancerScreeningInput.parse(
        {"panel": item.panel, "result": result, "note": f"All tests of the {item.key} item "
                                                        f"done."},
        context=Context(today=today, birth_date=patient.birth_date))
    (record,) = results_add(actor=actor, patient=patient, observed_on=day,
                            rows=[(get_section("cancer-screening"), row)])
    item.record = record
    if item.kind == "suggested":
        item.status, item.done_on = ScreeningItem.Status.DONE, day
    item.save()
    _event(item.plan, item.plan.ruleset,
           f"{planning.PANEL_LABELS[item.panel]} completed on {day.isoformat()}: "
           f"{record.get_result_display().lower()}.", actor=actor)


def _locked(actor, plan: ScreeningPlan) -> ScreeningPlan:
    """The plan row, locked: two clinicians deciding at once cannot both win. Refused for a
    patient outside the actor's sites, whatever the door."""
    plan = ScreeningPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
    require_patient_site(actor, plan.patient)
    return plan


@transaction.atomic
def screening_outcome_record(*, actor, plan: ScreeningPlan,
                             data: ScreeningOutcomeInput | Mapping,
                             today: date) -> ScreeningPlan:
    """The outcome of the work-up of a finding. It settles the findings dated up to
    `outcome_on` (the finding flag clears); the rest of the schedule goes on: the plan stays
    active and its later panels (the yearly ones of a high-risk patient) stay due."""
    require(actor, Perm.RESULT_RECORD)
    plan = _locked(actor, plan)
    decided = _parsed(data, ScreeningOutcomeInput, plan.patient, today)
    outcome, outcome_on, note = decided.outcome, decided.outcome_on, decided.note
    findings = screening_findings_open(plan)
    if not findings:
        raise DomainError("No finding awaits an outcome: the outcome settles a finding of a "
                          "screening test.")
    if outcome_on < findings[-1].observed_on:
        raise DomainError(f"Date of the outcome: {outcome_on.isoformat()} is before the "
                          f"finding of {findings[-1].observed_on.isoformat()} it settles.")
    plan.outcome, plan.outcome_on, plan.outcome_note = outcome, outcome_on, note
    plan._history_user = actor
    plan.save()
    _event(plan, plan.ruleset, f"Outcome recorded: {plan.get_outcome_display()} on "
                               f"{outcome_on.isoformat()}. {note}".strip(), actor=actor)
    audit_record(actor=actor, action="screening.outcome", target=plan, patient=plan.patient,
                 detail={"outcome": outcome})
    evaluation_after_commit(plan.patient)
    return plan


@transaction.atomic
def screening_plan_close(*, actor, plan: ScreeningPlan, data: ScreeningCloseInput | Mapping,
                         today: date) -> ScreeningPlan:
    """The care team's explicit decision that screening ends, with its reason: only this
    stops the schedule's reminders. A finding still waiting for its outcome keeps its flag.
    The plan keeps its items and history, and can be reopened."""
    require(actor, Perm.RESULT_RECORD)
    plan = _locked(actor, plan)
    if plan.state == ScreeningPlan.State.CLOSED:
        raise DomainError(f"Screening already ended on {plan.closed_on}.")
    decided = _parsed(data, ScreeningCloseInput, plan.patient, today)
    plan.state, plan.closed_on, plan.closed_by = (ScreeningPlan.State.CLOSED,
                                                  decided.closed_on, actor)
    plan.closed_reason = decided.reason
    plan._history_user = actor
    plan.save()
    _event(plan, plan.ruleset, f"Screening ended on {decided.closed_on.isoformat()}: "
                               f"{plan.closed_reason}", actor=actor)
    audit_record(actor=actor, action="screening.close", target=plan, patient=plan.patient)
    evaluation_after_commit(plan.patient)
    return plan


@transaction.atomic
def screening_plan_reopen(*, actor, plan: ScreeningPlan, data: ScreeningReopenInput | Mapping,
                          today: date | None = None) -> ScreeningPlan:
    """Screening resumes (ended by mistake, or the situation changed): reminders apply
    again."""
    require(actor, Perm.RESULT_RECORD)
    plan = _locked(actor, plan)
    if plan.state != ScreeningPlan.State.CLOSED:
        raise DomainError("Screening has not ended: there is nothing to reopen.")
    decided = _parsed(data, ScreeningReopenInput, plan.patient, today or timezone.localdate())
    plan.state, plan.closed_on, plan.closed_by, plan.closed_reason = (
        ScreeningPlan.State.ACTIVE, None, None, "")
    plan._history_user = actor
    plan.save()
    _event(plan, plan.ruleset, f"Screening resumed: {decided.reason}", actor=actor)
    audit_record(actor=actor, action="screening.reopen", target=plan, patient=plan.patient)
    evaluation_after_commit(plan.patient)
    return plan


# Read on every patient page: compiled once (cadm.selectors.compiled).
_PLAN = Compiled(lambda patient_id: ScreeningPlan.objects.filter(patient_id=patient_id)
                 .order_by("pk")[:1])


def screening_facts(patient: Patient) -> dict:
    """What the rules read from the plan (cadm.rules.facts.PatientInfo fields). The whole row
    is read and kept as `patient.screening_plan` (Django's cache of the relation, "no plan"
    included): the patient page's screening panel, given the same patient, shows that plan
    rather than reading it again."""
    # Read on every call, never from that cache: facts must see a plan changed since.
    found = _PLAN(patient.pk)
    plan = found[0] if found else None
    Patient.screening_plan.related.set_cached_value(patient, plan)
    if plan is None:
        return {}
    return {"screening_outcome_date": plan.outcome_on,
            "screening_plan_closed": plan.state == ScreeningPlan.State.CLOSED}
