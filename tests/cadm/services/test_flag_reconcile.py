"""Stored flags follow the engine: opened, updated, reopened, resolved; idempotent."""

import datetime as dt

import pytest

from cadm.models import Flag, FlagAction, RuleSetVersion
from cadm.services.evaluation import patient_reevaluate
from cadm.services.flags import flag_acknowledge, flag_dismiss, flag_snooze
from tests.factories import (
    AntibodyFactory,
    LabResultFactory,
    PatientFactory,
    PftFactory,
    VisitFactory,
)

AS_OF = dt.date(2026, 3, 10)


@pytest.fixture
def mda5_patient(site, rheumatologist):
    """Anti-MDA5 positive, no lung tests: LUNG_BASELINE_MISSING (critical) opens."""
    patient = PatientFactory(site=site, created_by=rheumatologist, birth_date=dt.date(1990, 6, 1),
                             skin_onset_date=dt.date(2025, 7, 1),
                             diagnosis_date=dt.date(2025, 9, 15))
    VisitFactory(patient=patient, visit_on=dt.date(2025, 9, 15),
                 skin=["heliotrope", "gottron_papules"])
    AntibodyFactory(patient=patient, observed_on=dt.date(2025, 9, 20), antibody="mda5")
    return patient


def live(patient) -> dict[str, Flag]:
    return {f.code: f for f in Flag.objects.filter(patient=patient).exclude(state="resolved")}


def test_opens_flags_with_the_version_and_explanation(mda5_patient):
    result = patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
    flag = live(mda5_patient)["LUNG_BASELINE_MISSING"]
    assert "LUNG_BASELINE_MISSING" in result.opened
    assert flag.severity == "critical" and flag.severity_rank == 0
    assert flag.ruleset == RuleSetVersion.objects.get(number=1)
    assert "2025-09-20" in flag.detail and flag.evidence[0]["date"] == "2025-09-20"
    assert flag.citation and flag.evidence_label == "VERIFIED-P"
    assert flag.actions.get().kind == FlagAction.Kind.OPENED


def test_reevaluation_is_idempotent(mda5_patient):
    patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
    before = (Flag.objects.count(), FlagAction.objects.count(), Flag.history.count())
    result = patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
    assert not (result.opened or result.updated or result.reopened or result.resolved)
    assert (Flag.objects.count(), FlagAction.objects.count(), Flag.history.count()) == before


def test_resolves_when_the_condition_clears(mda5_patient):
    patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
    PftFactory(patient=mda5_patient, observed_on=dt.date(2025, 10, 1))
    from tests.factories import HrctFactory
    HrctFactory(patient=mda5_patient, observed_on=dt.date(2025, 10, 2))
    result = patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
    assert "LUNG_BASELINE_MISSING" in result.resolved
    flag = Flag.objects.get(patient=mda5_patient, code="LUNG_BASELINE_MISSING")
    assert flag.state == "resolved" and "2026-03-10" in flag.resolved_reason
    assert flag.actions.last().kind == FlagAction.Kind.RESOLVED


def ferritin(patient, day, value):
    return LabResultFactory(patient=patient, observed_on=day, analyte="ferritin", value=value,
                            unit="ng/mL", upper_limit=None)


def test_a_dismissed_flag_stays_quiet_until_its_evidence_changes(mda5_patient, dermatologist):
    ferritin(mda5_patient, dt.date(2026, 3, 1), 1600)
    patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
    flag = live(mda5_patient)["MDA5_RPILD_MARKERS"]
    flag_dismiss(actor=dermatologist, flag=flag,
                 data={"reason": "need-more-info", "comment": "repeat"})
    patient_reevaluate(mda5_patient.pk, as_of=AS_OF + dt.timedelta(days=1))
    assert live(mda5_patient)["MDA5_RPILD_MARKERS"].state == "dismissed"
    ferritin(mda5_patient, dt.date(2026, 3, 11), 2900)  # a new, worse value
    result = patient_reevaluate(mda5_patient.pk, as_of=AS_OF + dt.timedelta(days=2))
    flag = live(mda5_patient)["MDA5_RPILD_MARKERS"]
    assert "MDA5_RPILD_MARKERS" in result.reopened and flag.state == "open"
    assert "2900" in flag.summary
    assert flag.actions.last().kind == FlagAction.Kind.REOPENED


def test_partial_progress_does_not_reopen_a_dismissed_flag(mda5_patient, dermatologist):
    """Half the lung baseline done: the same first positive result still fires the rule;
    nothing worse happened, so the reviewer's decision stands."""
    patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
    flag_dismiss(actor=dermatologist, flag=live(mda5_patient)["LUNG_BASELINE_MISSING"],
                 data={"reason": "action-completed", "comment": "CT booked"})
    PftFactory(patient=mda5_patient, observed_on=dt.date(2025, 10, 1))
    patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
    flag = live(mda5_patient)["LUNG_BASELINE_MISSING"]
    assert flag.state == "dismissed" and "no baseline HRCT" in flag.summary


def test_acknowledged_flag_reopens_on_new_evidence(mda5_patient, dermatologist):
    ferritin(mda5_patient, dt.date(2026, 3, 1), 1600)
    patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
    flag_acknowledge(actor=dermatologist, flag=live(mda5_patient)["MDA5_RPILD_MARKERS"])
    patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
    assert live(mda5_patient)["MDA5_RPILD_MARKERS"].state == "acknowledged"
    ferritin(mda5_patient, dt.date(2026, 3, 9), 1700)
    patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
    assert live(mda5_patient)["MDA5_RPILD_MARKERS"].state == "open"


def test_snooze_ends_on_its_date(mda5_patient, dermatologist):
    patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
    flag = live(mda5_patient)["LUNG_BASELINE_MISSING"]
    flag_snooze(actor=dermatologist, flag=flag, today=AS_OF,
                data={"until": AS_OF + dt.timedelta(days=7), "comment": "CT booked"})
    patient_reevaluate(mda5_patient.pk, as_of=AS_OF + dt.timedelta(days=7))
    assert live(mda5_patient)["LUNG_BASELINE_MISSING"].state == "snoozed"
    patient_reevaluate(mda5_patient.pk, as_of=AS_OF + dt.timedelta(days=8))
    flag = live(mda5_patient)["LUNG_BASELINE_MISSING"]
    assert flag.state == "open" and flag.actions.last().comment == "Snooze ended"


def test_snooze_must_end_after_today(mda5_patient, dermatologist):
    from cadm.inputs import InputInvalid
    patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
    with pytest.raises(InputInvalid, match="is outside the accepted range"):
        flag_snooze(actor=dermatologist, flag=live(mda5_patient)["LUNG_BASELINE_MISSING"],
                    today=AS_OF, data={"until": AS_OF, "comment": "x"})


def test_dismiss_needs_a_cds_hooks_reason(mda5_patient, dermatologist):
    from cadm.inputs import InputInvalid
    patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
    with pytest.raises(InputInvalid, match="is not one of"):
        flag_dismiss(actor=dermatologist, flag=live(mda5_patient)["LUNG_BASELINE_MISSING"],
                     data={"reason": "because", "comment": "x"})


def test_evaluation_runs_after_a_write_commits(rheumatologist, mda5_patient,
                                               django_capture_on_commit_callbacks):
    from cadm.services.visits import visit_record
    with django_capture_on_commit_callbacks(execute=True):
        visit_record(actor=rheumatologist, patient=mda5_patient,
                     visit_data={"visit_on": dt.date.today(), "skin": ["heliotrope"]}, rows=[])
    assert "LUNG_BASELINE_MISSING" in live(mda5_patient)


def test_evaluation_queries_do_not_grow_with_history(mda5_patient,
                                                     django_assert_max_num_queries):
    with django_assert_max_num_queries(60) as first:
        patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
    for month in range(1, 9):
        VisitFactory(patient=mda5_patient, visit_on=dt.date(2025, month, 28), skin=["heliotrope"])
        AntibodyFactory(patient=mda5_patient, observed_on=dt.date(2025, month, 28),
                        antibody="mda5")
    with django_assert_max_num_queries(len(first)):
        patient_reevaluate(mda5_patient.pk, as_of=AS_OF)
