"""Rules that read the screening plan's outcome (product facts, not in case files):
CANCER_SCREENING_FINDING, and silence of screening reminders once the plan is closed."""

import pytest

from tests.cadm.rules.builders import d, fires, flag, make, screen, visit

AS_OF = "2025-09-01"


def patient(*records, **fields):
    return make(visit("2025-02-01", skin=("heliotrope", "gottron_papules")), *records,
                birth="1960-01-01", onset="2024-12-01", diagnosis="2025-02-01", **fields)


@pytest.mark.parametrize(("result", "expected"), [
    ("finding", True), ("cancer_found", True), ("no_cancer", False), ("pending", False)])
def test_finding_fires_for_findings_and_cancer_only(result, expected):
    assert fires(patient(screen("2025-03-01", result=result)), AS_OF,
                 "CANCER_SCREENING_FINDING") is expected


def test_finding_is_critical_and_names_the_panel():
    f = flag(patient(screen("2025-03-01", "enhanced", "cancer_found")), AS_OF,
             "CANCER_SCREENING_FINDING")
    assert f.severity == "critical" and "cancer found" in f.summary
    assert f.evidence[0].label == "enhanced panel"


@pytest.mark.parametrize(("outcome", "expected"), [
    ("2025-02-28", True),    # an outcome before the finding: the finding is new
    ("2025-03-01", False),   # recorded the day of the finding: it covers it
    ("2025-03-02", False),   # after the finding: cleared
])
def test_an_outcome_on_or_after_the_finding_clears_it(outcome, expected):
    facts = patient(screen("2025-03-01", result="finding"), screening_outcome_date=d(outcome))
    assert fires(facts, AS_OF, "CANCER_SCREENING_FINDING") is expected


@pytest.mark.parametrize("code", ["CANCER_SCREENING_OVERDUE", "ENHANCED_CANCER_SCREENING"])
def test_a_closed_plan_silences_screening_reminders(code):
    assert fires(patient(), AS_OF, code)
    assert not fires(patient(screening_plan_closed=True), AS_OF, code)
