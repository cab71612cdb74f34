"""Background jobs that a person may watch, and that finish whatever happens to the worker.

The job row (JobRun) is the source of truth, not the broker's message:

- Hand-over. A job is created in the caller's transaction and sent to the broker once that
  commits (`job_dispatch`). A broker that is down leaves the job `queued` with the error on
  its row; `jobs_recover` (beat, every minute, and each worker at start-up) sends again every
  queued job never sent, or sent long ago (a message lost with a restarted broker).
- Ownership. A worker claims a job (`queued`, or `running` with a stale heartbeat) under a
  fresh token, in a locked read: two deliveries of one message cannot both run it. Every
  write of the run is conditional on that token, so a run whose job was reclaimed stops.
- Chunks. A cohort job (`CohortJob`) is cut into chunks of patient ids that any number of
  workers run in parallel (cadm/job_chunks.py): each chunk is claimed under its own token, and
  its work, its result and the job's progress commit in one transaction, so a worker killed
  mid-chunk loses only that chunk, which is redone. The flags end as an uninterrupted run's;
  the counts are not doubled. The last chunk to commit ends the job, exactly once.
- Liveness. A running job, or chunk, whose heartbeat is older than JOB_STALE_SECONDS has
  lost its worker: it goes back in the queue and is sent again. After JOB_MAX_ATTEMPTS
  claims it fails, with the reason on the job's row. A database that drops mid-job puts the
  job, or the chunk, back in the queue, not in `failed`.
- Stopping. A cohort kind's `stop` is asked before each chunk (a cancelled preview, an
  activation superseded by another): the job ends `cancelled` with what was done.
- Without a broker (eager mode, `make run`), the job runs in-process when its transaction
  commits, its chunks one after another.

A plain kind is a function `(job, progress) -> dict` run in one go; `progress(done, total)`
also beats the heartbeat. Kinds register here (cadm/job_kinds.py): cohort re-evaluation
(cadm/services/cohort.py), rule-set activation (rulesets.py) and preview (preview.py).
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from cadm.models import JobRun, Patient

from .job_chunks import chunks_recover, cohort_run
from .job_kinds import CohortJob, JobFunction, _kinds, cohort_job_kind, job_kind, kind_named
from .job_results import ERRORS_KEPT, errors_add

__all__ = ["ERRORS_KEPT", "ClaimLost", "CohortJob", "cohort_job_kind", "errors_add",
           "job_dispatch", "job_kind", "job_run_execute", "job_run_start", "jobs_recover"]

logger = logging.getLogger(__name__)
State = JobRun.State


class ClaimLost(Exception):
    """This run's job was reclaimed by another run (after a stale heartbeat)."""


def stale_after() -> timedelta:
    return timedelta(seconds=settings.JOB_STALE_SECONDS)


def job_run_start(*, actor, kind: str, params: dict | None = None, ruleset=None) -> JobRun:
    """Create the job row and send it to the broker once the caller's transaction commits."""
    if kind not in _kinds:
        raise ValueError(f"Unknown job kind {kind!r}.")
    job = JobRun.objects.create(kind=kind, created_by=actor, params=params or {},
                                ruleset=ruleset, total=Patient.objects.count())
    transaction.on_commit(lambda: job_dispatch(job.pk))
    return job


def job_dispatch(job_id: int) -> bool:
    """Hand the job to the broker. A broker that is down is not an error for the caller: the
    row keeps the failure and `jobs_recover` sends it again. Without a broker the task runs
    here, now (eager mode)."""
    from cadm.tasks import job_run_task

    try:
        job_run_task.apply_async((job_id,))
    except Exception as exc:  # noqa: BLE001 - kombu raises many types; the row records it
        logger.warning("Job %s could not be sent to the broker: %s", job_id, type(exc).__name__)
        JobRun.objects.filter(pk=job_id).update(
            dispatch_error=f"{type(exc).__name__}: {exc}"[:300])
        return False
    JobRun.objects.filter(pk=job_id).update(dispatched_at=timezone.now(), dispatch_error="")
    return True


def _claim(job_id: int, token: str) -> JobRun | None:
    now = timezone.now()
    with transaction.atomic():
        job = JobRun.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not (job.state == State.QUEUED or job.is_stale_at(now)):
            return None  # finished, or alive in another worker
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:
            job.state, job.finished_at, job.claim = State.FAILED, now, ""
            job.error = (f"Stopped after {job.attempts} attempts: the worker running it was "
                         f"lost each time (after {job.progress} of {job.total} patients). "
                         f"Retry it once the workers are healthy.")
            job.save(update_fields=["state", "finished_at", "claim", "error"])
            return None
        job.state, job.claim, job.heartbeat_at = State.RUNNING, token, now
        job.attempts += 1
        job.started_at = job.started_at or now
        job.error = ""
        job.save(update_fields=["state", "claim", "heartbeat_at", "attempts", "started_at",
                                "error"])
        return job


def _owned(job: JobRun):
    return JobRun.objects.filter(pk=job.pk, claim=job.claim, state=State.RUNNING)


def _finish(job: JobRun, state: str, **fields) -> None:
    _owned(job).update(state=state, finished_at=timezone.now(), claim="", **fields)


def job_run_execute(job_id: int) -> JobRun | None:
    """Run a job if it is queued or its worker is gone; otherwise leave it alone (a
    redelivered message, a job alive in another worker, a finished job). None: no such job
    (a message that outlived its row). A cohort job's chunks run here too, but for those
    other workers take first (cadm/job_chunks.py)."""
    job = _claim(job_id, uuid.uuid4().hex)
    if job is None:
        return JobRun.objects.filter(pk=job_id).first()
    try:
        kind = kind_named(job.kind)
        if isinstance(kind, CohortJob):
            _run_cohort(job, kind)
        else:
            _run_plain(job, kind)
    except ClaimLost:
        logger.warning("Job %s was reclaimed by another run; this run stops", job.pk)
    except (OperationalError, InterfaceError) as exc:
        # The database went away: the job is not wrong, it is interrupted. Back to the queue
        # if the row can be written; else its heartbeat goes stale and recovery takes it.
        logger.warning("Job %s interrupted: %s", job.pk, type(exc).__name__)
        try:
            _owned(job).update(state=State.QUEUED, claim="", dispatched_at=None,
                               error=f"Interrupted ({type(exc).__name__}): resumes "
                                     f"automatically")
        except DatabaseError:
            pass
    except Exception as exc:  # noqa: BLE001 - any failure is recorded where the UI shows it
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        _finish(job, State.FAILED, error=f"{type(exc).__name__}: {exc}")
    return JobRun.objects.filter(pk=job_id).first()


def _run_plain(job: JobRun, func: JobFunction) -> None:
    def progress(done: int, total: int) -> None:
        if not _owned(job).update(progress=done, total=total, heartbeat_at=timezone.now()):
            raise ClaimLost

    result = func(job, progress)
    _finish(job, State.DONE, result=result or {})


def _run_cohort(job: JobRun, kind: CohortJob) -> None:
    """Plan the claimed job, send its chunks, run those no other worker takes. Once planned,
    the job's claim is released (its chunks are claimed one by one): a failure after that is
    a chunk's, recorded by the chunk."""
    if not cohort_run(job, kind):
        raise ClaimLost


def jobs_recover(now=None) -> dict:
    """Nothing stays stuck: a running job whose worker is gone goes back to the queue, and
    every queued job whose message may be lost is sent again (a duplicate message is harmless:
    the claim lets one run); the same for the chunks of cohort jobs (job_chunks.chunks_recover).
    A job cut into chunks is no one worker's: its chunks are recovered, not the job."""
    now = now or timezone.now()
    stale = JobRun.objects.filter(state=State.RUNNING, chunks__isnull=True).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - stale_after()))
    requeued = []
    for job in stale:
        with transaction.atomic():
            job = JobRun.objects.select_for_update().get(pk=job.pk)
            if job.is_stale_at(now) and not job.chunks.exists():
                job.state, job.claim, job.dispatched_at = State.QUEUED, "", None
                job.error = (f"The worker stopped after {job.progress} of {job.total} "
                             f"patients; resumed automatically")
                job.save(update_fields=["state", "claim", "dispatched_at", "error"])
                requeued.append(job.pk)
    resend_before = now - timedelta(seconds=settings.JOB_REDISPATCH_SECONDS)
    lost = (JobRun.objects.filter(state=State.QUEUED)
            .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=resend_before))
            .order_by("pk").values_list("pk", flat=True))
    sent = [job_id for job_id in lost if job_dispatch(job_id)]
    chunks = chunks_recover(now)
    if requeued or sent or any(chunks.values()):
        logger.info("Job recovery: %d requeued, %d sent; chunks: %d requeued, %d sent; %d "
                    "jobs ended", len(requeued), len(sent), len(chunks["chunks_requeued"]),
                    len(chunks["chunks_sent"]), len(chunks["ended"]))
    return {"requeued": requeued, "sent": sent, **chunks}
