"""The PPF 2022 summary: at least 2 of 3 criteria in the past year; symptoms and imaging from
the clinician's judgements, physiology from the decline table."""

from datetime import date, timedelta

import pytest

from cadm.rules import facts as f
from cadm.rules.params import DEFAULTS
from monitoring.schedule import Judgement, decline_table, ppf_summary

P = dict(DEFAULTS)
AS_OF = date(2025, 6, 1)


def ago(days: int) -> date:
    return AS_OF - timedelta(days=days)


FALL = decline_table([f.PftFact(ago(200), 82.0, 72.0), f.PftFact(ago(20), 76.0, 70.0)], P)
STABLE = decline_table([f.PftFact(ago(200), 82.0, 72.0), f.PftFact(ago(20), 81.0, 70.0)], P)


def states(summary) -> dict:
    return {c.key: c.state for c in summary.criteria}


def test_physiology_and_imaging_meet_ppf():
    s = ppf_summary(FALL, [Judgement(ago(10), False, True)], P, AS_OF)
    assert states(s) == {"symptoms": "not_met", "physiological": "met", "imaging": "met"}
    assert s.verdict == "met" and s.met == 2
    assert s.text.startswith("PPF criteria met: 2 of 3 in the past year.")
    physiology = s.criteria[1]
    assert physiology.basis == (f"PFT of {ago(20)} against {ago(200)}: PPF 2022: FVC fall "
                                f"≥ 5 points")


def test_without_judgements_the_summary_is_incomplete():
    s = ppf_summary(FALL, [], P, AS_OF)
    assert states(s) == {"symptoms": "not_assessed", "physiological": "met",
                         "imaging": "not_assessed"}
    assert s.verdict == "incomplete"


def test_stable_lungs_and_no_worsening_do_not_meet_ppf():
    s = ppf_summary(STABLE, [Judgement(ago(10), False, True)], P, AS_OF)
    assert states(s)["physiological"] == "not_met"
    assert s.verdict == "not_met" and s.met == 1


def test_any_worsening_in_the_year_counts_even_if_a_later_assessment_says_no():
    s = ppf_summary(STABLE, [Judgement(ago(100), True, True), Judgement(ago(5), False, False)],
                    P, AS_OF)
    assert s.verdict == "met"
    assert s.criteria[0].basis == f"clinician's assessment of {ago(100)}"


@pytest.mark.parametrize(("days", "counted"), [(365, True), (366, False)])
def test_a_judgement_counts_up_to_365_days_back(days, counted):
    s = ppf_summary(STABLE, [Judgement(ago(days), True, False)], P, AS_OF)
    assert states(s)["symptoms"] == ("met" if counted else "not_assessed")
    assert s.since == ago(365)


def test_a_decline_whose_later_pft_is_older_than_a_year_is_not_recent():
    old = decline_table([f.PftFact(ago(560), 82.0, 72.0), f.PftFact(ago(380), 70.0, 60.0)], P)
    s = ppf_summary(old, [], P, AS_OF)
    assert states(s)["physiological"] == "not_assessed"
