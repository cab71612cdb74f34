"""The rule-metrics section of a version page (templates/cadm/rulesets/_metrics.html), over
the window of days in the page's GET parameters. Kept apart from views/rulesets.py so that
the section's parsing and counting are read (and changed) in one place."""

from __future__ import annotations

from django.http import HttpRequest

from cadm.forms.metrics import MetricsWindowForm
from cadm.models import RuleSetVersion
from cadm.selectors import metrics


def metrics_context(request: HttpRequest, version: RuleSetVersion) -> dict:
    """`metrics` of `version` over ?start=&end= (both optional), the form that parsed them and
    the window. A refused date counts nothing: the form says what is wrong and the page
    answers 400 (see `metrics_status`)."""
    form = MetricsWindowForm(request.GET)
    if not form.is_valid():
        return {"metrics_form": form, "metrics_window": None, "metrics": {}}
    window = form.window()
    return {"metrics_form": form, "metrics_window": window,
            "metrics": metrics.rule_metrics(version, window)}


def metrics_status(context: dict, status: int) -> int:
    """400 when the window was refused, else the page's own status."""
    return 400 if context["metrics_form"].errors else status
