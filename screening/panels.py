"""The screening plan as a checklist on the patient page."""

from django.db.models import prefetch_related_objects

from cadm.panels import PatientPanel, register_panel

from .models import ScreeningPlan


def _context(*, patient, evaluation, user, **_) -> dict:
    """Two queries (the items, their tests) when the page's facts read the plan through
    `patient` (services.screening_facts keeps it there); three otherwise."""
    try:
        plan = patient.screening_plan
    except ScreeningPlan.DoesNotExist:
        plan = None
    if plan:
        prefetch_related_objects([plan], "items__components")
    items = [i for i in plan.items.all() if i.status != "superseded"] if plan else []
    return {"plan": plan, "items": items, "evaluation": evaluation, "patient": patient}


register_panel(PatientPanel("screening", "Cancer screening (IMACS 2023)", 20,
                            "screening/_patient_panel.html", _context))
