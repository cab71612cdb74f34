"""firings_record: one row per (version, rule, patient), its span widened by every stored
evaluation, in a fixed number of queries; written by every evaluation that reconciles flags."""

import datetime as dt
from dataclasses import replace

import pytest
from django.utils import timezone

from cadm.models import LabResult, RuleFiring, RuleSetVersion
from cadm.services.evaluation import patient_evaluation, patient_reevaluate
from cadm.services.firings import firings_record
from tests.cadm.rulesets.builders import mda5_patient

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 3, 9)
T0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=10)


@pytest.fixture
def v1():
    return RuleSetVersion.objects.get(number=1)


@pytest.fixture
def firing(site, rheumatologist):
    """A patient and what v1 says of them (MDA5 markers and missing lung tests fire)."""
    patient = mda5_patient(site, rheumatologist, ferritin=1600)
    evaluation = patient_evaluation(patient, as_of=dt.date.today())
    assert {"MDA5_RPILD_MARKERS", "LUNG_BASELINE_MISSING"} <= {f.code for f in evaluation.flags}
    return patient, evaluation


def spans(patient):
    return {r.code: (r.first_at, r.last_at, r.first_as_of, r.last_as_of)
            for r in RuleFiring.objects.filter(patient=patient)}


def test_a_first_firing_opens_a_span_of_one_evaluation(firing, v1):
    patient, evaluation = firing
    firings_record(patient=patient, evaluation=replace(evaluation, as_of=MONDAY), ruleset=v1,
                   now=T0)
    codes = {f.code for f in evaluation.flags}
    assert spans(patient) == dict.fromkeys(codes, (T0, T0, MONDAY, MONDAY))


def test_a_later_evaluation_widens_the_span_and_keeps_its_start(firing, v1):
    patient, evaluation = firing
    firings_record(patient=patient, evaluation=replace(evaluation, as_of=MONDAY), ruleset=v1,
                   now=T0)
    later, friday = T0 + dt.timedelta(days=4), MONDAY + dt.timedelta(days=4)
    firings_record(patient=patient, evaluation=replace(evaluation, as_of=friday), ruleset=v1,
                   now=later)
    assert set(spans(patient).values()) == {(T0, later, MONDAY, friday)}
    assert RuleFiring.objects.count() == len(evaluation.flags)


def test_an_evaluation_dated_earlier_never_moves_the_end_back(firing, v1):
    """A job retried late stores an evaluation dated before the sweep's of today."""
    patient, evaluation = firing
    later = T0 + dt.timedelta(hours=1)
    firings_record(patient=patient, evaluation=replace(evaluation, as_of=MONDAY), ruleset=v1,
                   now=later)
    sunday = MONDAY - dt.timedelta(days=1)
    firings_record(patient=patient, evaluation=replace(evaluation, as_of=sunday), ruleset=v1,
                   now=T0)
    assert set(spans(patient).values()) == {(later, later, sunday, MONDAY)}


def test_each_version_keeps_its_own_rows(firing, v1, rules_admin):
    patient, evaluation = firing
    v2 = RuleSetVersion.objects.create(number=2, state="draft", params=v1.params,
                                       author=rules_admin)
    firings_record(patient=patient, evaluation=evaluation, ruleset=v1, now=T0)
    firings_record(patient=patient, evaluation=evaluation, ruleset=v2, now=T0)
    assert RuleFiring.objects.filter(ruleset=v1).count() == len(evaluation.flags)
    assert RuleFiring.objects.filter(ruleset=v2).count() == len(evaluation.flags)


def test_a_fixed_number_of_queries_whatever_the_number_of_rules(firing, v1,
                                                                 django_assert_num_queries):
    """A read, then an insert of the new rows; an update only for the spans that widen."""
    patient, evaluation = firing
    one = replace(evaluation, flags=evaluation.flags[:1])
    with django_assert_num_queries(2):
        firings_record(patient=patient, evaluation=one, ruleset=v1, now=T0)
    with django_assert_num_queries(2):
        firings_record(patient=patient, evaluation=evaluation, ruleset=v1, now=T0)
    next_day = replace(evaluation, as_of=evaluation.as_of + dt.timedelta(days=1))
    with django_assert_num_queries(2):
        firings_record(patient=patient, evaluation=next_day, ruleset=v1,
                       now=T0 + dt.timedelta(days=1))
    with django_assert_num_queries(0):
        firings_record(patient=patient, evaluation=replace(evaluation, flags=()), ruleset=v1,
                       now=T0)


def test_a_rerun_the_same_day_writes_nothing(firing, v1, django_assert_num_queries):
    """The metrics count whole days, so an end already on this day stays as it is."""
    patient, evaluation = firing
    firings_record(patient=patient, evaluation=evaluation, ruleset=v1, now=T0)
    before = spans(patient)
    with django_assert_num_queries(1):
        firings_record(patient=patient, evaluation=evaluation, ruleset=v1,
                       now=T0 + dt.timedelta(seconds=30))
    assert spans(patient) == before


def test_the_end_moves_when_the_day_changes(firing, v1):
    patient, evaluation = firing
    firings_record(patient=patient, evaluation=evaluation, ruleset=v1, now=T0)
    tomorrow = T0 + dt.timedelta(days=1)
    firings_record(patient=patient, evaluation=evaluation, ruleset=v1, now=tomorrow)
    assert {span[:2] for span in spans(patient).values()} == {(T0, tomorrow)}


def test_every_stored_evaluation_records_what_fired(firing, v1):
    patient, evaluation = firing
    patient_reevaluate(patient.pk)
    assert set(RuleFiring.objects.filter(patient=patient, ruleset=v1)
               .values_list("code", flat=True)) == {f.code for f in evaluation.flags}


def test_a_rule_that_stops_firing_keeps_its_row(firing, v1):
    patient, _ = firing
    patient_reevaluate(patient.pk)
    # As if that evaluation had run yesterday: an end moves when its day changes.
    RuleFiring.objects.filter(patient=patient).update(first_at=T0, last_at=T0)
    before = spans(patient)
    LabResult.objects.filter(patient=patient).delete()  # MDA5_RPILD_MARKERS stops firing
    patient_reevaluate(patient.pk)
    after = spans(patient)
    assert after["MDA5_RPILD_MARKERS"] == before["MDA5_RPILD_MARKERS"]
    assert after["LUNG_BASELINE_MISSING"][1] > before["LUNG_BASELINE_MISSING"][1]

