"""The screening plans of a chunk of the cohort (cadm.services.cohort_evaluation): read as
values in three queries, compared with the evaluations, and written only where a plan would
change.

On a daily sweep almost no plan changes: asking `screening_plan_sync` of each patient would
read every plan again, one patient at a time. The comparison here is the same as that
function's (tier and factors, items added, dropped or refreshed), through the helpers it
uses; a plan that differs goes through `screening_plan_sync` itself, so there is one way to
write a plan.
"""

from __future__ import annotations

from collections import namedtuple

from cadm.models import RuleSetVersion
from cadm.rules.outcomes import Evaluation

from . import planning
from .models import ScreeningComponent, ScreeningItem, ScreeningPlan
from .services import (
    REFRESHED,
    item_refreshed,
    plan_restratified,
    screening_plan_sync,
)

# What the comparison reads of a plan and of its items: values, not model instances (a
# chunk's plans have tens of thousands of items and components).
PlanRow = namedtuple("PlanRow", "tier high_factors intermediate_factors items")
ItemRow = namedtuple("ItemRow", ("key", *REFRESHED, "started"))


def plan_in_line(plan: PlanRow | None, evaluation: Evaluation) -> bool:
    """True when `screening_plan_sync` would write nothing."""
    if plan is None:
        return evaluation.cancer_risk.tier == "not_applicable"
    if plan_restratified(plan, evaluation):
        return False
    items = {item.key: item for item in plan.items}
    started = {key: item.started for key, item in items.items()
               if item.status != "superseded"}
    diff = planning.plan_diff(started, planning.planned_items(evaluation))
    if diff.add or diff.supersede:
        return False
    return all(tuple(getattr(items[p.key], f) for f in REFRESHED)
               == item_refreshed(items[p.key], p) for p in diff.keep)


def plan_rows(patient_ids: list[int]) -> dict[int, PlanRow]:
    """{patient id: the plan as plan_in_line reads it}, in three queries. An item is started
    as `item_started` says: done, or a component with a date."""
    plans, by_id = {}, {}
    for pk, patient_id, *values in ScreeningPlan.objects.filter(
            patient_id__in=patient_ids).values_list(
            "pk", "patient_id", "tier", "high_factors", "intermediate_factors"):
        plans[patient_id] = by_id[pk] = PlanRow(*values, items=[])
    begun = set(ScreeningComponent.objects.filter(
        item__plan_id__in=list(by_id), done_on__isnull=False).values_list("item_id", flat=True))
    for pk, plan_id, key, *refreshed in ScreeningItem.objects.filter(
            plan_id__in=list(by_id)).values_list("pk", "plan_id", "key", *REFRESHED):
        item = ItemRow(key, *refreshed, started=False)
        by_id[plan_id].items.append(item._replace(
            started=item.status == "done" or pk in begun))
    return plans


def screening_plans_sync(*, pairs: list[tuple], ruleset: RuleSetVersion,
                         facts=None) -> None:
    """`screening_plan_sync` for each (patient, evaluation) whose plan would change. `facts`
    (the after-evaluation hooks' keyword): unused, the evaluations say it all."""
    plans = plan_rows([patient.pk for patient, _ in pairs])
    for patient, evaluation in pairs:
        if not plan_in_line(plans.get(patient.pk), evaluation):
            screening_plan_sync(patient=patient, evaluation=evaluation, ruleset=ruleset)


def screening_facts_of(patients) -> dict[int, dict]:
    """`screening_facts` for a chunk of patients, in one query."""
    found = {pk: {} for pk in (p.pk for p in patients)}
    for patient_id, state, outcome_on in ScreeningPlan.objects.filter(
            patient_id__in=list(found)).values_list("patient_id", "state", "outcome_on"):
        found[patient_id] = {"screening_outcome_date": outcome_on,
                             "screening_plan_closed": state == ScreeningPlan.State.CLOSED}
    return found
