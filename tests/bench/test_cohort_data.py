"""The benchmark's synthetic cohort (bench/cohort_data.py): the demo's phenotypes in turn at
both sites, multi-year histories, rows the typed inputs accept, written so that the rules can
evaluate them. Shape only: nothing here times anything."""

import datetime as dt
import statistics
from collections import Counter

import pytest

from bench import cohort_data as cd
from cadm.demo import PHENOTYPES
from cadm.models import LabResult, Patient, RuleSetVersion, Visit
from cadm.selectors.rulesets import ruleset_active
from cadm.services.evaluation import patient_reevaluate

TODAY = dt.date(2026, 6, 1)
ROUNDS = 3  # each phenotype this many times (its three demo variants)
COHORT = [cd.bench_patient(i, today=TODAY) for i in range(ROUNDS * len(PHENOTYPES))]


def _rows(patient: cd.BenchPatient) -> int:
    return sum(len(value) for value in patient.case.values() if isinstance(value, list))


def _years(patient: cd.BenchPatient) -> float:
    onset = dt.date.fromisoformat(patient.case["patient"]["skin_onset_date"])
    return (TODAY - onset).days / 365.25


def test_every_phenotype_in_turn_at_both_sites():
    assert Counter(p.phenotype for p in COHORT) == dict.fromkeys(PHENOTYPES, ROUNDS)
    assert {p.site_code for p in COHORT} == set(cd.SITES)
    assert len({(p.site_code, p.mrn) for p in COHORT}) == len(COHORT)


def test_same_index_same_patient():
    again = cd.bench_patient(7, today=TODAY)
    assert (again.mrn, again.case) == (COHORT[7].mrn, COHORT[7].case)


def test_multi_year_histories_about_94_rows_a_patient():
    assert 80 <= statistics.mean(_rows(p) for p in COHORT) <= 110
    assert statistics.median(_years(p) for p in COHORT) >= 4
    recent = [p for p in COHORT if p.phenotype in cd.RECENT]
    assert recent and all(_years(p) < 2 for p in recent)  # their onset is the demo's


@pytest.mark.django_db
def test_rows_are_those_the_typed_inputs_give():
    """The fast conversion equals the typed inputs' (which refuse what the pages refuse)."""
    ruleset = ruleset_active()
    for patient in COHORT:
        assert cd.rows_differ(patient, today=TODAY, rule_params=ruleset.params,
                              rule_set=ruleset.number) == ""


@pytest.mark.django_db
def test_written_cohort_is_valid_and_evaluates():
    sites, actors, viewer = cd.cohort_setup()
    written = cd.cohort_write(len(PHENOTYPES), today=TODAY, sites=sites, actors=actors)
    assert written.patients == Patient.objects.count() == len(PHENOTYPES)
    assert written.phenotypes == dict.fromkeys(PHENOTYPES, 1)
    assert written.rows["cadm_visit"] == Visit.objects.count()
    assert written.rows["cadm_labresult"] == LabResult.objects.count()
    for model in (Patient, Visit, LabResult):
        for row in model.objects.all()[:50]:
            row.full_clean()  # the model's own checks, constraints included
    for patient in Patient.objects.all():
        patient_reevaluate(patient.pk, as_of=TODAY)
    assert viewer.sites.get().code == "north"
    assert RuleSetVersion.objects.filter(state=RuleSetVersion.State.ACTIVE).exists()


def test_patient_with_visits_grows_only_in_visits():
    five, fifty = (cd.patient_with_visits(n, today=TODAY, index=n) for n in (5, 50))
    assert (len(five.case["visits"]), len(fifty.case["visits"])) == (5, 50)
    kinds = {key for key, value in five.case.items() if isinstance(value, list) and value}
    assert kinds == {key for key, value in fifty.case.items()
                     if isinstance(value, list) and value}
