"""Writes on background jobs that a person asks for (the runner itself is cadm/jobs.py)."""

from __future__ import annotations

from django.db import transaction

from cadm.exceptions import DomainError, require
from cadm.jobs import job_dispatch
from cadm.models import JobRun
from cadm.permissions import Perm

from .audit import audit_record

State = JobRun.State


@transaction.atomic
def job_retry(*, actor, job: JobRun) -> JobRun:
    """A person asks for a failed job, or one whose worker is gone, to run again: it resumes
    after its last committed chunk, with a fresh allowance of attempts."""
    require(actor, Perm.RULESET_MANAGE)
    job = JobRun.objects.select_for_update().get(pk=job.pk)
    if not (job.state == State.FAILED or job.is_stale):
        raise DomainError(f"Job #{job.pk} is {job.get_state_display().lower()}: only a failed "
                          f"job, or a running one whose worker is gone, can be retried.")
    job.state, job.claim, job.attempts, job.dispatched_at = State.QUEUED, "", 0, None
    job.finished_at, job.error = None, ""
    job.save(update_fields=["state", "claim", "attempts", "dispatched_at", "finished_at",
                            "error"])
    audit_record(actor=actor, action="job.retry", target=job,
                 detail={"kind": job.kind, "after_patient_id": job.cursor})
    transaction.on_commit(lambda: job_dispatch(job.pk))
    return job
