from celery import shared_task
from django.db import transaction
from django.utils import timezone

from cadm.jobs import job_run_execute, job_run_start


@shared_task(acks_late=True)
def job_run_task(job_id: int) -> str:
    """Run a recorded job by id (idempotent: a finished job is not run again)."""
    return job_run_execute(job_id).state


@shared_task
def daily_sweep_task() -> int:
    """Beat, daily: re-evaluate every patient as of today, for the time-driven flags
    (overdue screening, PFT due, subtype confirmed at 24 months)."""
    with transaction.atomic():
        job = job_run_start(actor=None, kind="cohort-reevaluate",
                            params={"as_of": timezone.localdate().isoformat()})
    return job.pk
