"""The cancer-screening plan as FHIR R4: the plan a CarePlan, each of its items a
ServiceRequest based on it (pure builders, as cadm/fhir/export_resources.py, whose shared
helpers they use)."""

from __future__ import annotations

from .export_resources import annotations, iso, reference

# ScreeningItem.status -> (ServiceRequest.status, .intent). "To consider" is IMACS 2023's
# conditional recommendation: a proposal, not a plan.
ITEM_REQUEST = {"due": ("active", "plan"), "overdue": ("active", "plan"),
                "done": ("completed", "plan"), "suggested": ("active", "proposal"),
                "superseded": ("revoked", "plan")}
SCREENING_CATEGORY = [{"text": "Cancer screening (IMACS 2023)"}]


def care_plan(plan, items, patient, *, condition_id: str | None) -> dict:
    tier = plan.tier.replace("_", " ")
    resource = {
        "resourceType": "CarePlan",
        "id": str(plan.public_id),
        # Closing is the care team's decision that screening ends (see ScreeningPlan).
        "status": "active" if plan.state == "active" else "completed",
        "intent": "plan",
        "category": SCREENING_CATEGORY,
        "title": f"Cancer screening plan, IMACS 2023 {tier} risk",
        "description": plan.basis,
        "subject": reference("Patient", patient.public_id),
        "created": plan.created_at.isoformat(),
        "author": {"display": f"CADM rules, rule-set version {plan.ruleset.number}"},
        "activity": [{"reference": reference("ServiceRequest", item.public_id,
                                             item.get_panel_display())} for item in items],
    }
    if condition_id:
        resource["addresses"] = [reference("Condition", condition_id)]
    notes = []
    if plan.outcome:
        notes.append(f"Outcome on {iso(plan.outcome_on)}: {plan.get_outcome_display()}. "
                     f"{plan.outcome_note}".strip())
    if plan.state != "active":
        notes.append(f"Screening ended on {iso(plan.closed_on)}: {plan.closed_reason}".strip())
    if notes:
        resource["note"] = annotations(*notes)
    if not resource["activity"]:
        del resource["activity"]
    return resource


def service_request(item, plan, patient, *, condition_id: str | None) -> dict:
    status, intent = ITEM_REQUEST.get(item.status, ("unknown", "plan"))
    resource = {
        "resourceType": "ServiceRequest",
        "id": str(item.public_id),
        "basedOn": [reference("CarePlan", plan.public_id)],
        "status": status,
        "intent": intent,
        "category": SCREENING_CATEGORY,
        "code": {"text": item.get_panel_display()},
        "subject": reference("Patient", patient.public_id),
    }
    if item.window_start and item.window_end:
        resource["occurrencePeriod"] = {"start": item.window_start.isoformat(),
                                        "end": item.window_end.isoformat()}
    elif item.due_on:
        resource["occurrenceDateTime"] = item.due_on.isoformat()
    if item.reason:
        resource["reasonCode"] = [{"text": item.reason}]
    if condition_id:
        resource["reasonReference"] = [reference("Condition", condition_id)]
    notes = [f"{item.get_status_display()}"
             + (f", due {item.due_on.isoformat()}" if item.due_on else "")
             + (f", done on {item.done_on.isoformat()}" if item.done_on else "")
             + f" ({'at diagnosis' if item.kind == 'diagnosis' else item.kind})."]
    tests = [c.label + (f" (done {c.done_on.isoformat()})" if c.done_on else "")
             for c in item.components.all()]
    if tests:
        notes.append("Tests: " + "; ".join(tests) + ".")
    resource["note"] = annotations(*notes)
    return resource
