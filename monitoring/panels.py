"""The lung summary on the patient page, with a link to the full lung page."""

from cadm.panels import PatientPanel, register_panel
from cadm.permissions import Perm, has_perm
from cadm.selectors.rulesets import ruleset_active

from .selectors import lung_panel_for


def _context(*, patient, evaluation, user, records=None, ruleset=None, **_) -> dict:
    """No query with the page's `records` and `ruleset`; four without them (the rule set,
    the latest HRCT and 6-minute walk, the anti-MDA5 results)."""
    params = (ruleset or ruleset_active()).params
    panel = lung_panel_for(patient, evaluation, params, evaluation.as_of, records)
    return {"patient": patient, "lung": panel,
            "can_record": has_perm(user, Perm.RESULT_RECORD)}


def _state(*, patient, evaluation, user, records=None, ruleset=None, **_) -> dict:
    """The schedule as the panel explains it (status, why, when), for the API."""
    lung = _context(patient=patient, evaluation=evaluation, user=user, records=records,
                    ruleset=ruleset)["lung"]
    return {"lung_schedule": lung.schedule.as_dict()}


register_panel(PatientPanel("lung", "Lung monitoring", 10, "monitoring/_patient_panel.html",
                            _context, state=_state))
