"""Two chunks of one cohort job at the same moment, in two threads with their own database
connections (cadm/job_chunks.py): the job's row lock lets exactly one of them end the job,
and a chunk whose job ended while it ran rolls its work back. PostgreSQL only: SQLite has one
writer at a time, so nothing there can race."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from django.db import connection, connections

from cadm import job_chunks, jobs
from cadm.job_chunks import job_chunk_execute
from cadm.models import Flag, JobChunk
from cadm.services.cohort import SWEEP_KIND
from tests.cadm.test_job_chunks import cohort, planned, sweep
from tests.factories import SiteFactory, UserFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="concurrent transactions: PostgreSQL only"),
    pytest.mark.django_db(transaction=True),
]
WAIT = 20.0  # seconds; only ever reached if the code under test deadlocks


def in_threads(*calls) -> list:
    """Run each call in a thread of its own (its own connection); their return values."""
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        try:
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 2)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_the_last_of_two_chunks_committing_together_ends_the_job_exactly_once(
        settings, monkeypatch):
    site = SiteFactory(code="north")
    cohort(site, UserFactory(role="rheumatologist", sites=[site]), 4, evaluated=False)
    settings.COHORT_CHUNK_SIZE = 2
    kind = jobs._kinds[SWEEP_KIND]
    both_worked = threading.Barrier(2, timeout=WAIT)

    def chunk(job, ids, result):
        kind.chunk(job, ids, result)
        both_worked.wait()  # both chunks done with their work, neither committed

    monkeypatch.setitem(jobs._kinds, SWEEP_KIND, replace(kind, chunk=chunk))
    ends = []
    real_end = job_chunks._end
    monkeypatch.setattr(job_chunks, "_end", lambda job, *a, **kw: (
        ends.append(job.pk), real_end(job, *a, **kw)))
    job = sweep()
    first, second = planned(job)

    assert in_threads(lambda: job_chunk_execute(first),
                      lambda: job_chunk_execute(second)) == ["done", "done"]

    job.refresh_from_db()
    assert ends == [job.pk]  # neither both, nor none
    assert job.state == "done" and (job.progress, job.total) == (4, 4)
    assert job.result["patients"] == 4 and job.result["opened"] == Flag.objects.count() > 0
    assert not JobChunk.objects.exists()


def test_a_chunk_whose_job_was_stopped_while_it_ran_rolls_its_work_back(
        settings, monkeypatch):
    """As a preview cancelled, or an activation superseded, while a chunk of it runs in
    another worker: the job ends with what was done, and the running chunk's work, which the
    result does not count, is undone."""
    site = SiteFactory(code="north")
    patients = cohort(site, UserFactory(role="rheumatologist", sites=[site]), 4,
                      evaluated=False)
    settings.COHORT_CHUNK_SIZE = 2
    kind = jobs._kinds[SWEEP_KIND]
    working, stop_asked, stopped = threading.Event(), threading.Event(), threading.Event()

    def chunk(job, ids, result):
        kind.chunk(job, ids, result)
        working.set()
        assert stopped.wait(WAIT)

    monkeypatch.setitem(jobs._kinds, SWEEP_KIND, replace(
        kind, chunk=chunk, stop=lambda job: "stopped by the test" if stop_asked.is_set() else None))
    job = sweep()
    first, second = planned(job)

    def stop_then_look():
        assert working.wait(WAIT)
        stop_asked.set()
        try:
            return job_chunk_execute(second)  # asks `stop` before its chunk: ends the job
        finally:
            stopped.set()

    assert in_threads(lambda: job_chunk_execute(first), stop_then_look) == ["ended", "ended"]

    job.refresh_from_db()
    assert job.state == "cancelled" and job.result["stopped"] == "stopped by the test"
    assert job.progress == 0 and job.result["patients"] == 0
    assert not Flag.objects.filter(patient__in=patients).exists()  # the first chunk's undone
    assert not JobChunk.objects.exists()
