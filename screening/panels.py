"""The screening plan as a checklist on the patient page."""

from cadm.panels import PatientPanel, register_panel
from cadm.selectors.compiled import Compiled

from .models import ScreeningComponent, ScreeningItem, ScreeningPlan

# Read on every patient page: compiled once (cadm.selectors.compiled).
_ITEMS = Compiled(lambda plan_id: ScreeningItem.objects.filter(plan_id=plan_id)
                  .exclude(status=ScreeningItem.Status.SUPERSEDED))
_TESTS = Compiled(lambda plan_id: ScreeningComponent.objects.filter(
    item__plan_id=plan_id).exclude(item__status=ScreeningItem.Status.SUPERSEDED))


def _context(*, patient, evaluation, user, **_) -> dict:
    """Two queries (the items, their tests) when the page's facts read the plan through
    `patient` (services.screening_facts keeps it there); three otherwise. Each item carries
    its tests (`item.tests`) and how many are done (`item.tests_done`)."""
    try:
        plan = patient.screening_plan
    except ScreeningPlan.DoesNotExist:
        plan = None
    if not plan:
        return {"plan": None, "items": [], "evaluation": evaluation, "patient": patient}
    items = _ITEMS(plan.pk)
    tests: dict[int, list] = {item.pk: [] for item in items}
    for test in _TESTS(plan.pk):
        tests[test.item_id].append(test)
    for item in items:
        item.tests = tests[item.pk]
        item.tests_done = sum(1 for test in item.tests if test.done_on)
    return {"plan": plan, "items": items, "evaluation": evaluation, "patient": patient}


register_panel(PatientPanel("screening", "Cancer screening (IMACS 2023)", 20,
                            "screening/_patient_panel.html", _context))
