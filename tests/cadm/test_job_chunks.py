"""Cohort jobs in chunks (cadm/job_chunks.py), one chunk at a time, in any order, as workers
would take them, without a worker: the plan, claims, the end of the job, stops, recovery and
eager mode. Two chunks at the same moment: test_job_chunks_concurrency.py; real workers:
tests/test_worker.py and tests/test_worker_faults.py."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cadm import job_chunks, jobs
from cadm.job_chunks import job_chunk_execute
from cadm.job_results import errors_add
from cadm.jobs import job_run_execute, job_run_start, jobs_recover
from cadm.models import Flag, JobChunk, JobRun, Patient
from cadm.selectors.rulesets import ACTIVATE_KIND, PREVIEW_KIND
from cadm.services import preview, rulesets
from cadm.services.cohort import SWEEP_KIND
from cadm.services.evaluation import patient_reevaluate
from cadm.services.impact import SAMPLE_SIZE
from cadm.services.jobs import job_retry
from cadm.tasks import job_chunk_task
from tests.cadm.rulesets.builders import FERRITIN_KEY, approved, draft_with, mda5_patient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(site):
    return (UserFactory(username="ruleadmin1", role="rules_admin", sites=[site]),
            UserFactory(username="ruleadmin2", role="rules_admin", sites=[site]))


@pytest.fixture
def eager(monkeypatch):
    """Tasks run in-process when sent, as without a broker, even in a session that has one."""
    from cadm.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    """Chunk messages handed to the broker (chunk ids), without running them."""
    ids: list[int] = []
    monkeypatch.setattr(job_chunk_task, "apply_async", lambda args, **kw: ids.append(args[0]))
    return ids


def cohort(site, creator, n: int, *, evaluated: bool = True) -> list[Patient]:
    """n anti-MDA5 patients, evaluated under v1 unless said otherwise: ferritin 1100, 1110,
    ... (all between a lowered 1000 and the default threshold), none for every fourth."""
    patients = [mda5_patient(site, creator, ferritin=None if i % 4 == 3 else 1100 + 10 * i)
                for i in range(n)]
    for patient in patients if evaluated else ():
        patient_reevaluate(patient.pk)
    return patients


def sweep() -> JobRun:
    return JobRun.objects.create(kind=SWEEP_KIND, total=Patient.objects.count(),
                                 params={"as_of": timezone.localdate().isoformat()})


def planned(job: JobRun) -> list[int]:
    """The job claimed and cut into chunks as its task does, but no chunk run: their ids."""
    claimed = jobs._claim(job.pk, "planner")
    assert job_chunks.cohort_plan(claimed, jobs._kinds[job.kind])
    return list(JobChunk.objects.filter(job=job).order_by("sequence")
                .values_list("pk", flat=True))


def recording(monkeypatch, name: str, calls: list, *, fails_for=(), dies_once=()) -> None:
    """Wrap a kind's chunk: record each chunk's ids; patients in `fails_for` are recorded as
    failures (as the kind records a patient whose evaluation raised); a chunk holding a
    patient of `dies_once` dies after its work, the first time, as a killed worker."""
    kind = jobs._kinds[name]

    def chunk(job, ids, result):
        calls.append(list(ids))
        for patient_id in ids:
            if patient_id in fails_for:
                errors_add(result, patient_id, ValueError("synthetic"))
        if rest := [pid for pid in ids if pid not in fails_for]:
            kind.chunk(job, rest, result)
        if set(ids) & set(dies_once) and not getattr(chunk, "died", False):
            chunk.died = True
            raise SystemExit

    monkeypatch.setitem(jobs._kinds, name, replace(kind, chunk=chunk))


def starter(kind: str, admins):
    """A function that starts a job of this kind (the same each time), not yet run."""
    author, approver = admins
    if kind == SWEEP_KIND:
        return sweep
    if kind == ACTIVATE_KIND:
        version = approved(author, approver, **{FERRITIN_KEY: 1000.0})
        return lambda: rulesets.ruleset_activate(actor=approver, version=version,
                                                 data={"confirm": True})
    draft = draft_with(author, **{FERRITIN_KEY: 1000.0})
    return lambda: preview.ruleset_preview_start(actor=author, version=draft)


@pytest.mark.parametrize("kind", [SWEEP_KIND, ACTIVATE_KIND, PREVIEW_KIND])
def test_chunks_run_in_any_order_give_the_result_of_one_sequential_run(
        kind, site, rheumatologist, admins, settings, monkeypatch, eager):
    patients = cohort(site, rheumatologist, 11)
    failing = {patients[3].pk, patients[9].pk}
    recording(monkeypatch, kind, [], fails_for=failing)
    start = starter(kind, admins)

    with transaction.atomic():  # the reference run, in one chunk, then undone
        settings.COHORT_CHUNK_SIZE = 1000
        reference = job_run_execute(start().pk)
        assert reference.state == "done"
        flags = sorted(Flag.objects.values_list("patient_id", "code", "state", "severity"))
        transaction.set_rollback(True)

    settings.COHORT_CHUNK_SIZE = 1
    job = start()
    ids = planned(job)
    order = ids[1::2][::-1] + ids[::2]  # evens after odds, odds backwards
    for chunk_id in order[:-1]:
        assert job_chunk_execute(chunk_id) == "done"
        assert JobRun.objects.get(pk=job.pk).state == "running"
    assert job_chunk_execute(order[-1]) == "done"  # the last one ends the job
    job.refresh_from_db()

    assert job.state == "done" and job.result == reference.result
    assert (job.progress, job.total, job.cursor) == (11, 11, patients[-1].pk)
    assert job.result["error_count"] == 2
    assert job.result["errors"] == [f"patient id {pid}: ValueError" for pid in sorted(failing)]
    assert sorted(Flag.objects.values_list("patient_id", "code", "state", "severity")) == flags
    assert not JobChunk.objects.exists()
    if kind == PREVIEW_KIND:  # more cases than kept: the first ones in patient order
        opened = job.result["rules"]["MDA5_RPILD_MARKERS"]
        assert opened["open"] == 8 and len(opened["samples"]["open"]) == SAMPLE_SIZE


def test_the_plan_keeps_two_ids_per_chunk_and_reads_no_more_ids_than_a_chunk(
        site, rheumatologist, settings):
    patients = cohort(site, rheumatologist, 7)
    settings.COHORT_CHUNK_SIZE = 3
    job = sweep()
    with CaptureQueriesContext(connection) as queries:
        planned(job)
    ranges = list(JobChunk.objects.filter(job=job).order_by("sequence")
                  .values_list("sequence", "first_id", "last_id", "state"))
    pk = [p.pk for p in patients]
    assert ranges == [(0, pk[0], pk[2], "queued"), (1, pk[3], pk[5], "queued"),
                      (2, pk[6], pk[6], "queued")]
    reads = [q["sql"] for q in queries if 'FROM "cadm_patient"' in q["sql"]]
    assert len(reads) == 4 and all("LIMIT 3" in sql for sql in reads)
    job.refresh_from_db()
    assert (job.total, job.claim, job.state) == (7, "", "running")


def test_a_chunk_delivered_twice_runs_once(site, rheumatologist, settings, monkeypatch):
    cohort(site, rheumatologist, 5)
    settings.COHORT_CHUNK_SIZE = 2
    calls: list = []
    recording(monkeypatch, SWEEP_KIND, calls)
    job = sweep()
    first, second, _ = planned(job)

    assert job_chunk_execute(first) == "done"
    assert job_chunk_execute(first) == "skipped"  # the same message, redelivered
    JobChunk.objects.filter(pk=second).update(state="running", claim="another-worker",
                                              heartbeat_at=timezone.now())
    assert job_chunk_execute(second) == "skipped"  # alive in another worker

    assert len(calls) == 1
    job.refresh_from_db()
    assert (job.progress, job.result["patients"]) == (2, 2)


def test_a_chunk_killed_mid_way_is_redone_and_its_counts_are_not_doubled(
        site, rheumatologist, settings, monkeypatch, sent):
    patients = cohort(site, rheumatologist, 5, evaluated=False)
    settings.COHORT_CHUNK_SIZE = 2
    calls: list = []
    recording(monkeypatch, SWEEP_KIND, calls, dies_once=[patients[2].pk])
    job = sweep()
    first, second, third = planned(job)
    assert job_chunk_execute(first) == "done"

    with pytest.raises(SystemExit):
        job_chunk_execute(second)  # killed after its work, before its commit
    killed = JobChunk.objects.get(pk=second)
    assert (killed.state, killed.attempts) == ("running", 1)
    assert Flag.objects.filter(patient__in=patients[:2]).exists()
    assert not Flag.objects.filter(patient__in=patients[2:4]).exists()  # rolled back
    job.refresh_from_db()
    assert (job.state, job.progress) == ("running", 2)
    assert job_chunk_execute(second) == "skipped"  # its claim is not stale yet

    later = timezone.now() + timedelta(seconds=settings.JOB_STALE_SECONDS + 1)
    outcome = jobs_recover(now=later)
    assert outcome["chunks_requeued"] == [second]
    assert outcome["chunks_sent"] == [second, third]  # the one never sent goes too
    assert sent == [second, third]
    job.refresh_from_db()
    assert job.error == "A worker stopped in the middle of chunk 2; it is redone automatically"

    assert job_chunk_execute(second) == "done"
    assert JobChunk.objects.get(pk=second).attempts == 2
    assert job_chunk_execute(third) == "done"
    job.refresh_from_db()
    assert job.state == "done" and job.error == ""
    assert (job.progress, job.result["patients"]) == (5, 5)
    assert job.result["opened"] == Flag.objects.count() > 0  # the redone chunk counted once
    assert [len(ids) for ids in calls] == [2, 2, 2, 1]


def test_a_run_whose_chunk_was_reclaimed_meanwhile_rolls_its_work_back(
        site, rheumatologist, settings, monkeypatch):
    patients = cohort(site, rheumatologist, 2, evaluated=False)
    settings.COHORT_CHUNK_SIZE = 2
    kind = jobs._kinds[SWEEP_KIND]
    job = sweep()
    (only,) = planned(job)

    def reclaimed_meanwhile(job_, ids, result):
        kind.chunk(job_, ids, result)
        JobChunk.objects.filter(pk=only).update(claim="the-run-that-reclaimed-it")

    monkeypatch.setitem(jobs._kinds, SWEEP_KIND, replace(kind, chunk=reclaimed_meanwhile))
    assert job_chunk_execute(only) == "lost"
    assert not Flag.objects.filter(patient__in=patients).exists()
    assert JobChunk.objects.get(pk=only).state != "done"
    assert JobRun.objects.get(pk=job.pk).progress == 0


def test_a_chunk_lost_too_often_fails_the_job_and_a_retry_redoes_only_the_rest(
        site, rheumatologist, admins, settings, monkeypatch, eager):
    patients = cohort(site, rheumatologist, 5)
    settings.COHORT_CHUNK_SIZE = 2
    calls: list = []
    recording(monkeypatch, SWEEP_KIND, calls)
    job = sweep()
    first, second, _ = planned(job)
    assert job_chunk_execute(first) == "done"
    JobChunk.objects.filter(pk=second).update(
        state="running", claim="dead", attempts=settings.JOB_MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 1))

    assert job_chunk_execute(second) == "ended"
    job.refresh_from_db()
    assert job.state == "failed" and job.finished_at is not None
    assert job.error == (f"Stopped after {settings.JOB_MAX_ATTEMPTS} attempts: the worker "
                         f"running chunk 2 of 3 was lost each time (after 2 of 5 patients). "
                         f"Retry it once the workers are healthy.")
    assert job.result["patients"] == 2  # what was done stays visible
    assert list(JobChunk.objects.filter(job=job).values_list("state", flat=True)) == [
        "done", "failed", "queued"]

    job_retry(actor=admins[0], job=job)
    job = job_run_execute(job.pk)  # the retry's message
    assert job.state == "done" and (job.progress, job.result["patients"]) == (5, 5)
    assert calls == [[p.pk for p in patients[:2]], [p.pk for p in patients[2:4]],
                     [patients[4].pk]]  # the first chunk was not redone


def test_a_cancelled_preview_stops_between_chunks_whatever_their_order(
        site, rheumatologist, admins, settings):
    cohort(site, rheumatologist, 3)
    settings.COHORT_CHUNK_SIZE = 1
    draft = draft_with(admins[0], **{FERRITIN_KEY: 1000.0})
    job = preview.ruleset_preview_start(actor=admins[0], version=draft)
    first, second, third = planned(job)
    assert job_chunk_execute(second) == "done"

    preview.ruleset_preview_cancel(actor=admins[1], job=job)
    assert JobRun.objects.get(pk=job.pk).state == "running"  # until a worker looks
    assert job_chunk_execute(third) == "ended"

    job.refresh_from_db()
    assert job.state == "cancelled" and job.result["stopped"] == "cancelled by ruleadmin2"
    assert (job.progress, job.result["patients_evaluated"]) == (1, 1)
    assert job.result["patients_total"] == 3
    assert job_chunk_execute(first) == "missing"  # the cancelled job took its chunks along


def test_a_superseded_activation_stops_before_its_next_chunk(
        site, rheumatologist, admins, settings):
    patients = cohort(site, rheumatologist, 4)
    settings.COHORT_CHUNK_SIZE = 2
    author, approver = admins
    v2 = approved(author, approver, **{FERRITIN_KEY: 1000.0})
    v3 = approved(approver, author, **{FERRITIN_KEY: 1050.0})
    job = rulesets.ruleset_activate(actor=approver, version=v2, data={"confirm": True})
    first, second = planned(job)
    assert job_chunk_execute(first) == "done"

    rulesets.ruleset_activate(actor=author, version=v3, data={"confirm": True})
    untouched = list(Flag.objects.filter(patient__in=patients[2:]).order_by("pk").values())
    assert job_chunk_execute(second) == "ended"

    job.refresh_from_db()
    assert job.state == "cancelled" and job.result["patients"] == 2
    assert job.result["stopped"] == ("v2 is no longer active (v3 is): its job re-evaluates "
                                     "the cohort")
    assert list(Flag.objects.filter(patient__in=patients[2:]).order_by("pk").values()) == \
        untouched


def test_without_a_broker_the_chunks_run_one_after_another_in_process(
        site, rheumatologist, settings, monkeypatch, eager, django_capture_on_commit_callbacks):
    patients = cohort(site, rheumatologist, 5)
    settings.COHORT_CHUNK_SIZE = 2
    calls: list = []
    recording(monkeypatch, SWEEP_KIND, calls)
    kind = jobs._kinds[SWEEP_KIND]
    threads = []
    monkeypatch.setitem(jobs._kinds, SWEEP_KIND, replace(kind, chunk=lambda j, ids, r: (
        threads.append(threading.get_ident()), kind.chunk(j, ids, r))))
    sends = []
    monkeypatch.setattr(job_chunk_task, "apply_async", lambda *a, **kw: sends.append(a))

    with django_capture_on_commit_callbacks(execute=True):
        job = job_run_start(actor=None, kind=SWEEP_KIND,
                            params={"as_of": timezone.localdate().isoformat()})
        assert calls == []  # nothing before the commit

    job.refresh_from_db()
    assert job.state == "done" and job.result["patients"] == 5
    assert calls == [[p.pk for p in patients[:2]], [p.pk for p in patients[2:4]],
                     [patients[4].pk]]
    assert set(threads) == {threading.get_ident()} and sends == []


def test_recovery_sends_chunks_whose_message_may_be_lost_and_ends_finished_jobs(
        site, rheumatologist, settings, sent):
    cohort(site, rheumatologist, 6)
    settings.COHORT_CHUNK_SIZE = 2
    now = timezone.now()
    long_ago = now - timedelta(seconds=settings.JOB_REDISPATCH_SECONDS + 1)
    moving, idle = sweep(), sweep()
    never, recent, old = planned(moving)
    JobChunk.objects.filter(pk=recent).update(dispatched_at=now)
    JobChunk.objects.filter(pk=old).update(dispatched_at=long_ago)
    idle_chunks = planned(idle)
    JobChunk.objects.filter(pk__in=idle_chunks).update(dispatched_at=long_ago)
    JobRun.objects.filter(pk=idle.pk).update(heartbeat_at=long_ago)
    finished = sweep()
    parts = planned(finished)
    base = jobs._kinds[SWEEP_KIND].begin(finished)
    for chunk_id in parts:
        JobChunk.objects.filter(pk=chunk_id).update(
            state="done", patients=2, result={**base, "patients": 2, "opened": 1})
    JobRun.objects.filter(pk=finished.pk).update(progress=6)

    outcome = jobs_recover(now=now)

    # Sent long ago to a job that has moved since: it is waiting its turn, not lost.
    assert outcome["chunks_sent"] == [never, *idle_chunks] == sent
    assert outcome["ended"] == [finished.pk]
    finished.refresh_from_db()
    assert finished.state == "done" and finished.result["patients"] == 6
    assert finished.result["opened"] == 3 and finished.result["as_of"] == base["as_of"]
    assert not JobChunk.objects.filter(job=finished).exists()
