"""The screening plan as a checklist on the patient page."""

from cadm.panels import PatientPanel, register_panel

from .models import ScreeningPlan


def _context(*, patient, evaluation, user, **_) -> dict:
    plan = (ScreeningPlan.objects.filter(patient=patient)
            .prefetch_related("items__components").first())
    items = [i for i in plan.items.all() if i.status != "superseded"] if plan else []
    return {"plan": plan, "items": items, "evaluation": evaluation, "patient": patient}


register_panel(PatientPanel("screening", "Cancer screening (IMACS 2023)", 20,
                            "screening/_patient_panel.html", _context))
