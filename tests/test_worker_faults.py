"""Jobs that finish whatever happens: a broker down at activation, a worker killed mid-job;
and two workers sharing one job.

Real PostgreSQL, Redis and Celery workers (CI runs them; skipped otherwise). The kill and
parallel tests start worker processes of their own, on a queue of their own, against the test
database: the first kills a worker by its PID in the middle of the activation's
re-evaluation; the second holds one chunk on a locked patient while another worker does the
rest of the job.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from cadm import jobs
from cadm.celery import app
from cadm.jobs import job_run_execute, jobs_recover
from cadm.models import Flag, FlagAction, JobChunk, JobRun, Patient, RuleSetVersion
from cadm.services import rulesets
from cadm.services.evaluation import patient_evaluation, patient_reevaluate
from cadm.services.flags import evidence_digest
from tests.cadm.rulesets.builders import FERRITIN_KEY, approved, mda5_patient
from tests.factories import SiteFactory, UserFactory

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not getattr(settings, "WORKER_TESTS", False),
                       reason="no Celery broker: set CELERY_BROKER_URL to run worker tests"),
]
ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60.0  # seconds: a worker process starts in about 3


def wait_until(predicate, what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


@contextmanager
def broker_down():
    """Publishing fails as with a stopped Redis (the worker of this session keeps its own
    connection; only the hand-over from the web process is cut)."""
    saved = app.conf.broker_write_url, app._pool, app.amqp._producer_pool
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    app._pool = app.amqp._producer_pool = None
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app.conf.broker_write_url, app._pool, app.amqp._producer_pool = saved


def cohort_and_approved_version(n: int):
    """n anti-MDA5 patients evaluated with v1: ferritin 1200 ng/mL for most, none for every
    fifth; and v2, approved, which lowers the ferritin threshold to 1000 (MDA5_RPILD_MARKERS
    opens for the others). Returns (patients, v2, the rules admin who approved it)."""
    site = SiteFactory(code="north")
    creator = UserFactory(role="rheumatologist", sites=[site])
    author = UserFactory(username="ruleadmin1", role="rules_admin", sites=[site])
    approver = UserFactory(username="ruleadmin2", role="rules_admin", sites=[site])
    patients = [mda5_patient(site, creator, ferritin=None if i % 5 == 0 else 1200)
                for i in range(n)]
    for patient in patients:
        patient_reevaluate(patient.pk)
    return patients, approved(author, approver, **{FERRITIN_KEY: 1000.0}), approver


@pytest.mark.django_db(transaction=True)
def test_activation_with_the_broker_down_tells_the_truth_and_the_job_still_runs(
        celery_worker):
    _, version, second = cohort_and_approved_version(6)
    client = Client()
    client.force_login(second)

    with broker_down():
        started = time.monotonic()
        response = rulesets_activate_through_the_page(client, version)
        elapsed = time.monotonic() - started

    assert elapsed < 5, "a broker that is down must not hold the request"
    version.refresh_from_db()
    assert version.state == RuleSetVersion.State.ACTIVE
    job = JobRun.objects.get(kind="ruleset-activate", ruleset=version)
    assert job.state == JobRun.State.QUEUED and job.dispatched_at is None
    assert job.dispatch_error.startswith("OperationalError: Error 111 connecting")
    page = response.content.decode()
    assert response.status_code == 200 and "nothing was saved" not in page.lower()
    assert f"v{version.number} is active" in page and "start automatically" in page

    # The broker is back: the recovery (beat, every minute; or a worker starting) sends it.
    assert jobs_recover()["sent"] == [job.pk]
    job = wait_until(lambda: JobRun.objects.filter(pk=job.pk, state="done").first(),
                     "the re-evaluation to finish")
    assert job.result["patients"] == 6 and job.result["opened"] == 4  # 2 have no ferritin
    assert set(Flag.objects.exclude(state="resolved")
               .values_list("ruleset__number", flat=True)) == {version.number}


def rulesets_activate_through_the_page(client, version):
    return client.post(reverse("ruleset-activate", args=[version.number]), {"confirm": "on"},
                       follow=True)


def database_url() -> str:
    db = connection.settings_dict
    return (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")


def start_worker(queue: str, name: str, stale_seconds: int = 2) -> subprocess.Popen:
    """A worker process of its own (solo pool), on its own queue, against the test database,
    with short job timings so a dead worker's chunk is seen stale within seconds."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cadm.settings",
           "DATABASE_URL": database_url(), "CELERY_TASK_DEFAULT_QUEUE": queue,
           "SECRET_KEY": "worker-fault-test", "DEBUG": "False",
           "JOB_STALE_SECONDS": str(stale_seconds),
           "COHORT_CHUNK_SIZE": "10", "JOB_RECOVER_ON_WORKER_START": "True",
           "LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cadm", "worker", "--pool", "solo",
         "-Q", queue, "-n", f"{name}-{queue}@%h", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def patient_locked(patient_id: int):
    """Hold a patient's row lock from another connection: the worker blocks there, after
    committing the chunks before it, so the kill lands mid-job at a known place."""
    with psycopg.connect(database_url().replace("postgres://", "postgresql://"),
                         autocommit=False) as other:
        other.execute("SELECT id FROM cadm_patient WHERE id = %s FOR UPDATE", [patient_id])
        yield
        other.rollback()


def live_flags() -> set[tuple]:
    return set(Flag.objects.exclude(state=Flag.State.RESOLVED).values_list(
        "patient_id", "code", "severity", "evidence_digest", "ruleset__number"))


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="worker processes share the test database: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_activation_is_replaced_and_the_flags_end_as_uninterrupted(
        monkeypatch):
    patients, version, second = cohort_and_approved_version(40)
    queue = f"kill-test-{uuid.uuid4().hex[:8]}"
    # The activation commits but its message is lost (as after a broker outage): the worker
    # that starts sends it (start-up recovery), on its own queue.
    with monkeypatch.context() as patch:
        patch.setattr(jobs, "job_dispatch", lambda job_id: False)
        job = rulesets.ruleset_activate(actor=second, version=version, data={"confirm": True})
    lock_at = patients[25].pk  # chunks of 10: two commit, the third blocks on this patient

    worker_a = start_worker(queue, "a")
    try:
        with patient_locked(lock_at):
            wait_until(lambda: JobRun.objects.filter(pk=job.pk, progress=20,
                                                     state="running").exists(),
                       "the job to commit two chunks")
            wait_until(blocked_on_a_lock, "the worker to wait on the locked patient")
            os.killpg(worker_a.pid, signal.SIGKILL)  # by its PID, mid-chunk
            worker_a.wait(timeout=10)
        killed = JobRun.objects.get(pk=job.pk)
        assert (killed.state, killed.progress, killed.cursor) == ("running", 20,
                                                                  patients[19].pk)
        lost = JobChunk.objects.get(job=job, sequence=2)  # its work rolled back with it
        assert (lost.state, lost.attempts) == ("running", 1)
        worker_b = start_worker(queue, "b")
        try:
            job = wait_until(lambda: JobRun.objects.filter(pk=job.pk, state="done").first(),
                             "the replacement worker to finish the job")
        finally:
            stop(worker_b)
    finally:
        stop(worker_a, signal.SIGKILL)

    # The job was planned once; its lost chunk was reclaimed, not the job.
    assert job.attempts == 1 and job.progress == job.total == 40
    assert not JobChunk.objects.exists()
    assert job.result["patients"] == 40 and job.result["errors"] == []
    # The redone chunk did not double the counts: they match the actions stored under v2.
    opened = FlagAction.objects.filter(kind="opened", ruleset=version).count()
    assert job.result["opened"] == opened == 32  # ferritin 1200 ≥ the lowered 1000 ng/mL
    # Every patient ends on v2 with exactly the flags the rules give (none missing, none
    # stale, no duplicate), and an uninterrupted re-run finds nothing left to change.
    as_of = dt.date.fromisoformat(job.params["as_of"])
    expected = {(p.pk, out.code, out.severity, evidence_digest(out), version.number)
                for p in Patient.objects.all()
                for out in patient_evaluation(p, as_of=as_of, ruleset=version).flags}
    assert live_flags() == expected
    assert not (FlagAction.objects.filter(kind="opened").values("flag_id")
                .annotate(n=Count("id")).filter(n__gt=1).exists())
    with monkeypatch.context() as patch:
        patch.setattr(jobs, "job_dispatch", lambda job_id: False)
        rerun = rulesets.ruleset_reevaluation_rerun(actor=second, version=version,
                                                    as_of=as_of)
    rerun = job_run_execute(rerun.pk)
    assert [rerun.result[k] for k in ("opened", "updated", "reopened", "resolved")] == [0] * 4
    assert live_flags() == expected


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="worker processes share the test database: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_workers_share_one_job(monkeypatch):
    """One worker is held on the first chunk (a patient locked by this test): the job gets
    through every other chunk meanwhile, which only a second worker can do. No timing."""
    patients, version, second = cohort_and_approved_version(40)
    queue = f"parallel-test-{uuid.uuid4().hex[:8]}"
    with monkeypatch.context() as patch:
        patch.setattr(jobs, "job_dispatch", lambda job_id: False)
        job = rulesets.ruleset_activate(actor=second, version=version, data={"confirm": True})

    workers = []
    try:
        with patient_locked(patients[0].pk):
            # Claims stay fresh for the whole test: the held chunk is not taken as lost.
            workers = [start_worker(queue, name, stale_seconds=600) for name in ("a", "b")]
            wait_until(lambda: JobRun.objects.filter(pk=job.pk, progress=30).exists(),
                       "the three other chunks to be done while the first one is held")
            assert blocked_on_a_lock()
            held = JobChunk.objects.get(job=job, sequence=0)
            assert (held.state, held.attempts) == ("running", 1)
        job = wait_until(lambda: JobRun.objects.filter(pk=job.pk, state="done").first(),
                         "the held chunk to finish once the patient is released")
    finally:
        for worker in workers:
            stop(worker)

    assert job.progress == job.total == 40 and job.result["patients"] == 40
    assert job.result["opened"] == FlagAction.objects.filter(kind="opened",
                                                             ruleset=version).count() == 32


def blocked_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND datname = current_database()")
        return cursor.fetchone()[0] > 0
