"""The job row is the source of truth: claims, heartbeats, stale jobs, lost messages, retries,
chunks that commit with their counts. Without a worker (tests/test_worker_faults.py runs real
ones, and kills one; tests/cadm/test_job_chunks.py takes the chunks one by one)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from cadm import jobs
from cadm.exceptions import DomainError
from cadm.jobs import job_dispatch, job_run_execute, jobs_recover
from cadm.models import AuditEvent, Flag, JobChunk, JobRun, RuleSetVersion
from cadm.selectors.jobs import cohort_status
from cadm.services.cohort import SWEEP_KIND
from cadm.services.jobs import job_retry
from cadm.tasks import job_run_task
from tests.cadm.rulesets.builders import mda5_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def patients(site, rheumatologist, settings):
    settings.COHORT_CHUNK_SIZE = 2
    return [mda5_patient(site, rheumatologist) for _ in range(5)]


def sweep(**fields) -> JobRun:
    today = timezone.localdate().isoformat()
    return JobRun.objects.create(kind=SWEEP_KIND, params={"as_of": today}, total=5, **fields)


def ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


@pytest.fixture
def v1(db):
    return RuleSetVersion.objects.get(number=1)


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(job_run_task, "apply_async", refuse)


@pytest.fixture
def eager(monkeypatch):
    """Tasks run in-process when sent, as without a broker, even in a session that has one."""
    from cadm.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture
def sent(monkeypatch):
    """Messages handed to the broker (job ids), without running them."""
    ids: list[int] = []
    monkeypatch.setattr(job_run_task, "apply_async", lambda args, **kw: ids.append(args[0]))
    return ids


def test_a_broker_that_is_down_leaves_the_job_queued_with_the_reason(patients, broker_down):
    job = sweep()
    assert job_dispatch(job.pk) is False
    job.refresh_from_db()
    assert job.state == "queued" and job.dispatched_at is None
    assert job.dispatch_error == ("OperationalError: Error 111 connecting to 127.0.0.1:6379. "
                                  "Connection refused.")


def test_recovery_sends_queued_jobs_never_sent_or_sent_long_ago(patients, sent, settings):
    never = sweep()
    long_ago = sweep(dispatched_at=ago(settings.JOB_REDISPATCH_SECONDS + 1))
    recently = sweep(dispatched_at=ago(settings.JOB_REDISPATCH_SECONDS - 5))
    finished = sweep(state="done")
    assert jobs_recover()["sent"] == [never.pk, long_ago.pk]
    assert sent == [never.pk, long_ago.pk]
    never.refresh_from_db()
    assert never.dispatched_at is not None and never.dispatch_error == ""
    assert recently.pk not in sent and finished.pk not in sent


def test_recovery_requeues_a_running_job_whose_heartbeat_is_stale(patients, sent, settings):
    stale = sweep(state="running", claim="dead", progress=2, cursor=patients[1].pk,
                  heartbeat_at=ago(settings.JOB_STALE_SECONDS + 1))
    alive = sweep(state="running", claim="alive", heartbeat_at=ago(settings.JOB_STALE_SECONDS - 5))
    outcome = jobs_recover()
    assert outcome == {"requeued": [stale.pk], "sent": [stale.pk], "chunks_requeued": [],
                       "chunks_sent": [], "ended": []}
    stale.refresh_from_db()
    assert (stale.state, stale.claim, stale.cursor) == ("queued", "", patients[1].pk)
    assert stale.error == "The worker stopped after 2 of 5 patients; resumed automatically"
    alive.refresh_from_db()
    assert alive.state == "running" and alive.claim == "alive"


def test_resuming_after_a_committed_chunk_does_not_redo_it(patients, settings, monkeypatch):
    """A worker dies in the second chunk: the first chunk's work and counts committed; the
    second rolled back. The redelivered message, once the heartbeats are stale, takes the lost
    chunk up again and goes on after it."""
    job = sweep()
    kind = jobs._kinds[SWEEP_KIND]
    chunks: list[list[int]] = []

    def dies_in_second_chunk(job_, ids, result):
        chunks.append(ids)
        kind.chunk(job_, ids, result)
        if len(chunks) == 2:
            raise SystemExit  # as a killed worker: nothing after this runs

    monkeypatch.setitem(jobs._kinds, SWEEP_KIND, replace(kind, chunk=dies_in_second_chunk))
    with pytest.raises(SystemExit):
        job_run_execute(job.pk)
    job.refresh_from_db()
    first = [p.pk for p in patients[:2]]
    assert (job.state, job.progress, job.cursor) == ("running", 2, first[-1])
    assert job.result["patients"] == 2  # the running total: the first chunk's
    opened_by_first_chunk = job.result["opened"]
    lost = JobChunk.objects.get(job=job, sequence=1)
    assert (lost.state, lost.attempts) == ("running", 1)

    monkeypatch.setitem(jobs._kinds, SWEEP_KIND, replace(kind, chunk=lambda j, ids, r: (
        chunks.append(ids), kind.chunk(j, ids, r))))
    stale = ago(settings.JOB_STALE_SECONDS + 1)
    JobRun.objects.filter(pk=job.pk).update(heartbeat_at=stale)
    JobChunk.objects.filter(pk=lost.pk).update(heartbeat_at=stale)
    job = job_run_execute(job.pk)  # the message, redelivered
    assert chunks[2:] == [[p.pk for p in patients[2:4]], [patients[4].pk]]
    assert job.state == "done" and job.attempts == 2 and job.result["patients"] == 5
    assert job.result["opened"] == Flag.objects.count() > opened_by_first_chunk
    assert (job.progress, job.total, job.cursor) == (5, 5, patients[4].pk)
    assert not JobChunk.objects.exists()  # a done job's result holds them


def test_a_run_whose_job_was_reclaimed_stops_and_rolls_its_chunk_back(patients, monkeypatch):
    job = sweep()
    kind = jobs._kinds[SWEEP_KIND]

    def reclaimed_meanwhile(job_):  # checked just before the chunk
        JobRun.objects.filter(pk=job_.pk).update(claim="another-run")

    monkeypatch.setitem(jobs._kinds, SWEEP_KIND, replace(kind, stop=reclaimed_meanwhile))
    job = job_run_execute(job.pk)
    assert (job.state, job.claim, job.progress) == ("running", "another-run", 0)
    assert not Flag.objects.exists()  # the other run does this chunk


def test_a_job_lost_too_often_fails_with_the_reason(patients, settings):
    job = sweep(state="running", attempts=settings.JOB_MAX_ATTEMPTS, progress=4,
                heartbeat_at=ago(settings.JOB_STALE_SECONDS + 1))
    job = job_run_execute(job.pk)
    assert job.state == "failed"
    assert job.error.startswith(f"Stopped after {settings.JOB_MAX_ATTEMPTS} attempts: the "
                                f"worker running it was lost each time (after 4 of 5")


def test_a_database_that_drops_mid_job_puts_it_back_in_the_queue(patients, monkeypatch, eager):
    job = sweep()
    kind = jobs._kinds[SWEEP_KIND]

    def database_gone(job_, ids, result):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setitem(jobs._kinds, SWEEP_KIND, replace(kind, chunk=database_gone))
    job = job_run_execute(job.pk)
    # Planned, then the first chunk is interrupted: it goes back to the queue, to be sent
    # again; this run stops there (the next chunk would meet the same database).
    assert (job.state, job.claim, job.progress) == ("running", "", 0)
    assert job.error == "Interrupted (OperationalError): resumes automatically"
    chunks = list(JobChunk.objects.filter(job=job).values_list("pk", "state", "claim",
                                                               "dispatched_at", "error"))
    assert [row[1:] for row in chunks] == [("queued", "", None, "Interrupted (OperationalError)"),
                                           ("queued", "", None, ""), ("queued", "", None, "")]

    monkeypatch.setitem(jobs._kinds, SWEEP_KIND, kind)  # the database is back
    outcome = jobs_recover()  # eager: the chunks sent run here, one after another
    assert outcome["chunks_sent"] == [pk for pk, *_ in chunks]
    job.refresh_from_db()
    assert job.state == "done" and job.result["patients"] == 5 and job.error == ""


def test_retry_resumes_a_failed_job_and_is_audited(patients, rules_admin, sent):
    job = sweep(state="failed", error="ValueError: boom", attempts=3, cursor=patients[1].pk,
                progress=2, finished_at=timezone.now())
    job_retry(actor=rules_admin, job=job)
    job.refresh_from_db()
    assert (job.state, job.attempts, job.error, job.finished_at) == ("queued", 0, "", None)
    assert job.cursor == patients[1].pk  # resumes after what it finished
    event = AuditEvent.objects.get(action="job.retry")
    assert event.actor == rules_admin and event.detail["after_patient_id"] == patients[1].pk


@pytest.mark.parametrize("state", ["queued", "done", "cancelled"])
def test_retry_refuses_a_job_that_is_not_failed_or_stale(patients, rules_admin, state):
    job = sweep(state=state)
    with pytest.raises(DomainError, match=f"Job #{job.pk} is {state}: only a failed job"):
        job_retry(actor=rules_admin, job=job)


def test_retry_needs_a_rules_admin(patients, rheumatologist):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        job_retry(actor=rheumatologist, job=sweep(state="failed"))


def test_job_list_names_what_a_job_belongs_to_and_offers_retry(client, rules_admin, v1,
                                                               settings):
    activation = JobRun.objects.create(kind="ruleset-activate", ruleset=v1, state="failed",
                                       params={"ruleset": 1, "as_of": "2026-11-30"},
                                       error="ValueError: boom")
    stalled = sweep(state="running", heartbeat_at=ago(settings.JOB_STALE_SECONDS + 1))
    client.force_login(rules_admin)
    page = client.get(reverse("job-list")).content.decode()
    assert f'<a href="{reverse("ruleset-detail", args=[1])}">v1</a>' in page
    assert "Stalled" in page and "Daily sweep" in page
    assert page.count("Retry</button>") == 2
    assert 'http-equiv="refresh"' in page  # the stalled job still counts as running
    response = client.post(reverse("job-retry", args=[activation.pk]),
                           {"next": reverse("job-list")})
    assert response.status_code == 302
    activation.refresh_from_db()
    assert activation.state == "queued"
    assert stalled.pk


def test_job_retry_refusal_is_a_message_not_an_error(client, rules_admin, v1):
    job = sweep(state="done")
    client.force_login(rules_admin)
    response = client.post(reverse("job-retry", args=[job.pk]), follow=True)
    assert response.status_code == 200
    assert f"Job #{job.pk} is done: only a failed job" in response.content.decode()


def test_job_retry_refuses_an_outside_next_url(client, rules_admin, v1):
    job = sweep(state="failed")
    client.force_login(rules_admin)
    response = client.post(reverse("job-retry", args=[job.pk]),
                           {"next": "https://elsewhere.example/"})
    assert response["Location"] == reverse("job-list")


def test_versions_page_says_the_cohort_is_not_all_on_the_active_version(
        client, rules_admin, v1, patients, settings):
    from cadm.services.evaluation import patient_reevaluate

    for patient in patients:
        patient_reevaluate(patient.pk)
    assert cohort_status(v1).complete  # version 1: seeded, no job, every flag on v1
    job = JobRun.objects.create(kind="ruleset-activate", ruleset=v1, state="running",
                                params={"ruleset": 1, "as_of": "2026-11-30"}, progress=2,
                                total=5, heartbeat_at=ago(settings.JOB_STALE_SECONDS + 1))
    client.force_login(rules_admin)
    for url in (reverse("ruleset-list"), reverse("ruleset-detail", args=[1])):
        page = client.get(url).content.decode()
        assert "The cohort is not yet all on the active version v1" in page
        assert "stalled</strong> at 2 of 5 patients" in page
        assert f'action="{reverse("job-retry", args=[job.pk])}"' in page
    JobRun.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    page = client.get(reverse("ruleset-list")).content.decode()
    assert "<strong>running</strong>, 2 of 5 patients done" in page
    assert 'http-equiv="refresh"' in page and "Retry the re-evaluation" not in page
    JobRun.objects.filter(pk=job.pk).update(state="done", result={"error_count": 0})
    page = client.get(reverse("ruleset-list")).content.decode()
    assert "not yet all on the active version" not in page
    assert 'http-equiv="refresh"' not in page


@pytest.mark.django_db(transaction=True)
def test_pages_say_when_the_task_queue_could_not_be_reached(client, broker_down):
    """The hand-over runs when the service commits, inside the request: the message reads
    the row. Transactional, so that the commit (and its hand-over) really happens."""
    from tests.factories import SiteFactory, UserFactory

    site = SiteFactory(code="north")
    admin = UserFactory(username="ruleadmin", role="rules_admin", sites=[site])
    client.force_login(admin)
    response = client.post(reverse("ruleset-act", args=[1, "reevaluate"]), follow=True)
    job = JobRun.objects.get(kind="ruleset-activate")
    assert job.state == "queued" and job.dispatch_error
    page = response.content.decode()
    assert (f"Job #{job.pk} is recorded and queued, but the task queue could not be "
            f"reached; it will start automatically when the queue is back.") in page
    assert "being re-evaluated" not in page
    assert ("queued</strong>: the task queue could not be reached (OperationalError: Error "
            "111 connecting") in page  # the version page's status box
