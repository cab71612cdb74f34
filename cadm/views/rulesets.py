"""Rule-set versions for rules admins: list with alarms, version page (parameters, diff,
review actions, history, metrics), draft editing, impact preview and job progress.

Rules admins never see patient identities: the preview's sample cases carry the values that
make the difference (severity, summary, evidence) and are named "case 1, case 2…", with no
public id, name, MRN or link to a patient page. Activation has its own confirmation page
(ruleset_activation.py).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cadm.exceptions import ConcurrentEdit, DomainError
from cadm.forms.rulesets import CloneForm, ReviewForm, RuleSetDraftForm, errors_from
from cadm.forms.submissions import OnceForm
from cadm.inputs import InputInvalid
from cadm.models import JobRun, RuleSetVersion
from cadm.permissions import Perm
from cadm.selectors import metrics
from cadm.selectors import rulesets as sel
from cadm.selectors.jobs import cohort_status
from cadm.selectors.ruleset_review import (
    impact_rows,
    is_identical_copy,
    preview_summary,
    ruleset_compared_with,
)
from cadm.services import preview, rulesets

from .access import requires
from .jobs import job_started_message
from .ruleset_metrics import metrics_context, metrics_status

State = RuleSetVersion.State


def _version(number: int) -> RuleSetVersion:
    return get_object_or_404(sel.ruleset_list(), number=number)


def _active_or_none() -> RuleSetVersion | None:
    return RuleSetVersion.objects.filter(state=State.ACTIVE).first()


@requires(Perm.RULESET_MANAGE)
def ruleset_list(request):
    """Every version, newest first; the active one marked; alarms on rules gone silent or
    surging since the previous version."""
    active = _active_or_none()
    cohort = cohort_status(active)
    return render(request, "cadm/rulesets/list.html", {
        "versions": sel.ruleset_list(), "active": active, "cohort": cohort,
        "refresh": bool(cohort and cohort.working),
        "alarms": metrics.rule_alarms(active) if active else [],
    })


@requires(Perm.RULESET_MANAGE)
def ruleset_detail(request, number, review_form=None, status=200):
    version = _version(number)
    active = _active_or_none()
    against, why = ruleset_compared_with(version, active,
                                         against=request.GET.get("against", ""))
    activation = sel.ruleset_jobs(version, sel.ACTIVATE_KIND).first()
    cohort = cohort_status(active) if version == active else None
    window = metrics_context(request, version)
    return render(request, "cadm/rulesets/detail.html", {
        "version": version, "active": active, "against": against,
        "groups": sel.ruleset_param_groups(version, against),
        "diff": sel.ruleset_diff(version, against) if against else [],
        "others": sel.ruleset_list().exclude(pk=version.pk),
        "is_author": version.author_id == request.user.pk,
        "review_form": review_form or ReviewForm(), "clone_form": CloneForm(),
        "history": sel.ruleset_history(version), **window,
        "activation": activation, "cohort": cohort,
        "preview": sel.ruleset_jobs(version, sel.PREVIEW_KIND).first(),
        "impact": preview_summary(version, active) if version.state in _DECIDING else None,
        "identical": is_identical_copy(version, active), "against_why": why,
    }, status=metrics_status(window, status))


# The states in which a committee decides on the version: the page shows its latest preview.
_DECIDING = (State.AWAITING_APPROVAL, State.APPROVED)


@require_POST
@requires(Perm.RULESET_MANAGE)
def ruleset_clone(request, number):
    source = _version(number)
    form = CloneForm(request.POST)
    if not form.is_valid():  # a note too long: said, not dropped
        messages.error(request, "No draft was created. " + " ".join(
            m for errors in form.errors.values() for m in errors))
        return redirect("ruleset-detail", number=number)
    draft = rulesets.ruleset_draft_clone(actor=request.user, source=source, data=form.input)
    messages.success(request, f"Draft v{draft.number} created from v{number}.")
    return redirect("ruleset-edit", number=draft.number)


@requires(Perm.RULESET_MANAGE)
def ruleset_edit(request, number):
    version = _version(number)
    if version.state != State.DRAFT or version.author_id != request.user.pk:
        messages.error(request, f"v{number} is not a draft of yours: clone it to change it.")
        return redirect("ruleset-detail", number=number)
    initial = {**version.params, "change_note": version.change_note}
    form = RuleSetDraftForm(request.POST or None, initial=initial)
    once = OnceForm(request.POST or None, version=version.row_version)
    if request.method == "POST" and form.is_valid():
        try:
            rulesets.ruleset_draft_update(actor=request.user, version=version,
                                          data=form.input, expected_version=once.version())
        except ConcurrentEdit as exc:
            form.add_error(None, str(exc))
            once = once.refresh(exc.version)
        except InputInvalid as exc:
            form.add_parse_errors(exc)
        except ValidationError as exc:
            errors_from(form, exc)
        else:
            messages.success(request, f"Draft v{number} saved.")
            return redirect("ruleset-detail", number=number)
    if request.method == "POST":
        messages.error(request, "Nothing was saved: correct the values marked below.")
    active = _active_or_none()
    return render(request, "cadm/rulesets/edit.html", {
        "version": version, "form": form, "active": active, "once": once,
        "groups": form.groups(active.params if active else None),
    }, status=400 if form.errors else 200)


# Activation is not one of them: it asks for a confirmation first (ruleset_activation.py),
# and its URL comes before these in cadm/urls.py, so a POST here cannot skip it. Approve and
# reject take the typed input their form parsed (cadm.inputs.rulesets); the others no values.
ACTIONS = {
    "submit": (lambda r, v, data: rulesets.ruleset_submit(actor=r.user, version=v),
               "v{n} submitted: another rules admin can now approve or reject it."),
    "approve": (lambda r, v, data: rulesets.ruleset_approve(actor=r.user, version=v, data=data),
                "v{n} approved: it can now be activated."),
    "reject": (lambda r, v, data: rulesets.ruleset_reject(actor=r.user, version=v, data=data),
               "v{n} rejected."),
    "reevaluate": (lambda r, v, data: rulesets.ruleset_reevaluation_rerun(actor=r.user,
                                                                          version=v),
                   "The cohort is being re-evaluated with v{n} again."),
}


@require_POST
@requires(Perm.RULESET_MANAGE)
def ruleset_act(request, number, action):
    """One POST per lifecycle step; the service decides what is allowed and records it."""
    version = _version(number)
    if action not in ACTIONS:
        raise Http404
    form = ReviewForm(request.POST, action=action)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return ruleset_detail(request, number, review_form=form, status=400)
    run, done = ACTIONS[action]
    try:
        outcome = run(request, version, form.input)
    except (DomainError, PermissionDenied, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        status = 403 if isinstance(exc, PermissionDenied) else 400
        return ruleset_detail(request, number, review_form=form, status=status)
    if isinstance(outcome, JobRun):
        job_started_message(request, outcome, done.format(n=number))
    else:
        messages.success(request, done.format(n=number))
    return redirect("ruleset-detail", number=number)


@requires(Perm.RULESET_MANAGE)
def ruleset_preview(request, number):
    """GET: the latest preview of this version (kept); POST: run a new one."""
    version = _version(number)
    if request.method == "POST":
        try:
            job = preview.ruleset_preview_start(actor=request.user, version=version)
        except (DomainError, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        else:
            job_started_message(request, job, f"Preview of v{number} started.")
        return redirect("ruleset-preview", number=number)
    job = sel.ruleset_jobs(version, sel.PREVIEW_KIND).first()
    return render(request, "cadm/rulesets/preview.html", {
        "version": version, "job": job, "can_preview": version.state in preview.PREVIEWABLE,
        "rows": impact_rows(job), "stale": bool(
            job and job.params.get("params_digest") != sel.params_digest(version.params)),
    })


@require_POST
@requires(Perm.RULESET_MANAGE)
def ruleset_preview_cancel(request, number, job_id):
    job = get_object_or_404(JobRun, pk=job_id, kind=sel.PREVIEW_KIND, params__ruleset=number)
    try:
        job = preview.ruleset_preview_cancel(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Preview cancelled before it started."
                         if job.state == JobRun.State.CANCELLED else
                         "Cancel requested: the preview stops after its current batch of "
                         "patients.")
    return redirect("ruleset-preview", number=number)


@requires(Perm.RULESET_MANAGE)
def ruleset_job_status(request, job_id):
    """Progress of a preview or activation job, for the page's polling script."""
    try:
        job = sel.ruleset_job_get(job_id)
    except JobRun.DoesNotExist:
        raise Http404 from None
    return JsonResponse({
        "id": job.pk, "kind": job.kind, "state": job.state, "progress": job.progress,
        "total": job.total, "finished": job.finished, "stale": job.is_stale,
        "cancel_requested": bool(job.params.get("cancel_requested_at")),
        "cancelled": job.state == JobRun.State.CANCELLED, "error": job.error,
    })
