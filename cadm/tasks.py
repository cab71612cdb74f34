from celery import shared_task

from cadm.jobs import job_run_execute


@shared_task(acks_late=True)
def job_run_task(job_id: int) -> str:
    """Run a recorded job by id (idempotent: a finished job is not run again)."""
    return job_run_execute(job_id).state
