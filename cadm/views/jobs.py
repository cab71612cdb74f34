from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cadm.exceptions import DomainError
from cadm.models import JobRun
from cadm.permissions import Perm, has_perm
from cadm.selectors import jobs as sel
from cadm.services.jobs import job_retry as job_retry_service

from .access import requires


@requires(Perm.COHORT_AGGREGATE_VIEW)
def job_list(request):
    """Background jobs (daily sweep, activations, previews): what they belong to, progress,
    outcome and errors. Counts and ids only: no patient is named here. Refreshes itself while
    a job is queued or running."""
    jobs = list(sel.job_list())
    return render(request, "cadm/job_list.html", {
        "jobs": jobs, "refresh": sel.any_job_live(jobs),
        "can_retry": has_perm(request.user, Perm.RULESET_MANAGE),
    })


def job_started_message(request, job: JobRun, started: str) -> None:
    """Say only what the job row records: the hand-over to the broker ran when the service's
    transaction committed (cadm.jobs.job_dispatch)."""
    job.refresh_from_db(fields=["dispatch_error"])
    if job.dispatch_error:
        messages.warning(request, f"Job #{job.pk} is recorded and queued, but the task queue "
                                  f"could not be reached; it will start automatically when "
                                  f"the queue is back.")
    else:
        messages.success(request, started)


@require_POST
@requires(Perm.RULESET_MANAGE)
def job_retry(request, job_id):
    """Run a failed job, or one whose worker is gone, again from where it stopped."""
    job = get_object_or_404(JobRun, pk=job_id)
    try:
        job = job_retry_service(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        job_started_message(request, job, f"Job #{job.pk} queued again: it resumes after the "
                                          f"last patients it finished.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "job-list"
    return redirect(target)
