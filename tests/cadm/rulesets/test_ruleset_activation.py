"""Activation: the previous version retires, every patient is re-evaluated once in the
background, flags record the new version, and a re-run changes nothing."""

import pytest

from cadm.jobs import job_run_execute
from cadm.models import Flag, FlagAction, Patient, RuleSetVersion
from cadm.services import rulesets
from cadm.services.evaluation import patient_reevaluate
from tests.cadm.rulesets.builders import FERRITIN_KEY, approved, mda5_patient, run_queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(site, rheumatologist):
    patients = [mda5_patient(site, rheumatologist, ferritin=1200) for _ in range(3)]
    patients.append(mda5_patient(site, rheumatologist, ferritin=None))
    for patient in patients:
        patient_reevaluate(patient.pk)
    return patients


def activate(capture, actor, version):
    return run_queued(capture, lambda: rulesets.ruleset_activate(actor=actor, version=version,
                                                                 data={"confirm": True}))


def flag_rows():
    return (list(Flag.objects.order_by("pk").values()),
            list(FlagAction.objects.order_by("pk").values()))


def test_activation_reevaluates_every_patient_exactly_once(
        cohort, rules_admin, second_admin, monkeypatch, django_capture_on_commit_callbacks):
    version = approved(rules_admin, second_admin, **{FERRITIN_KEY: 1000.0})
    calls = []
    real = rulesets.cohort_reevaluate

    def recording(ids, **kwargs):
        calls.extend((patient_id, kwargs["ruleset"].number) for patient_id in ids)
        return real(ids, **kwargs)

    monkeypatch.setattr(rulesets, "cohort_reevaluate", recording)
    job = activate(django_capture_on_commit_callbacks, second_admin, version)
    ids = sorted(Patient.objects.values_list("pk", flat=True))
    assert sorted(calls) == [(pid, version.number) for pid in ids]
    assert job.state == "done" and (job.progress, job.total) == (4, 4)
    assert job.result["patients"] == 4 and job.result["errors"] == []
    assert job.result["opened"] == 3  # MDA5_RPILD_MARKERS, at 1200 ≥ 1000 ng/mL


def test_flags_record_the_new_version(cohort, rules_admin, second_admin,
                                      django_capture_on_commit_callbacks):
    version = approved(rules_admin, second_admin, **{FERRITIN_KEY: 1000.0})
    activate(django_capture_on_commit_callbacks, second_admin, version)
    live = Flag.objects.exclude(state=Flag.State.RESOLVED)
    assert live.exists()
    assert set(live.values_list("ruleset__number", flat=True)) == {version.number}
    markers = Flag.objects.filter(code="MDA5_RPILD_MARKERS")
    assert markers.count() == 3
    assert set(FlagAction.objects.filter(flag__in=markers, kind="opened")
               .values_list("ruleset__number", flat=True)) == {version.number}


def test_activation_is_idempotent_on_rerun(cohort, rules_admin, second_admin,
                                           django_capture_on_commit_callbacks):
    version = approved(rules_admin, second_admin, **{FERRITIN_KEY: 1000.0})
    first = activate(django_capture_on_commit_callbacks, second_admin, version)
    before = flag_rows()
    assert job_run_execute(first.pk).finished_at == first.finished_at  # not run twice
    version.refresh_from_db()
    second = run_queued(django_capture_on_commit_callbacks, lambda: (
        rulesets.ruleset_reevaluation_rerun(actor=rules_admin, version=version)))
    assert second.pk != first.pk and second.result["patients"] == 4
    assert [second.result[k] for k in ("opened", "updated", "reopened", "resolved")] == [0] * 4
    assert flag_rows() == before


def test_a_superseded_activation_job_stops(cohort, rules_admin, second_admin,
                                           django_capture_on_commit_callbacks):
    v2 = approved(rules_admin, second_admin, **{FERRITIN_KEY: 1000.0})
    v3 = approved(second_admin, rules_admin, **{FERRITIN_KEY: 1100.0})
    with django_capture_on_commit_callbacks(execute=False):
        stale = rulesets.ruleset_activate(actor=rules_admin, version=v2, data={"confirm": True})
    activate(django_capture_on_commit_callbacks, rules_admin, v3)
    before = flag_rows()
    stale = job_run_execute(stale.pk)
    assert stale.state == "cancelled" and stale.result["patients"] == 0
    assert stale.result["stopped"] == ("v2 is no longer active (v3 is): its job re-evaluates "
                                       "the cohort")
    assert flag_rows() == before
    assert RuleSetVersion.objects.get(state="active") == v3


def test_one_patients_failure_is_recorded_and_the_others_go_on(
        cohort, rules_admin, second_admin, monkeypatch, django_capture_on_commit_callbacks):
    version = approved(rules_admin, second_admin, **{FERRITIN_KEY: 1000.0})
    bad = cohort[0].pk
    from cadm.services import cohort_evaluation
    real = cohort_evaluation.flags_reconcile

    def flaky(*, patient, **kwargs):
        if patient.pk == bad:
            raise ValueError("synthetic failure")
        return real(patient=patient, **kwargs)

    monkeypatch.setattr(cohort_evaluation, "flags_reconcile", flaky)
    job = activate(django_capture_on_commit_callbacks, second_admin, version)
    assert job.state == "done" and job.result["errors"] == [f"patient id {bad}: ValueError"]
    assert job.result["opened"] == 2


def test_a_failing_comparison_does_not_undo_the_patients_update(
        cohort, rules_admin, second_admin, monkeypatch, django_capture_on_commit_callbacks):
    """The replaced version's evaluation only feeds the alarms: when it raises, the patient is
    still re-evaluated with the new version, and left out of the comparison."""
    from cadm.services import evaluation

    version = approved(rules_admin, second_admin, **{FERRITIN_KEY: 1000.0})
    real = evaluation.evaluate

    def old_version_breaks(facts, params, as_of, *, version, **kwargs):
        if version == 1:
            raise KeyError("a parameter the old version lacks")
        return real(facts, params, as_of, version=version, **kwargs)

    monkeypatch.setattr(evaluation, "evaluate", old_version_breaks)
    job = activate(django_capture_on_commit_callbacks, second_admin, version)
    assert job.state == "done" and job.result["errors"] == []
    assert job.result["opened"] == 3
    assert job.result["comparison"]["failed"] == 4
    assert job.result["comparison"]["patients"] == 0 and job.result["comparison"]["codes"] == {}
