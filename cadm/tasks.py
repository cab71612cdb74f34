from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cadm.job_chunks import job_chunk_execute
from cadm.jobs import job_run_execute, job_run_start, jobs_recover


@shared_task(acks_late=True, reject_on_worker_lost=True)
def job_run_task(job_id: int) -> str:
    """Run a recorded job by id. Idempotent: a finished job, or one alive in another worker,
    is left alone; a job whose worker is gone is resumed (cadm/jobs.py)."""
    job = job_run_execute(job_id)
    return job.state if job else "missing"


@shared_task(acks_late=True, reject_on_worker_lost=True)
def job_chunk_task(chunk_id: int) -> str:
    """Run one chunk of a cohort job by id, on whichever worker takes it. Idempotent: a chunk
    done, or alive in another worker, is left alone (cadm/job_chunks.py)."""
    return job_chunk_execute(chunk_id)


@shared_task
def jobs_recover_task() -> dict:
    """Beat, every minute, and each worker at start-up: requeue jobs and chunks whose worker
    is gone and send again those whose message may be lost."""
    return jobs_recover()


@worker_ready.connect
def _recover_when_a_worker_starts(sender=None, **kwargs) -> None:
    # A worker that starts may be the one replacing a killed worker: send what is queued now,
    # and look again once a running job of the dead worker can be seen to be stale.
    if not settings.JOB_RECOVER_ON_WORKER_START:
        return
    jobs_recover_task.apply_async()
    jobs_recover_task.apply_async(countdown=settings.JOB_STALE_SECONDS + 1)


@shared_task
def daily_sweep_task() -> int:
    """Beat, daily: re-evaluate every patient as of today, for the time-driven flags
    (overdue screening, PFT due, subtype confirmed at 24 months)."""
    with transaction.atomic():
        job = job_run_start(actor=None, kind="cohort-reevaluate",
                            params={"as_of": timezone.localdate().isoformat()})
    return job.pk
