"""Activating a rule-set version, after a page that says what will happen: the version that
retires, the parameter diff against it, the latest impact preview (or that none was run), a
warning when the version changes no parameter, and a box to tick. The version page shows
the same preview summary (cadm.selectors.ruleset_review.preview_summary) while the version
awaits approval or activation.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from cadm.exceptions import DomainError
from cadm.forms.ruleset_activation import ActivationConfirmForm
from cadm.models import JobRun, RuleSetVersion
from cadm.permissions import Perm
from cadm.selectors import rulesets as sel
from cadm.selectors.ruleset_review import is_identical_copy, preview_summary
from cadm.services import rulesets

from .access import requires

State = RuleSetVersion.State


@require_http_methods(["GET", "POST"])
@requires(Perm.RULESET_MANAGE)
def ruleset_activate(request, number):
    """GET: what activating version `number` will do; POST (box ticked): activate it."""
    version = get_object_or_404(sel.ruleset_list(), number=number)
    if request.method == "GET":
        return _page(request, version, ActivationConfirmForm())
    form = ActivationConfirmForm(request.POST)  # bound even when empty: an empty POST refuses
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["confirm"]))
        return _page(request, version, form, status=400)
    try:
        job = rulesets.ruleset_activate(actor=request.user, version=version, data=form.input)
    except (DomainError, PermissionDenied, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        status = 403 if isinstance(exc, PermissionDenied) else 400
        return _page(request, version, form, status=status)
    _say_what_happened(request, version, job)
    return redirect("ruleset-detail", number=number)


def _say_what_happened(request, version: RuleSetVersion, job: JobRun) -> None:
    """The job is handed to the broker when the activation commits (cadm.jobs.job_dispatch,
    on commit): read the row again and say only what it records. Neither field set means the
    hand-over has not run yet (an enclosing transaction, as in tests)."""
    job.refresh_from_db(fields=["dispatch_error", "dispatched_at"])
    if job.dispatch_error:
        messages.warning(request, (
            f"v{version.number} is active. The re-evaluation of the cohort is queued but the "
            f"task queue could not be reached; it will start automatically when the queue is "
            f"back."))
    elif job.dispatched_at:
        messages.success(request, f"v{version.number} is active: the cohort is being "
                                  f"re-evaluated with it.")
    else:
        messages.success(request, f"v{version.number} is active: the re-evaluation of the "
                                  f"cohort with it is queued.")


def _page(request, version: RuleSetVersion, form: ActivationConfirmForm, status: int = 200):
    active = RuleSetVersion.objects.filter(state=State.ACTIVE).first()
    replaced = active if active and active.pk != version.pk else None
    return render(request, "cadm/rulesets/activate.html", {
        "version": version, "active": replaced, "form": form,
        "can_activate": version.state == State.APPROVED,
        "diff": sel.ruleset_diff(version, replaced) if replaced else [],
        "impact": preview_summary(version, active),
        "identical": is_identical_copy(version, active),
    }, status=status)
