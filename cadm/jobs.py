"""Background jobs that a person may watch: a registry of job kinds and their runner.

A kind is a function `(job, progress) -> dict`; `progress(done, total)` updates the row the UI
shows. The runner records state, timing and error text, so a failure is visible, not a log
line. Cohort re-evaluation, the daily sweep and rule previews register their kinds here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from cadm.models import JobRun

logger = logging.getLogger(__name__)
JobFunction = Callable[[JobRun, Callable[[int, int], None]], dict]
_kinds: dict[str, JobFunction] = {}


def job_kind(name: str):
    def decorator(func: JobFunction) -> JobFunction:
        _kinds[name] = func
        return func

    return decorator


def job_run_start(*, actor, kind: str, params: dict | None = None) -> JobRun:
    """Create the job row and queue it once the caller's transaction commits."""
    from cadm.tasks import job_run_task

    if kind not in _kinds:
        raise ValueError(f"Unknown job kind {kind!r}.")
    job = JobRun.objects.create(kind=kind, created_by=actor, params=params or {})
    transaction.on_commit(lambda: job_run_task.delay(job.pk))
    return job


def job_run_execute(job_id: int) -> JobRun:
    job = JobRun.objects.get(pk=job_id)
    if job.state in (JobRun.State.DONE, JobRun.State.RUNNING):
        return job  # a redelivered message must not run the work twice
    job.state, job.started_at, job.error = JobRun.State.RUNNING, timezone.now(), ""
    job.save(update_fields=["state", "started_at", "error"])

    def progress(done: int, total: int) -> None:
        JobRun.objects.filter(pk=job.pk).update(progress=done, total=total)

    try:
        result = _kinds[job.kind](job, progress)
    except Exception as exc:  # any failure is recorded on the row, where the UI shows it
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        JobRun.objects.filter(pk=job.pk).update(
            state=JobRun.State.FAILED, error=f"{type(exc).__name__}: {exc}",
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
        return job
    JobRun.objects.filter(pk=job.pk).update(
        state=JobRun.State.DONE, result=result or {}, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job
