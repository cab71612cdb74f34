"""cadm.jobs without a worker: the runner records outcomes and never runs a job twice."""

import pytest
from django.conf import settings
from django.utils import timezone

from cadm.jobs import job_kind, job_run_execute, job_run_start
from cadm.models import JobRun
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

calls: list[int] = []


@job_kind("test-jobs-record-call")
def record_call(job, progress):
    calls.append(job.pk)
    progress(1, 1)
    return {"calls": len(calls)}


@job_kind("test-jobs-fails")
def fails(job, progress):
    raise ValueError("synthetic failure")


@pytest.fixture(autouse=True)
def _no_calls():
    calls.clear()


def test_queued_job_runs_once_and_records_its_result():
    job = JobRun.objects.create(kind="test-jobs-record-call")

    job = job_run_execute(job.pk)

    assert job.state == JobRun.State.DONE
    assert job.result == {"calls": 1}
    assert (job.progress, job.total) == (1, 1)
    assert job.started_at is not None and job.finished_at is not None
    assert calls == [job.pk]


def test_done_job_is_not_run_again():
    """A redelivered message (acks_late) for a finished job must not repeat the work."""
    job = JobRun.objects.create(kind="test-jobs-record-call")
    first = job_run_execute(job.pk)

    second = job_run_execute(job.pk)

    assert calls == [job.pk]
    assert second.state == JobRun.State.DONE
    assert second.result == first.result
    assert second.started_at == first.started_at
    assert second.finished_at == first.finished_at


@pytest.mark.parametrize("state", [JobRun.State.DONE, JobRun.State.RUNNING])
def test_finished_or_running_job_is_left_alone(state):
    started = timezone.now()
    job = JobRun.objects.create(kind="test-jobs-record-call", state=state,
                                result={"kept": True}, started_at=started,
                                heartbeat_at=started)  # alive in another worker

    returned = job_run_execute(job.pk)

    assert calls == []
    job.refresh_from_db()
    assert (returned.state, job.state) == (state, state)
    assert job.result == {"kept": True}
    assert job.started_at == started


def test_failure_is_recorded_on_the_row():
    job = JobRun.objects.create(kind="test-jobs-fails")

    job = job_run_execute(job.pk)

    assert job.state == JobRun.State.FAILED
    assert job.error == "ValueError: synthetic failure"
    assert job.finished_at is not None


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown job kind 'no-such-kind'"):
        job_run_start(actor=None, kind="no-such-kind")
    assert not JobRun.objects.exists()


@pytest.mark.skipif(bool(settings.CELERY_BROKER_URL),
                    reason="with a broker the task is queued, not run in-process")
def test_without_broker_job_runs_in_process_on_commit(django_capture_on_commit_callbacks):
    actor = UserFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = job_run_start(actor=actor, kind="test-jobs-record-call")
        assert calls == []  # nothing runs before the transaction commits

    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.state == JobRun.State.DONE
    assert calls == [job.pk]


def test_a_message_for_a_job_that_no_longer_exists_is_dropped():
    from cadm.tasks import job_run_task

    assert job_run_execute(424242) is None
    assert job_run_task.run(424242) == "missing"
