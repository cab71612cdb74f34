"""Impact preview: per rule, flags that would open, close or change severity, with sample
cases (values, no identity); cancellable; never changes live data. Text/evidence changes and
reopened quiet flags: test_ruleset_impact.py."""

import datetime as dt
from dataclasses import replace

import pytest
from django.apps import apps

from cadm import jobs
from cadm.exceptions import DomainError
from cadm.jobs import job_run_execute
from cadm.models import AuditEvent, Flag, JobRun
from cadm.selectors.rulesets import PREVIEW_KIND
from cadm.services import preview
from cadm.services.evaluation import patient_reevaluate
from tests.cadm.rulesets.builders import (
    FERRITIN_KEY,
    TODAY,
    draft_with,
    mda5_patient,
    run_queued,
)
from tests.factories import LabResultFactory

pytestmark = pytest.mark.django_db
CHANGES = {FERRITIN_KEY: 1000.0, "mda5.kl6_u_ml": 1800.0,
           "severity.LUNG_BASELINE_MISSING": "warning"}


@pytest.fixture
def cohort(site, rheumatologist):
    """Live flags under v1: `low` has ferritin 1200 (no marker flag), `kl6` a KL-6 of 1700
    (marker flag), `none` no marker at all. All three miss a lung baseline (critical)."""
    low = mda5_patient(site, rheumatologist, ferritin=1200)
    kl6 = mda5_patient(site, rheumatologist, ferritin=None)
    LabResultFactory(patient=kl6, observed_on=TODAY - dt.timedelta(days=20),
                     analyte="kl6", value=1700, unit="U/mL", unit_normalised="U/mL",
                     upper_limit=None)
    none = mda5_patient(site, rheumatologist, ferritin=None)
    for patient in (low, kl6, none):
        patient_reevaluate(patient.pk)
    return {"low": low, "kl6": kl6, "none": none}


def live_snapshot():
    """Every row count except jobs and audit rows, and every flag's content."""
    counts = {m._meta.label: m.objects.count() for m in apps.get_models()
              if m not in (JobRun, AuditEvent) and m._meta.managed}
    return counts, list(Flag.objects.order_by("pk").values())


def preview_of(capture, admin, draft) -> JobRun:
    return run_queued(capture, lambda: preview.ruleset_preview_start(actor=admin, version=draft))


def test_preview_counts_open_close_and_severity_changes_per_rule(
        cohort, rules_admin, django_capture_on_commit_callbacks):
    assert Flag.objects.filter(code="MDA5_RPILD_MARKERS").count() == 1  # kl6 only, under v1
    draft = draft_with(rules_admin, **CHANGES)
    job = preview_of(django_capture_on_commit_callbacks, rules_admin, draft)
    assert job.state == "done" and (job.progress, job.total) == (3, 3)
    rules = job.result["rules"]
    markers = rules["MDA5_RPILD_MARKERS"]
    assert (markers["open"], markers["close"], markers["severity"]) == (1, 1, 0)
    day = (TODAY - dt.timedelta(days=20)).isoformat()
    # Open: the evidence that would fire it; close: the evidence of the live flag.
    [opened], [closed] = markers["samples"]["open"], markers["samples"]["close"]
    assert (opened["before"], opened["after"]) == (None, [["Ferritin", "1200 ng/mL", day]])
    assert opened["severity"][0] is None and opened["state"] is None
    assert (closed["before"], closed["after"]) == ([["KL-6", "1700 U/mL", day]], None)
    assert closed["severity"][1] is None and closed["state"] == "open"
    baseline = rules["LUNG_BASELINE_MISSING"]
    assert (baseline["open"], baseline["close"], baseline["severity"]) == (0, 0, 3)
    assert baseline["transitions"] == {"critical→warning": 3}
    assert [s["severity"] for s in baseline["samples"]["severity"]] == [
        ["critical", "warning"]] * 3
    assert job.result["patients_evaluated"] == 3 and job.state == "done"
    assert job.result["errors"] == []


def test_preview_does_not_change_live_data(cohort, rules_admin,
                                           django_capture_on_commit_callbacks):
    draft = draft_with(rules_admin, **CHANGES)
    before = live_snapshot()
    job = preview_of(django_capture_on_commit_callbacks, rules_admin, draft)
    assert job.result["rules"]["MDA5_RPILD_MARKERS"]["open"] == 1
    assert live_snapshot() == before
    assert not AuditEvent.objects.filter(patient__isnull=False,
                                         at__gte=job.created_at).exists()


def test_samples_are_capped_at_five_patients(site, rheumatologist, rules_admin,
                                             django_capture_on_commit_callbacks):
    patients = [mda5_patient(site, rheumatologist, ferritin=1200) for _ in range(7)]
    draft = draft_with(rules_admin, **{FERRITIN_KEY: 1000.0})
    job = preview_of(django_capture_on_commit_callbacks, rules_admin, draft)
    markers = job.result["rules"]["MDA5_RPILD_MARKERS"]
    assert markers["open"] == 7
    assert len(markers["samples"]["open"]) == 5
    text = str(markers["samples"])
    assert not any(str(p.public_id) in text or p.mrn in text for p in patients)


def test_a_cancelled_preview_stops_and_says_so(cohort, rules_admin, second_admin,
                                               django_capture_on_commit_callbacks):
    draft = draft_with(rules_admin, **CHANGES)
    with django_capture_on_commit_callbacks(execute=False):
        job = preview.ruleset_preview_start(actor=rules_admin, version=draft)
    cancelled = preview.ruleset_preview_cancel(actor=second_admin, job=job)
    assert cancelled.state == "cancelled"  # queued: no worker has it, nothing to wait for
    job = job_run_execute(job.pk)
    assert job.state == "cancelled" and job.result["stopped"] == "cancelled by ruleadmin2"
    assert job.result["patients_evaluated"] == 0 and job.progress == 0
    assert AuditEvent.objects.filter(action="ruleset.preview_cancel",
                                     actor=second_admin).count() == 1
    with pytest.raises(DomainError, match="already finished"):
        preview.ruleset_preview_cancel(actor=second_admin, job=job)


def test_cancel_is_checked_between_chunks(site, rheumatologist, rules_admin, monkeypatch,
                                          settings, django_capture_on_commit_callbacks):
    for _ in range(3):
        mda5_patient(site, rheumatologist)
    draft = draft_with(rules_admin)
    settings.COHORT_CHUNK_SIZE = 1
    kind = jobs._kinds[PREVIEW_KIND]
    calls = []

    def chunk_then_cancel(job, ids, result):
        calls.append(ids)
        kind.chunk(job, ids, result)
        if len(calls) == 1:
            preview.ruleset_preview_cancel(actor=rules_admin, job=JobRun.objects.get())

    monkeypatch.setitem(jobs._kinds, PREVIEW_KIND, replace(kind, chunk=chunk_then_cancel))
    job = preview_of(django_capture_on_commit_callbacks, rules_admin, draft)
    assert len(calls) == 1
    assert job.state == "cancelled" and job.result["patients_evaluated"] == 1
    assert job.result["patients_total"] == 3 and job.progress == 1


def test_the_active_version_is_not_previewed(rules_admin, v1):
    with pytest.raises(DomainError, match="only a draft, awaiting or approved"):
        preview.ruleset_preview_start(actor=rules_admin, version=v1)
    assert not JobRun.objects.exists()
