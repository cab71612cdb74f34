"""Jobs through a real Celery worker: Redis broker, worker thread, shared test database.

Runs only with a broker (CELERY_BROKER_URL set, so settings.WORKER_TESTS is True and tasks are
not eager). The worker runs in a thread of this process with its own database connection, so
the tests use transactional databases: the worker sees committed rows only.
"""

import os
import threading
import time

import pytest
from celery import current_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cadm.celery import app
from cadm.jobs import job_kind, job_run_start
from cadm.models import Flag, JobChunk, JobRun, Patient
from cadm.services.cohort import SWEEP_KIND
from tests.cadm.rulesets.builders import mda5_patient
from tests.factories import PatientFactory, SiteFactory, UserFactory

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not getattr(settings, "WORKER_TESTS", False),
        reason="no Celery broker: set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/15) "
               "to run the real-worker tests",
    ),
]

POLL_TIMEOUT = 20.0  # seconds


def _where() -> dict:
    """Where the job function ran: thread, process and the Celery request that ran it."""
    request = current_task.request if current_task else None
    return {
        "thread": threading.get_ident(),
        "pid": os.getpid(),
        "eager": bool(request and request.is_eager),
        "queue": ((request and request.delivery_info) or {}).get("routing_key"),
    }


@job_kind("test-count-patients")
def count_patients(job, progress):
    ids = list(Patient.objects.values_list("pk", flat=True))
    for done, _ in enumerate(ids, start=1):
        progress(done, len(ids))
    return {"count": len(ids), **_where()}


@job_kind("test-always-fails")
def always_fails(job, progress):
    progress(1, 3)
    raise RuntimeError("synthetic failure in a test job")




def wait_for_end(job: JobRun) -> JobRun:
    deadline = time.monotonic() + POLL_TIMEOUT
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in (JobRun.State.DONE, JobRun.State.FAILED):
            return job
        time.sleep(0.1)
    pytest.fail(f"job {job.pk} still {job.state!r} after {POLL_TIMEOUT:.0f} s; is the worker "
                f"consuming queue {app.conf.task_default_queue!r}?")


@pytest.mark.django_db(transaction=True)
def test_job_runs_in_the_worker_and_reports_progress(celery_worker):
    site = SiteFactory(code="north")
    PatientFactory.create_batch(4, site=site)
    actor = UserFactory()

    with transaction.atomic():
        job = job_run_start(actor=actor, kind="test-count-patients")
        # Queued on commit only: inside the transaction nothing has run.
        assert JobRun.objects.get(pk=job.pk).state == JobRun.State.QUEUED

    job = wait_for_end(job)

    assert job.state == JobRun.State.DONE, job.error
    assert job.error == ""
    assert job.result["count"] == 4
    assert (job.progress, job.total) == (4, 4)
    assert job.created_by == actor
    assert job.started_at is not None and job.finished_at >= job.started_at
    # It ran in the worker's thread, through the broker, not eagerly in this test.
    assert job.result["eager"] is False
    assert job.result["queue"] == app.conf.task_default_queue == f"pytest-{os.getpid()}"
    assert job.result["thread"] != threading.get_ident()
    assert job.result["pid"] == os.getpid()  # same process: the worker is a thread


@pytest.mark.django_db(transaction=True)
def test_failing_job_is_recorded_as_failed_with_its_error(celery_worker):
    with transaction.atomic():
        job = job_run_start(actor=UserFactory(), kind="test-always-fails")

    job = wait_for_end(job)

    assert job.state == JobRun.State.FAILED
    assert job.error == "RuntimeError: synthetic failure in a test job"
    assert job.result == {}
    assert (job.progress, job.total) == (1, 3)  # progress up to the failure stays visible
    assert job.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_cohort_job_of_several_chunks_completes_in_the_worker(celery_worker, settings):
    """The job's task plans the chunks and sends one message each; the worker runs them (the
    planning task itself, or the chunk messages: whichever claims each chunk first)."""
    site = SiteFactory(code="north")
    creator = UserFactory(role="rheumatologist", sites=[site])
    for _ in range(5):
        mda5_patient(site, creator)
    settings.COHORT_CHUNK_SIZE = 2  # the worker is a thread of this process: same settings

    with transaction.atomic():
        job = job_run_start(actor=None, kind=SWEEP_KIND,
                            params={"as_of": timezone.localdate().isoformat()})

    job = wait_for_end(job)
    assert job.state == JobRun.State.DONE, job.error
    assert (job.progress, job.total) == (5, 5) and job.attempts == 1
    assert job.result["patients"] == 5 and job.result["errors"] == []
    assert job.result["opened"] == Flag.objects.count() > 0
    assert not JobChunk.objects.exists()  # a done job's result holds them
