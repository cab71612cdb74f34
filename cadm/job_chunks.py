"""Cohort jobs in parallel: a job cut into chunks of patient ids (JobChunk rows), each chunk a
Celery task that any worker may run, with the job's progress and result summed from them.

Why it is built this way (issue 13: activation, the daily sweep and the preview spread over
every worker, with the guarantees of cadm/jobs.py kept):

- Plan. The job's own task cuts the patients into ranges by keyset reading
  (COHORT_CHUNK_SIZE ids at a time) and stores each range as its first and last id only, in
  the transaction that releases the job's claim; then it sends one message per chunk. A plan
  costs two numbers per chunk, whatever the size of the cohort.
- Claim. A chunk task claims its chunk under a fresh token in a locked read, so two
  deliveries of one message cannot both run it.
- Commit. The kind's work on the chunk's patients, the chunk's result and its state done
  (conditional on the claim), and the job's progress, heartbeat and running total commit in
  one transaction, with the job's row locked at the end. A worker killed mid-chunk loses only
  that chunk, which is redone: counts are not doubled.
- End. The chunk that finds no other chunk left not done ends the job: the chunks' results
  merged in sequence order (so the capped lists, errors and sample cases, are those one
  uninterrupted run keeps), state done, chunks deleted. The job's row lock serialises the last
  two commits: the second sees the first one's chunk done, so exactly one of them ends it.
- The job's task helps. After sending the messages it runs the job's chunks itself, in order,
  taking those no other worker has claimed. One worker alone runs the job as before, and
  without a broker (eager mode) the chunks simply run one after another in-process; every
  further worker that takes the messages makes it faster. A message for a chunk already done
  is a claim that fails: a cheap no-op.
- Stop. Before each chunk the kind's `stop` is asked; a reason ends the job `cancelled`, with
  what the done chunks hold. A chunk still running elsewhere rolls back at its commit (its
  job has ended), so the result never misses work that was kept.
- Liveness. A chunk is one transaction and cannot beat while it runs: its heartbeat is its
  claim. A chunk claimed longer ago than JOB_STALE_SECONDS is taken as lost (keep
  COHORT_CHUNK_SIZE times the time per patient well below it); `chunks_recover` puts it back
  in the queue and sends it again. After JOB_MAX_ATTEMPTS claims of one chunk the job fails,
  naming the chunk (never a patient). A database that drops mid-chunk puts the chunk back in
  the queue. A failed job keeps its chunks, so a retry redoes only those not done.
- Memory. A worker holds one chunk's ids and results at a time; the final merge streams the
  chunks' results from the database.

Locks are taken job row first, then chunk rows, wherever a transaction takes both.
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from cadm.models import JobChunk, JobRun, Patient

from .job_kinds import CohortJob, kind_named

logger = logging.getLogger(__name__)
State = JobRun.State
Chunk = JobChunk.State
LIVE = (State.QUEUED, State.RUNNING)
PLAN_BATCH = 500  # chunk rows per INSERT while planning


class _Abandoned(Exception):
    """The chunk's work must not commit: its claim was lost, or its job has ended."""

    def __init__(self, outcome: str):
        super().__init__(outcome)
        self.outcome = outcome


def _stale_before(now):
    return now - timedelta(seconds=settings.JOB_STALE_SECONDS)


def _locked_job(job_id: int) -> JobRun | None:
    return JobRun.objects.select_for_update().filter(pk=job_id).first()


def _eager() -> bool:
    from cadm.celery import app

    return bool(app.conf.task_always_eager)


# The job's task: plan, send, help.

def cohort_run(job: JobRun, kind: CohortJob) -> bool:
    """Run a cohort job claimed by `job.claim`: plan it (or take its plan up again), send its
    chunks to the workers and run those no other worker takes. False: the job was reclaimed
    by another run before the plan committed (nothing written)."""
    reason = kind.stop(job)
    if reason:
        with transaction.atomic():
            locked = _locked_job(job.pk)
            if not _claimed_by(locked, job.claim):
                return False
            _end(locked, kind, State.CANCELLED, stopped=reason)
        return True
    if not cohort_plan(job, kind):
        return False
    if not _eager():
        chunks_dispatch(list(JobChunk.objects.filter(job_id=job.pk, state=Chunk.QUEUED)
                             .order_by("sequence").values_list("pk", flat=True)))
    chunks_walk(job.pk)
    return True


def _claimed_by(job: JobRun | None, claim: str) -> bool:
    return job is not None and job.state == State.RUNNING and job.claim == claim


def cohort_plan(job: JobRun, kind: CohortJob) -> bool:
    """Cut the job claimed by `job.claim` into chunks; a job that has chunks already (a retry,
    a redelivered message) gets its failed and lost chunks back in the queue instead. The job's
    claim is released: from now on workers own its chunks. A job with nothing left to do ends
    here. False: the job was reclaimed meanwhile."""
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_job(job.pk)
        if not _claimed_by(locked, job.claim):
            return False
        fields = {"claim": "", "heartbeat_at": now}
        if locked.chunks.exists():
            _resume(locked, now)
        else:
            fields["total"] = locked.total = _plan(locked)
            fields["result"] = locked.result = kind.begin(locked)
        JobRun.objects.filter(pk=job.pk).update(**fields)
        locked.claim = ""
        if not locked.chunks.exclude(state=Chunk.DONE).exists():
            _end(locked, kind, State.DONE)
    return True


def _plan(job: JobRun) -> int:
    """Chunk rows for every patient, in id order; the number of patients planned."""
    size = settings.COHORT_CHUNK_SIZE
    rows: list[JobChunk] = []
    cursor = planned = sequence = 0
    while ids := list(Patient.objects.filter(pk__gt=cursor).order_by("pk")
                      .values_list("pk", flat=True)[:size]):
        rows.append(JobChunk(job=job, sequence=sequence, first_id=ids[0], last_id=ids[-1]))
        cursor, planned, sequence = ids[-1], planned + len(ids), sequence + 1
        if len(rows) >= PLAN_BATCH:
            JobChunk.objects.bulk_create(rows)
            rows = []
    JobChunk.objects.bulk_create(rows)
    return planned


def _resume(job: JobRun, now) -> None:
    """A failed chunk gets a fresh allowance of attempts (a person asked for the retry); a
    lost one keeps its count, so that a chunk that kills its worker every time still ends."""
    JobChunk.objects.filter(job=job, state=Chunk.FAILED).update(
        state=Chunk.QUEUED, attempts=0, claim="", error="", dispatched_at=None)
    JobChunk.objects.filter(job=job, state=Chunk.RUNNING).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=_stale_before(now))).update(
        state=Chunk.QUEUED, claim="", dispatched_at=None)


def chunks_dispatch(chunk_ids: Iterable[int]) -> list[int]:
    """Send each chunk's message; the ones sent. A broker that is down stops the sending:
    the rest keep no dispatch time and `chunks_recover` sends them."""
    from cadm.tasks import job_chunk_task

    sent = []
    for chunk_id in chunk_ids:
        JobChunk.objects.filter(pk=chunk_id).update(dispatched_at=timezone.now())
        try:
            job_chunk_task.apply_async((chunk_id,))
        except Exception as exc:  # noqa: BLE001 - kombu raises many types; recovery resends
            logger.warning("Chunk %s could not be sent to the broker: %s", chunk_id,
                           type(exc).__name__)
            JobChunk.objects.filter(pk=chunk_id).update(dispatched_at=None)
            break
        sent.append(chunk_id)
    return sent


def chunks_walk(job_id: int) -> None:
    """Run the job's queued chunks here, in order, each one tried once: a chunk another worker
    claimed first is skipped. Stops when the job ends or the database drops."""
    after = -1
    while row := (JobChunk.objects.filter(job_id=job_id, state=Chunk.QUEUED, sequence__gt=after)
                  .order_by("sequence").values_list("pk", "sequence").first()):
        chunk_id, after = row
        if job_chunk_execute(chunk_id) in ("ended", "interrupted"):
            return


# A chunk's task.

def job_chunk_execute(chunk_id: int) -> str:
    """Run one chunk if it is queued or its worker is gone, and end the job if it was the last.
    What happened, in a word: done, skipped (done, or alive in another worker), missing (its
    job ended and took its chunks along), ended (the job has ended: stopped, failed or
    finished elsewhere), lost (reclaimed meanwhile), interrupted (the database dropped)."""
    token, kind, job_id = uuid.uuid4().hex, None, None
    try:
        chunk = JobChunk.objects.select_related("job").filter(pk=chunk_id).first()
        if chunk is None:
            return "missing"
        job, job_id = chunk.job, chunk.job_id
        if job.finished:
            return "ended"
        kind = kind_named(job.kind)
        if not isinstance(kind, CohortJob):
            raise LookupError(f"job kind {job.kind!r} is not run in chunks")
        reason = kind.stop(job)
        if reason:
            _end_if_live(job_id, kind, State.CANCELLED, stopped=reason)
            return "ended"
        chunk = _chunk_claim(chunk_id, token)
        if chunk is None:
            return "skipped"
        if chunk.state == Chunk.FAILED:
            _end_if_live(job_id, kind, State.FAILED, error=chunk.error)
            return "ended"
        return _chunk_run(chunk, job, kind, token)
    except _Abandoned as abandoned:
        _release(chunk_id, token)
        return abandoned.outcome
    except (OperationalError, InterfaceError) as exc:
        # The database went away: the chunk is not wrong, it is interrupted. Back in the queue
        # if the row can be written; else its claim goes stale and recovery takes it.
        logger.warning("Chunk %s interrupted: %s", chunk_id, type(exc).__name__)
        try:
            if _release(chunk_id, token, error=f"Interrupted ({type(exc).__name__})"):
                _job_note(job_id, f"Interrupted ({type(exc).__name__}): resumes automatically")
            else:  # not claimed yet: its message is spent, so let recovery send it again
                JobChunk.objects.filter(pk=chunk_id, state=Chunk.QUEUED).update(
                    dispatched_at=None)
        except DatabaseError:
            pass
        return "interrupted"
    except Exception as exc:  # noqa: BLE001 - any failure is recorded where the UI shows it
        logger.exception("Chunk %s of job %s failed", chunk_id, job_id)
        error = f"{type(exc).__name__}: {exc}"
        JobChunk.objects.filter(pk=chunk_id, claim=token).update(
            state=Chunk.FAILED, claim="", error=error)
        if job_id is not None:
            _end_if_live(job_id, kind, State.FAILED, error=error)
        return "ended"


def _chunk_claim(chunk_id: int, token: str) -> JobChunk | None:
    """The chunk, claimed under `token`; None if it is done, or alive in another worker. A
    chunk whose worker was lost JOB_MAX_ATTEMPTS times comes back failed, with the reason."""
    now = timezone.now()
    with transaction.atomic():
        chunk = JobChunk.objects.select_for_update().filter(pk=chunk_id).first()
        if chunk is None or not (chunk.state == Chunk.QUEUED or chunk.is_stale_at(now)):
            return None
        if chunk.attempts >= settings.JOB_MAX_ATTEMPTS:
            chunks = JobChunk.objects.filter(job_id=chunk.job_id).count()
            job = JobRun.objects.filter(pk=chunk.job_id).values("progress", "total").get()
            chunk.state, chunk.claim = Chunk.FAILED, ""
            chunk.error = (f"Stopped after {chunk.attempts} attempts: the worker running chunk "
                           f"{chunk.sequence + 1} of {chunks} was lost each time (after "
                           f"{job['progress']} of {job['total']} patients). Retry it once the "
                           f"workers are healthy.")
            chunk.save(update_fields=["state", "claim", "error"])
            return chunk
        chunk.state, chunk.claim, chunk.heartbeat_at = Chunk.RUNNING, token, now
        chunk.attempts += 1
        chunk.save(update_fields=["state", "claim", "heartbeat_at", "attempts"])
        return chunk


def _chunk_run(chunk: JobChunk, job: JobRun, kind: CohortJob, token: str) -> str:
    ids = list(Patient.objects.filter(pk__gte=chunk.first_id, pk__lte=chunk.last_id)
               .order_by("pk").values_list("pk", flat=True))
    base = kind.begin(job)
    part = copy.deepcopy(base)
    with transaction.atomic():
        kind.chunk(job, ids, part)
        locked = _locked_job(job.pk)  # last: the lock is held only while this commits
        if locked is None or locked.finished:
            raise _Abandoned("ended")  # rolls the chunk's work back
        if not JobChunk.objects.filter(pk=chunk.pk, claim=token, state=Chunk.RUNNING).update(
                state=Chunk.DONE, claim="", result=part, patients=len(ids), error=""):
            raise _Abandoned("lost")  # the run that reclaimed it does this chunk
        locked.progress += len(ids)
        if JobChunk.objects.filter(job_id=job.pk).exclude(state=Chunk.DONE).exists():
            JobRun.objects.filter(pk=job.pk).update(
                progress=locked.progress, total=max(locked.total, locked.progress),
                heartbeat_at=timezone.now(), error="", cursor=_cursor(job.pk),
                result=kind.merge(locked.result or base, part, base))
        else:
            _end(locked, kind, State.DONE)
    return "done"


def _release(chunk_id: int, token: str, error: str = "") -> bool:
    """Back in the queue, if this run still holds it."""
    return bool(JobChunk.objects.filter(pk=chunk_id, claim=token).update(
        state=Chunk.QUEUED, claim="", dispatched_at=None, error=error))


def _job_note(job_id: int | None, text: str) -> None:
    """Say on a live job's row what happened to one of its chunks (the next commit clears it)."""
    if job_id is not None:
        JobRun.objects.filter(pk=job_id, state__in=LIVE).update(error=text)


# The end of a job.

def _cursor(job_id: int) -> int:
    """The last patient id of the chunks done without a gap from the first one."""
    chunks = JobChunk.objects.filter(job_id=job_id)
    first_open = (chunks.exclude(state=Chunk.DONE).order_by("sequence")
                  .values_list("sequence", flat=True).first())
    done = chunks.filter(state=Chunk.DONE)
    if first_open is not None:
        done = done.filter(sequence__lt=first_open)
    return done.order_by("-sequence").values_list("last_id", flat=True).first() or 0


def _end(job: JobRun, kind: CohortJob | None, state: str, *, stopped: str | None = None,
         error: str | None = None) -> None:
    """End the job whose row the caller holds locked, its result merged from its done chunks
    in sequence order. A failed job keeps its chunks for a retry; the others' go."""
    fields = {"state": state, "finished_at": timezone.now(), "claim": "",
              "progress": job.progress, "cursor": _cursor(job.pk), "error": error or ""}
    if state == State.DONE:
        fields["total"] = max(job.total, job.progress)
    if kind is not None:
        base = result = kind.begin(job)
        parts = (JobChunk.objects.filter(job_id=job.pk, state=Chunk.DONE).order_by("sequence")
                 .values_list("result", flat=True))
        for part in parts.iterator(chunk_size=100):
            result = kind.merge(result, part, base)
        fields["result"] = {**result, "stopped": stopped} if stopped else result
    JobRun.objects.filter(pk=job.pk).update(**fields)
    if state != State.FAILED:
        JobChunk.objects.filter(job_id=job.pk).delete()


def _end_if_live(job_id: int, kind: CohortJob | None, state: str, **reason) -> bool:
    with transaction.atomic():
        locked = _locked_job(job_id)
        if locked is None or locked.finished:
            return False
        _end(locked, kind, state, **reason)
        return True


# Recovery (cadm.jobs.jobs_recover, every minute and at each worker's start).

def chunks_recover(now) -> dict:
    """Chunks whose worker is gone go back in the queue; queued chunks whose message may be
    lost (never sent, or sent long ago to a job that has not moved since) are sent again; a
    job whose chunks are all done, but which did not end, ends."""
    requeued: list[int] = []
    stale = (JobChunk.objects.filter(state=Chunk.RUNNING, job__state__in=LIVE)
             .filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=_stale_before(now)))
             .values_list("pk", flat=True))
    for chunk_id in list(stale):
        with transaction.atomic():
            chunk = JobChunk.objects.select_for_update().filter(pk=chunk_id).first()
            if chunk is None or not chunk.is_stale_at(now):
                continue
            chunk.state, chunk.claim, chunk.dispatched_at = Chunk.QUEUED, "", None
            chunk.error = "Its worker stopped mid-chunk"
            chunk.save(update_fields=["state", "claim", "dispatched_at", "error"])
        requeued.append(chunk_id)
        _job_note(chunk.job_id, f"A worker stopped in the middle of chunk {chunk.sequence + 1}; "
                                f"it is redone automatically")
    resend_before = now - timedelta(seconds=settings.JOB_REDISPATCH_SECONDS)
    idle = Q(job__heartbeat_at__isnull=True) | Q(job__heartbeat_at__lt=resend_before)
    lost = (JobChunk.objects.filter(state=Chunk.QUEUED, job__state=State.RUNNING)
            .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=resend_before) & idle)
            .order_by("job_id", "sequence").values_list("pk", flat=True))
    sent = chunks_dispatch(list(lost))
    ended = [job_id for job_id in _all_chunks_done() if _end_when_all_done(job_id)]
    JobChunk.objects.filter(job__state__in=(State.DONE, State.CANCELLED)).delete()
    return {"chunks_requeued": requeued, "chunks_sent": sent, "ended": ended}


def _all_chunks_done() -> list[int]:
    return list(JobRun.objects.filter(state__in=LIVE, chunks__isnull=False)
                .exclude(chunks__state__in=(Chunk.QUEUED, Chunk.RUNNING, Chunk.FAILED))
                .distinct().values_list("pk", flat=True))


def _end_when_all_done(job_id: int) -> bool:
    with transaction.atomic():
        locked = _locked_job(job_id)
        if (locked is None or locked.finished
                or locked.chunks.exclude(state=Chunk.DONE).exists()):
            return False
        try:
            kind = kind_named(locked.kind)
        except LookupError:
            return False  # a worker with the kind's code will end it
        _end(locked, kind if isinstance(kind, CohortJob) else None, State.DONE)
        return True
