"""Each patient's LungStatus follows the evaluation (monitoring.lung_status): written on the
per-patient path and in bulk on the cohort's, only when it changes, in a fixed number of
queries per chunk, and when a judgement of radiological progression is recorded or corrected;
the page's SQL decides overdue and the year's window as the pure keys do."""

import importlib
import itertools
from dataclasses import fields
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cadm.inputs.lung import PpfAssessmentInput
from cadm.models import Patient
from cadm.rules.engine import evaluate
from cadm.sections import get_section
from cadm.selectors.cohort_facts import cohort_facts
from cadm.selectors.facts import patient_facts
from cadm.selectors.rulesets import ruleset_active
from cadm.services.corrections import record_mark_entered_in_error
from cadm.services.evaluation import patient_reevaluate
from cadm.services.visits import results_add
from monitoring import cohort as page
from monitoring.cohort_keys import CohortKeys, cohort_keys, pft_overdue_on, progression_within
from monitoring.lung_status import lung_status_sync, lung_statuses_sync
from monitoring.models import LungStatus, PpfAssessment
from screening.cohort_sync import screening_plans_sync
from screening.models import ScreeningPlan
from screening.services import screening_plan_sync
from tests.factories import PatientFactory, PftFactory
from tests.monitoring.lung_data import ago, sweep
from tests.monitoring.test_cohort import mda5_patient

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
KEYS = [f.name for f in fields(CohortKeys)]


def stored(patient) -> dict:
    row = LungStatus.objects.get(patient=patient)
    return {"as_of": row.as_of, **{k: getattr(row, k) for k in KEYS}}


def expected(patient, as_of) -> dict:
    facts = patient_facts(patient)
    params = ruleset_active().params
    judged = PpfAssessment.objects.filter(patient=patient, radiological_progression=True,
                                          status="final").values_list("observed_on", flat=True)
    keys = cohort_keys(facts, evaluate(facts, params, as_of).lung_schedule, params, as_of,
                       judged)
    return {k: getattr(keys, k) for k in KEYS}


def judge(patient, day, radiological=True):
    return PpfAssessment.objects.create(patient=patient, observed_on=day,
                                        worsening_symptoms=False,
                                        radiological_progression=radiological,
                                        recorded_by=patient.created_by)


def varied(site) -> list:
    """Anti-MDA5 patients with each kind of schedule, one with a decline, one with nothing."""
    patients = [
        mda5_patient(site, "Recent", pft_days=(290, 10)),
        mda5_patient(site, "Early", positive_days=150, pft_days=(145, 100)),
        mda5_patient(site, "Nobaseline", pft_days=(20,), hrct=False),
        mda5_patient(site, "Never", positive_days=30, hrct=False),
        PatientFactory(site=site, family_name="Plain"),
    ]
    PftFactory(patient=patients[0], observed_on=ago(TODAY, 5), fvc_pct_predicted=70)
    judge(patients[1], ago(TODAY, 40))
    judge(patients[2], ago(TODAY, 30), radiological=False)
    return patients


def lung_writes(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries
            if "monitoring_lungstatus" in q["sql"] and not q["sql"].startswith("SELECT")]


def test_the_evaluation_stores_the_keys_and_rewrites_them_only_when_they_change(site):
    patient = mda5_patient(site, "Early", positive_days=150, pft_days=(145, 100))
    patient_reevaluate(patient.pk, as_of=TODAY)
    assert stored(patient) == {"as_of": TODAY, **expected(patient, TODAY)}
    assert stored(patient)["mda5_positive"] and stored(patient)["early_until"]
    with CaptureQueriesContext(connection) as queries:
        patient_reevaluate(patient.pk, as_of=TODAY + timedelta(days=1))
    assert lung_writes(queries) == []
    assert stored(patient)["as_of"] == TODAY  # the day the values were last written
    PftFactory(patient=patient, observed_on=TODAY, fvc_pct_predicted=60)
    patient_reevaluate(patient.pk, as_of=TODAY + timedelta(days=1))
    assert stored(patient) == {"as_of": TODAY + timedelta(days=1),
                               **expected(patient, TODAY + timedelta(days=1))}
    assert stored(patient)["last_pft"] == TODAY


def test_the_cohort_path_stores_what_the_per_patient_path_stores(site):
    patients = varied(site)
    for p in patients:
        patient_reevaluate(p.pk, as_of=TODAY)
    one_by_one = [stored(p) for p in patients]
    LungStatus.objects.all().delete()
    sweep(TODAY)
    assert [stored(p) for p in patients] == one_by_one
    assert len({tuple(row.items()) for row in one_by_one}) == len(patients)


def _chunk_queries(pairs, facts) -> tuple[int, list[str]]:
    ruleset = ruleset_active()
    with CaptureQueriesContext(connection) as queries:
        lung_statuses_sync(pairs=pairs, ruleset=ruleset, facts=facts)
    return len(queries), [q["sql"].split()[0] for q in queries.captured_queries]


@pytest.mark.parametrize("size", [3, 30])
def test_a_chunk_costs_a_fixed_number_of_queries_and_writes_only_changes(site, size):
    patients = [mda5_patient(site, f"P{n:02d}", pft_days=(290, 10 + n)) for n in range(size)]
    ruleset = ruleset_active()
    facts = cohort_facts(patients)
    pairs = [(p, evaluate(facts[p.pk], ruleset.params, TODAY, version=ruleset.number))
             for p in patients]
    reads = ["SELECT", "SELECT"]  # the rows, the judgements
    assert _chunk_queries(pairs, facts) == (3, [*reads, "INSERT"])
    assert _chunk_queries(pairs, facts) == (2, reads)  # nothing changed: nothing written
    later = TODAY + timedelta(days=1)
    for p in patients:
        PftFactory(patient=p, observed_on=later, fvc_pct_predicted=60)
    facts = cohort_facts(patients)
    pairs = [(p, evaluate(facts[p.pk], ruleset.params, later, version=ruleset.number))
             for p in patients]
    assert _chunk_queries(pairs, facts) == (3, [*reads, "INSERT"])  # .. ON CONFLICT UPDATE
    assert {stored(p)["last_pft"] for p in patients} == {later}


def test_without_facts_the_hooks_read_them(site):
    """A caller without the evaluation's facts (e.g. another app's) still gets the keys."""
    patient = mda5_patient(site, "Early", positive_days=150, pft_days=(145, 100))
    ruleset = ruleset_active()
    evaluation = evaluate(patient_facts(patient), ruleset.params, TODAY)
    lung_status_sync(patient=patient, evaluation=evaluation, ruleset=ruleset)
    assert stored(patient) == {"as_of": TODAY, **expected(patient, TODAY)}
    LungStatus.objects.all().delete()
    lung_statuses_sync(pairs=[(patient, evaluation)], ruleset=ruleset)
    assert stored(patient) == {"as_of": TODAY, **expected(patient, TODAY)}


def test_the_screening_hooks_accept_the_facts_and_do_without(site):
    patient = PatientFactory(site=site)
    ruleset = ruleset_active()
    facts = patient_facts(patient)
    evaluation = evaluate(facts, ruleset.params, TODAY)
    plan = screening_plan_sync(patient=patient, evaluation=evaluation, ruleset=ruleset,
                               facts=facts)
    assert plan.tier == evaluation.cancer_risk.tier
    screening_plans_sync(pairs=[(patient, evaluation)], ruleset=ruleset,
                         facts={patient.pk: facts})
    assert ScreeningPlan.objects.get(patient=patient).tier == plan.tier


def test_patients_present_before_the_rows_are_counted_until_evaluated(site, rheum_client):
    """Migration 0005 gives every patient an unevaluated row (no rule runs in a migration):
    the page counts them and lists them after their first evaluation."""
    patients = varied(site)
    migration = importlib.import_module("monitoring.migrations.0005_lung_status")
    migration.rows_not_evaluated(apps, None)
    assert LungStatus.objects.filter(as_of__isnull=True).count() == len(patients)
    response = rheum_client.get(reverse("lung-cohort"))
    cohort = response.context["cohort"]
    assert (cohort.not_evaluated, len(cohort.mda5), len(cohort.progression)) == (5, 0, 0)
    assert "5 patients of your sites have not been evaluated" in response.content.decode()
    sweep(TODAY)
    # Even a patient whose keys are the empty row's defaults is marked evaluated.
    assert stored(patients[-1]) == {"as_of": TODAY, **expected(patients[-1], TODAY)}
    cohort = rheum_client.get(reverse("lung-cohort")).context["cohort"]
    assert (cohort.not_evaluated, len(cohort.mda5), len(cohort.progression)) == (0, 4, 2)
    migration.rows_not_evaluated(apps, None)  # present rows are left alone
    assert LungStatus.objects.filter(as_of__isnull=True).count() == 0


DAYS = [TODAY + timedelta(days=n) for n in (-1, 0, 1, 2, 3, 4, 5, 30)]
DATES = [None, *DAYS[1:5]]


def possible(schedule, last, due, early, after) -> bool:
    """Keys cohort_keys can give: a due date exactly with a schedule and a PFT; the one after
    the first year exactly when that year has an end and there is a PFT."""
    if not schedule:
        return due is early is after is None
    return (due is not None) == (last is not None) and (after is not None) == (
        early is not None and last is not None)


def test_the_pages_sql_decides_as_the_keys_do(site):
    """Every combination of stored dates around the page's day: the SQL's overdue and window
    are monitoring.cohort_keys's pft_overdue_on and decline_on_within."""
    rows = {}
    combos = [c for c in itertools.product([True, False], DATES, DATES, DATES, DATES)
              if possible(*c)]
    assert len(combos) > 100
    for n, (schedule, last, due, early, after) in enumerate(combos):
        patient = PatientFactory(site=site, family_name=f"K{n:04d}")
        keys = CohortKeys(mda5_positive=True, pft_schedule=schedule, last_pft=last,
                          next_pft_due=due, early_until=early, next_pft_due_after_early=after,
                          progression_on=after)
        LungStatus.objects.create(patient=patient, as_of=TODAY, **{
            k: getattr(keys, k) for k in KEYS})
        rows[patient.pk] = keys
    scope = Patient.objects.filter(site=site)
    for day in DAYS:
        since = day - timedelta(days=3)
        overdue = dict(page.mda5_list(scope, day).values_list("pk", "pft_overdue"))
        assert overdue == {pk: pft_overdue_on(k, day) for pk, k in rows.items()}, day
        listed = list(page.progression_list(scope, since, day).values_list(
            "pk", "lung_status__progression_on"))
        assert dict(listed) == {pk: progression_within(k, since, day)
                                for pk, k in rows.items() if progression_within(k, since, day)}
        assert [on for _, on in listed] == sorted((on for _, on in listed), reverse=True)


def test_recording_or_correcting_a_judgement_moves_the_patient(site, rheumatologist,
                                                                 django_capture_on_commit_callbacks):
    """PPF assessments are not facts of the rules, but recording one evaluates the patient
    again (as every result does), and so does marking one entered in error."""
    patient = PatientFactory(site=site, family_name="Judged")
    patient_reevaluate(patient.pk, as_of=TODAY)
    assert stored(patient)["progression_on"] is None
    row = PpfAssessmentInput(worsening_symptoms=False, radiological_progression=True)
    with django_capture_on_commit_callbacks(execute=True):
        (assessment,) = results_add(actor=rheumatologist, patient=patient,
                                    observed_on=ago(TODAY, 10),
                                    rows=[(get_section("ppf"), row)])
    assert stored(patient)["radiological_on"] == stored(patient)["progression_on"] == ago(
        TODAY, 10)
    with django_capture_on_commit_callbacks(execute=True):
        record_mark_entered_in_error(actor=rheumatologist, patient=patient,
                                     section=get_section("ppf"), record=assessment,
                                     reason="wrong patient")
    assert stored(patient)["progression_on"] is None
