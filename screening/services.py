"""Writes of the screening app: the plan follows the evaluation; clinicians record tests."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from cadm.exceptions import DomainError, require
from cadm.models import Patient, RuleSetVersion
from cadm.permissions import Perm
from cadm.rules import vocabulary
from cadm.rules.outcomes import Evaluation
from cadm.sections import get_section
from cadm.services.audit import audit_record
from cadm.services.evaluation import evaluation_after_commit
from cadm.services.visits import results_add
from cadm.validation import check_date_or_refuse

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


def screening_plan_sync(*, patient: Patient, evaluation: Evaluation,
                        ruleset: RuleSetVersion) -> ScreeningPlan | None:
    """Bring the plan in line with the evaluation: new items added with their dates, statuses
    refreshed, items dropped only when no work was recorded on them; a tier change is
    explained in the plan's events. Idempotent. Runs inside the evaluation's transaction."""
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
    elif (plan.tier, plan.high_factors, plan.intermediate_factors) != (
            risk.tier, list(risk.high_factors), list(risk.intermediate_factors)):
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
    started = {key: item.status == "done" or any(c.done_on for c in item.components.all())
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


def _refresh(item: ScreeningItem, p: planning.PlannedItem) -> None:
    """Dates and status from the rules; a suggested item keeps 'done' once its tests are."""
    suggested_done = p.status == "suggested" and item.status == "done"
    status = item.status if suggested_done else p.status
    done_on = item.done_on if suggested_done else p.done_on
    new = (p.due, p.window_start, p.window_end, status, p.reason, done_on)
    fields = ("due_on", "window_start", "window_end", "status", "reason", "done_on")
    if tuple(getattr(item, f) for f in fields) != new:
        for field, value in zip(fields, new, strict=True):
            setattr(item, field, value)
        item.save()


def _event(plan, ruleset, text: str, actor=None) -> None:
    ScreeningPlanEvent.objects.create(plan=plan, ruleset=ruleset, text=text, actor=actor)


@transaction.atomic
def screening_component_record(*, actor, component: ScreeningComponent, done_on: date,
                               result: str, note: str, today: date) -> ScreeningComponent:
    """Record one test as done. When every test of the item is done, the panel is recorded
    as a cancer-screening record (its result the worst of the tests), which the rules read."""
    require(actor, Perm.RESULT_RECORD)
    item, patient = component.item, component.item.plan.patient
    check_date_or_refuse("Date done", done_on, today=today, birth_date=patient.birth_date)
    component.done_on, component.result, component.note = done_on, result, note
    component.recorded_by = actor
    component._history_user = actor
    component.save()
    audit_record(actor=actor, action="screening.component", target=item.plan, patient=patient,
                 detail={"item": item.key, "component": component.code, "result": result})
    components = list(item.components.all())
    if all(c.done_on for c in components) and item.record_id is None:
        _record_panel(actor, item, components)
    else:
        evaluation_after_commit(patient)
    return component


def _record_panel(actor, item: ScreeningItem, components) -> None:
    result = planning.worst_result([c.result for c in components])
    day = max(c.done_on for c in components)
    (record,) = results_add(actor=actor, patient=item.plan.patient, observed_on=day, rows=[
        (get_section("cancer-screening"), {"panel": item.panel, "result": result,
                                           "note": f"All tests of the {item.key} item done."})])
    item.record = record
    if item.kind == "suggested":
        item.status, item.done_on = ScreeningItem.Status.DONE, day
    item.save()
    _event(item.plan, item.plan.ruleset,
           f"{planning.PANEL_LABELS[item.panel]} completed on {day.isoformat()}: "
           f"{record.get_result_display().lower()}.", actor=actor)


def _day(label: str, day: date, *, plan: ScreeningPlan, today: date) -> None:
    check_date_or_refuse(label, day, today=today, birth_date=plan.patient.birth_date)


def _locked(plan: ScreeningPlan) -> ScreeningPlan:
    """The plan row, locked: two clinicians deciding at once cannot both win."""
    return ScreeningPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)


@transaction.atomic
def screening_outcome_record(*, actor, plan: ScreeningPlan, outcome: str, outcome_on: date,
                             note: str, today: date) -> ScreeningPlan:
    """The outcome of the work-up of a finding. It settles the findings dated up to
    `outcome_on` (the finding flag clears); the rest of the schedule goes on: the plan stays
    active and its later panels (the yearly ones of a high-risk patient) stay due."""
    require(actor, Perm.RESULT_RECORD)
    plan = _locked(plan)
    if outcome not in ScreeningPlan.Outcome.values:
        raise DomainError(f"Outcome: {outcome!r} is not one of "
                          f"{', '.join(ScreeningPlan.Outcome.values)}.")
    _day("Date of the outcome", outcome_on, plan=plan, today=today)
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
def screening_plan_close(*, actor, plan: ScreeningPlan, reason: str, closed_on: date,
                         today: date) -> ScreeningPlan:
    """The care team's explicit decision that screening ends, with its reason: only this
    stops the schedule's reminders. A finding still waiting for its outcome keeps its flag.
    The plan keeps its items and history, and can be reopened."""
    require(actor, Perm.RESULT_RECORD)
    plan = _locked(plan)
    if plan.state == ScreeningPlan.State.CLOSED:
        raise DomainError(f"Screening already ended on {plan.closed_on}.")
    if not reason.strip():
        raise DomainError("Reason: say why screening ends (e.g. cancer diagnosed and treated "
                          "elsewhere, patient declines further screening).")
    _day("Date screening ends", closed_on, plan=plan, today=today)
    plan.state, plan.closed_on, plan.closed_by = ScreeningPlan.State.CLOSED, closed_on, actor
    plan.closed_reason = reason.strip()
    plan._history_user = actor
    plan.save()
    _event(plan, plan.ruleset, f"Screening ended on {closed_on.isoformat()}: "
                               f"{plan.closed_reason}", actor=actor)
    audit_record(actor=actor, action="screening.close", target=plan, patient=plan.patient)
    evaluation_after_commit(plan.patient)
    return plan


@transaction.atomic
def screening_plan_reopen(*, actor, plan: ScreeningPlan, reason: str) -> ScreeningPlan:
    """Screening resumes (ended by mistake, or the situation changed): reminders apply
    again."""
    require(actor, Perm.RESULT_RECORD)
    plan = _locked(plan)
    if plan.state != ScreeningPlan.State.CLOSED:
        raise DomainError("Screening has not ended: there is nothing to reopen.")
    if not reason.strip():
        raise DomainError("Reason: say why screening resumes.")
    plan.state, plan.closed_on, plan.closed_by, plan.closed_reason = (
        ScreeningPlan.State.ACTIVE, None, None, "")
    plan._history_user = actor
    plan.save()
    _event(plan, plan.ruleset, f"Screening resumed: {reason.strip()}", actor=actor)
    audit_record(actor=actor, action="screening.reopen", target=plan, patient=plan.patient)
    evaluation_after_commit(plan.patient)
    return plan


def screening_facts(patient: Patient) -> dict:
    """What the rules read from the plan (cadm.rules.facts.PatientInfo fields)."""
    plan = ScreeningPlan.objects.filter(patient=patient).only("state", "outcome_on").first()
    if plan is None:
        return {}
    return {"screening_outcome_date": plan.outcome_on,
            "screening_plan_closed": plan.state == ScreeningPlan.State.CLOSED}
