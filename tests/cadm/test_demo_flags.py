"""Imported demo patients show the flags evaluate_case gives for the same case files."""

import datetime as dt

import pytest
from django.core.management import call_command

from cadm.demo import demo_cohort
from cadm.models import Flag, Patient
from cadm.rules.casefile import facts_from_case
from cadm.rules.engine import evaluate
from cadm.rules.params import DEFAULTS


@pytest.mark.django_db(transaction=True)
def test_stored_flags_match_the_engine_on_the_case_files():
    # The loader evaluates as of the real today after commit, so the cohort is built for today.
    today = dt.date.today()
    call_command("load_demo", today=today.isoformat(), stdout=None)
    by_mrn = {p.mrn: p for p in Patient.objects.all()}
    live = {}
    for flag in Flag.objects.exclude(state="resolved"):
        live.setdefault(flag.patient_id, set()).add((flag.code, flag.severity))
    compared = 0
    for demo in demo_cohort(today=today):
        facts, as_of = facts_from_case(demo.case)
        expected = {(f.code, f.severity) for f in evaluate(facts, DEFAULTS, as_of).flags}
        assert live.get(by_mrn[demo.mrn].pk, set()) == expected, demo.phenotype
        compared += 1
    assert compared >= 40
    codes = {code for flags in live.values() for code, _ in flags}
    # The cohort exercises the rules it was built for.
    assert {"LUNG_BASELINE_MISSING", "MDA5_RPILD_MARKERS", "ILD_PROGRESSION", "RECLASSIFY",
            "ENHANCED_CANCER_SCREENING", "HCQ_DOSE_ABOVE_LIMIT", "HCQ_EYE_SCREENING_DUE",
            "EXERTIONAL_DESATURATION", "IMACS_NOT_APPLICABLE"} <= codes
