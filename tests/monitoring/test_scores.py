"""FLAIR and MCK item by item (monitoring.scores), in agreement with the engine's flags."""

from datetime import date

import pytest

from cadm.rules import facts as f
from cadm.rules.engine import evaluate
from cadm.rules.params import DEFAULTS
from monitoring import scores

P = dict(DEFAULTS)
AS_OF = date(2025, 3, 1)
PATIENT = f.PatientInfo("female", date(1980, 1, 1), date(2024, 6, 1), date(2024, 7, 1))


def facts(grade=2, result="positive", labs=(), hrct=()):
    return f.PatientFacts(
        patient=PATIENT, visits=(f.VisitFact(date(2024, 7, 1), skin=frozenset({"heliotrope"})),),
        antibodies=(f.AntibodyFact(date(2024, 7, 5), "mda5", result, "elisa", grade),),
        labs=tuple(f.LabFact(date(2025, 2, 1), t, v) for t, v in labs), hrct=hrct)


def test_flair_items_points_and_what_it_lacks():
    s = scores.flair(facts(labs=(("ferritin", 636.0), ("ldh", 354.0))), P)
    points = {i.name: i.points for i in s.items}
    assert points == {"Ferritin": 2, "LDH": 0, "Anti-MDA5": 3, "HRCT score (imaging)": None,
                      "RP-ILD": None}
    assert s.known == 5 and s.lacking == ("HRCT score (imaging)", "RP-ILD")
    assert s.result == "at least 5, at most 10 of 13: medium to high"
    assert "207" in s.cohort and "Lian 2020" in s.cohort
    assert "Chest 2020" in s.citation


def test_flair_hrct_score_threshold_is_a_parameter():
    hrct = (f.HrctFact(date(2025, 1, 1), True, extent_score=140),)
    s = scores.flair(facts(labs=(("ferritin", 100.0), ("ldh", 100.0)), hrct=hrct), P)
    assert {i.name: i.points for i in s.items}["HRCT score (imaging)"] == 3
    s = scores.flair(facts(labs=(("ferritin", 100.0), ("ldh", 100.0)), hrct=hrct),
                     {**P, "flair.hrct_score": 141})
    assert {i.name: i.points for i in s.items}["HRCT score (imaging)"] == 0


@pytest.mark.parametrize(("grade", "labs"), [
    (None, ()), (1, (("ferritin", 700.0),)), (3, (("ferritin", 2000.0), ("ldh", 400.0))),
])
def test_flair_agrees_with_the_engines_flag(grade, labs):
    fx = facts(grade=grade, labs=labs)
    s = scores.flair(fx, P)
    flag = evaluate(fx, P, AS_OF).flag("FLAIR_SCORE")
    assert flag.summary.startswith(f"FLAIR score at least {s.known} of 13")


def test_mck_counts_factors_and_lists_what_is_lacking():
    s = scores.mck(facts(labs=(("crp", 8.0),)), P)
    assert [(i.name, i.points) for i in s.items] == [("Anti-MDA5", 1), ("CRP", 1),
                                                      ("KL-6", None)]
    assert s.result == "2 of 3 risk factors (inputs incomplete)"
    assert "JAMI" in s.cohort and "UNVERIFIED" in s.cohort
    assert evaluate(facts(labs=(("crp", 8.0),)), P, AS_OF).flag("MCK_COUNT").summary == (
        "MCK: 2 of 3 risk factors (inputs incomplete)")


def test_mck_uses_the_anti_mda5_negative_crp_threshold_for_ild_patients():
    hrct = (f.HrctFact(date(2025, 1, 1), True),)
    s = scores.mck(facts(result="negative", labs=(("crp", 10.0), ("kl6", 1000.0)), hrct=hrct), P)
    assert [(i.name, i.points) for i in s.items] == [("Anti-MDA5", 0), ("CRP", 0), ("KL-6", 1)]
    assert s.result == "1 of 3 risk factors"


def test_no_scores_without_anti_mda5():
    fx = facts(result="negative")
    assert scores.flair(fx, P) is None and scores.mck(fx, P) is None
