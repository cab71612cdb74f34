"""The daily sweep: every patient re-evaluated as of today, idempotently, with a job row."""

import datetime as dt

from django.urls import reverse

from cadm.jobs import job_run_execute
from cadm.models import Flag, JobRun
from cadm.tasks import daily_sweep_task
from tests.factories import AntibodyFactory, PatientFactory, VisitFactory


def mda5_patient(site, creator, **fields):
    patient = PatientFactory(site=site, created_by=creator, **fields)
    VisitFactory(patient=patient, visit_on=dt.date(2025, 1, 20), skin=["heliotrope"])
    AntibodyFactory(patient=patient, observed_on=dt.date(2025, 1, 25))
    return patient


def run_sweep(django_capture_on_commit_callbacks) -> JobRun:
    """The beat task creates the job and queues it on commit; here the queued task is run as
    a function, as a worker would (tests/test_worker.py runs a real one)."""
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job_id = daily_sweep_task()
    assert len(queued) == 1
    return job_run_execute(job_id)


def test_sweep_opens_time_driven_flags_and_records_progress(site, rheumatologist,
                                                            django_capture_on_commit_callbacks):
    patients = [mda5_patient(site, rheumatologist) for _ in range(3)]
    job = run_sweep(django_capture_on_commit_callbacks)
    assert job.state == "done" and job.kind == "cohort-reevaluate"
    assert (job.progress, job.total) == (3, 3)
    assert job.params["as_of"] == dt.date.today().isoformat()
    assert job.result["patients"] == 3 and job.result["errors"] == []
    assert job.result["opened"] == Flag.objects.count() > 0
    for p in patients:
        assert Flag.objects.filter(patient=p, code="LUNG_BASELINE_MISSING").exists()


def test_sweep_is_idempotent(site, rheumatologist, django_capture_on_commit_callbacks):
    mda5_patient(site, rheumatologist)
    run_sweep(django_capture_on_commit_callbacks)
    before = list(Flag.objects.values_list("code", "state", "updated_at"))
    second = run_sweep(django_capture_on_commit_callbacks)
    assert second.result["opened"] == second.result["updated"] == 0
    assert second.result["resolved"] == second.result["reopened"] == 0
    assert list(Flag.objects.values_list("code", "state", "updated_at")) == before


def test_one_patients_failure_is_recorded_and_the_sweep_goes_on(
        site, rheumatologist, monkeypatch, django_capture_on_commit_callbacks):
    good, bad = mda5_patient(site, rheumatologist), mda5_patient(site, rheumatologist)
    from cadm.services import cohort_evaluation
    real = cohort_evaluation.flags_reconcile

    def flaky(*, patient, **kwargs):
        if patient.pk == bad.pk:
            raise ValueError("synthetic failure")
        return real(patient=patient, **kwargs)

    monkeypatch.setattr(cohort_evaluation, "flags_reconcile", flaky)
    job = run_sweep(django_capture_on_commit_callbacks)
    assert job.state == "done"
    assert job.result["errors"] == [f"patient id {bad.pk}: ValueError"]
    assert Flag.objects.filter(patient=good).exists()
    assert not Flag.objects.filter(patient=bad).exists()


def test_a_finished_job_is_not_run_again(site, rheumatologist,
                                         django_capture_on_commit_callbacks):
    mda5_patient(site, rheumatologist)
    job = run_sweep(django_capture_on_commit_callbacks)
    finished = job.finished_at
    assert job_run_execute(job.pk).finished_at == finished


def test_jobs_page_for_rules_admins_only(client, rules_admin, dermatologist, site,
                                         rheumatologist, django_capture_on_commit_callbacks):
    # A name no page text contains: a random surname ("Day", "Long") could be in the page.
    patient = mda5_patient(site, rheumatologist, family_name="Qzxwvyk", mrn="MRN-QZX-17")
    run_sweep(django_capture_on_commit_callbacks)
    client.force_login(rules_admin)
    body = client.get(reverse("job-list")).content.decode()
    assert "Daily sweep" in body and "1 patients" in body
    assert patient.family_name not in body and patient.mrn not in body
    client.force_login(dermatologist)
    assert client.get(reverse("job-list")).status_code == 403
