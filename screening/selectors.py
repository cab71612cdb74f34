"""Reads of the screening app: the cohort's plans and items, limited to the user's sites."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from cadm.models import Site
from cadm.selectors.patients import patient_list_for

from .models import CancerScreeningRecord, ScreeningItem, ScreeningPlan

# The window of the "due soon" list, today and the last day included (issue: next 30 days).
DUE_SOON_DAYS = 30
# Rows of the tier counts, in the order shown; "closed" and "none" are not tiers.
TIER_ROWS = (("standard", "Standard"), ("moderate", "Moderate"), ("high", "High"),
             ("not_applicable", "Not applicable"), ("closed", "Plan closed"),
             ("none", "No plan yet"))




def _patients(user, site: Site | None):
    patients = patient_list_for(user=user)
    return patients.filter(site=site) if site else patients


def cohort_tier_counts(*, user, site: Site | None = None) -> list[tuple[str, str, int]]:
    """(key, label, patients) for each row of TIER_ROWS, in one query. Tiers count active
    plans; a closed plan counts once under "Plan closed", so the rows add up to the total."""
    rows = (_patients(user, site).order_by()
            .values("screening_plan__tier", "screening_plan__state").annotate(n=Count("pk")))
    counts = dict.fromkeys((key for key, _ in TIER_ROWS), 0)
    for row in rows:
        state, tier = row["screening_plan__state"], row["screening_plan__tier"]
        key = ("none" if state is None else "closed" if state == ScreeningPlan.State.CLOSED
               else tier)
        counts[key] = counts.get(key, 0) + row["n"]
    return [(key, label, counts.pop(key)) for key, label in TIER_ROWS] + [
        (key, key, n) for key, n in counts.items()]  # a tier this page does not know yet


@dataclass(frozen=True)
class CohortItems:
    last_day: dt.date  # the last day of the due-soon window, included
    due_soon: QuerySet[ScreeningItem]
    overdue: QuerySet[ScreeningItem]


def cohort_items_for(*, user, site: Site | None = None, today: dt.date) -> CohortItems:
    """Open work of ACTIVE plans at the user's sites (superseded items never appear):
    due up to today+30 (included, soonest first; items already past due but still within
    the grace period come first, so nothing falls between the lists) and overdue (oldest
    first).
    "Overdue" is the rules' status (more than the grace days past due), refreshed by each
    evaluation and the daily sweep. One query per list, whatever the cohort's size."""
    items = (ScreeningItem.objects
             .filter(plan__state=ScreeningPlan.State.ACTIVE,
                     plan__patient__in=_patients(user, site).values("pk"))
             .select_related("plan", "plan__patient", "plan__patient__site"))
    last_day = today + dt.timedelta(days=DUE_SOON_DAYS)
    return CohortItems(
        last_day=last_day,
        due_soon=items.filter(status=ScreeningItem.Status.DUE, due_on__lte=last_day)
        .order_by("due_on", "plan__patient__family_name", "pk"),
        overdue=items.filter(status=ScreeningItem.Status.OVERDUE)
        .order_by("due_on", "plan__patient__family_name", "pk"),
    )


def screening_findings_open(plan: ScreeningPlan) -> list:
    """Screening records that found something and that no recorded outcome settles yet."""
    findings = CancerScreeningRecord.objects.filter(
        patient_id=plan.patient_id, result__in=("finding", "cancer_found")).exclude(
        status="entered_in_error").order_by("observed_on")
    if plan.outcome_on:
        findings = findings.filter(observed_on__gt=plan.outcome_on)
    return list(findings)
