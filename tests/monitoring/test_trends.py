"""Trend series (monitoring.trends): values per measure, threshold lines from the parameters,
the points that fired a flag (the dates in the evidence of live flags), and for CK the ULN
each value is judged against (its own lab's, else the rule-set default by sex)."""

from datetime import date

import pytest

from cadm.rules import facts as f
from cadm.rules.criteria.classification import muscle_abnormalities
from cadm.rules.engine import evaluate
from cadm.rules.params import DEFAULTS
from monitoring.trends import Uln, flagged_dates, lung_series

P = dict(DEFAULTS)
PATIENT = f.PatientInfo("male", date(1970, 1, 1), date(2024, 6, 1), date(2024, 7, 1))
FACTS = f.PatientFacts(
    patient=PATIENT,
    visits=(f.VisitFact(date(2024, 7, 1), skin=frozenset({"heliotrope"})),),
    antibodies=(f.AntibodyFact(date(2024, 7, 5), "mda5", "positive", "elisa", 3),),
    hrct=(f.HrctFact(date(2024, 7, 10), True),),
    pft=(f.PftFact(date(2024, 7, 10), 84.0, 75.0), f.PftFact(date(2024, 10, 10), 83.0, 72.0),
         f.PftFact(date(2025, 1, 10), 82.0, 60.0)),
    labs=(f.LabFact(date(2024, 7, 10), "ferritin", 800.0), f.LabFact(date(2025, 1, 8), "ck", 90.0),
          f.LabFact(date(2025, 1, 10), "ferritin", 1600.0),
          f.LabFact(date(2025, 1, 10), "kl6", 1200.0)),
)


def by_key(series):
    return {s.key: s for s in series}


def stored(evaluation) -> list[dict]:
    """Flags as stored rows hold them: code and evidence as JSON."""
    return [{"code": fl.code, "evidence": [e.as_dict() for e in fl.evidence]}
            for fl in evaluation.flags]


def test_series_hold_every_value_oldest_first():
    s = by_key(lung_series(FACTS, P, [], "male"))
    assert [(p.date, p.value) for p in s["dlco"].points] == [
        (date(2024, 7, 10), 75.0), (date(2024, 10, 10), 72.0), (date(2025, 1, 10), 60.0)]
    assert [p.value for p in s["ferritin"].points] == [800.0, 1600.0]
    assert [p.value for p in s["kl6"].points] == [1200.0]
    assert [s_.key for s_ in lung_series(FACTS, P, [], "male")] == [
        "fvc", "dlco", "ferritin", "ck", "kl6"]


def test_thresholds_are_the_parameters():
    params = {**P, "mda5.ferritin_ng_ml": 1000.0, "uln.ck_male": 250,
              "lung.dlco_decline_points": 15.0}
    s = by_key(lung_series(FACTS, params, [], "male"))
    assert [(t.value, t.param) for t in s["ferritin"].thresholds] == [
        (1000.0, "mda5.ferritin_ng_ml"), (636.0, "flair.ferritin_ng_ml")]
    assert [(t.value, t.param) for t in s["kl6"].thresholds] == [
        (1600.0, "mda5.kl6_u_ml"), (1000.0, "mck.kl6_u_ml")]
    assert [(t.value, t.param) for t in s["ck"].thresholds] == [(250, "uln.ck_male")]
    # DLCO: the highest value in the year before the latest PFT (75) minus the fall.
    assert [(t.value, t.param) for t in s["dlco"].thresholds] == [
        (60.0, "lung.dlco_decline_points")]
    assert s["fvc"].thresholds[0].value == 79.0


def test_a_single_pft_has_no_decline_line():
    facts = f.PatientFacts(patient=PATIENT, pft=(f.PftFact(date(2025, 1, 10), 82.0, 60.0),))
    s = by_key(lung_series(facts, P, [], "female"))
    assert s["fvc"].thresholds == () and s["dlco"].thresholds == ()
    assert s["ck"].thresholds == ()  # no CK value is judged against the default


def test_points_in_the_evidence_of_flags_are_marked():
    ev = evaluate(FACTS, P, date(2025, 1, 20))
    assert ev.flag("ILD_PROGRESSION") and ev.flag("MDA5_RPILD_MARKERS")
    s = by_key(lung_series(FACTS, P, stored(ev), "male"))
    marked = {k: [(p.date, p.flags) for p in v.points if p.flagged] for k, v in s.items()}
    assert ("ILD_PROGRESSION" in dict(marked["dlco"])[date(2025, 1, 10)])
    assert date(2024, 7, 10) in dict(marked["dlco"])  # the reference PFT of the fall
    assert date(2024, 10, 10) not in dict(marked["dlco"])
    assert marked["ferritin"] == [(date(2025, 1, 10), ("MDA5_RPILD_MARKERS",))]
    assert marked["kl6"] == [] and marked["ck"] == []  # KL-6 1200 is below 1600


def test_flagged_dates_ignores_evidence_that_is_not_a_plotted_measure():
    marks = flagged_dates([
        {"code": "X", "evidence": [{"kind": "antibody", "date": "2025-01-01", "label": "anti-MDA5"},
                                   {"kind": "lab", "date": "2025-01-02", "label": "LDH"},
                                   {"kind": "classification", "date": None, "label": "s"},
                                   {"kind": "lab", "date": "2025-01-03", "label": "KL-6"}]},
    ])
    assert {k: dict(v) for k, v in marks.items() if v} == {"kl6": {date(2025, 1, 3): ["X"]}}


def test_series_as_json():
    data = lung_series(FACTS, P, [], "male")[2].as_dict()
    assert data["key"] == "ferritin" and data["unit"] == "ng/mL"
    assert data["points"][0] == {"date": "2024-07-10", "value": 800.0, "flagged": False,
                                 "flags": [], "uln": None, "above_uln": None}
    assert data["thresholds"][0]["value"] == 1500.0


# ---------------------------------------------------------------- CK against its own ULN

WOMAN = f.PatientInfo("female", date(1970, 1, 1), date(2024, 6, 1), date(2024, 7, 1))
MAN = f.PatientInfo("male", date(1970, 1, 1), date(2024, 6, 1), date(2024, 7, 1))


def ck_points(patient, *labs):
    """The CK points of a patient with these (day, value, lab ULN or None) results."""
    facts = f.PatientFacts(patient=patient, labs=tuple(
        f.LabFact(date(2025, 1, day), "ck", value, uln) for day, value, uln in labs))
    return by_key(lung_series(facts, P, [], patient.sex))["ck"]


@pytest.mark.parametrize(("value", "lab_uln", "uln", "above"), [
    (250.0, 200.0, Uln(200.0, from_lab=True), True),
    (250.0, 300.0, Uln(300.0, from_lab=True), False),  # though above the female default 192
    (200.0, 200.0, Uln(200.0, from_lab=True), False),  # equal is not above
    (250.0, None, Uln(192, from_lab=False), True),
    (192.0, None, Uln(192, from_lab=False), False),  # equal to the default is not above
])
def test_a_womans_ck_is_judged_against_its_own_labs_uln_else_192(value, lab_uln, uln, above):
    (point,) = ck_points(WOMAN, (10, value, lab_uln)).points
    assert point.uln == uln and point.above_uln is above


@pytest.mark.parametrize(("value", "above"), [(250.0, False), (308.0, False), (309.0, True)])
def test_a_mans_ck_without_a_lab_uln_is_judged_against_308(value, above):
    (point,) = ck_points(MAN, (10, value, None)).points
    assert point.uln == Uln(308, from_lab=False) and point.above_uln is above


def test_default_uln_line_only_when_some_ck_has_no_lab_uln():
    own = ck_points(WOMAN, (10, 250.0, 200.0), (20, 250.0, 300.0))
    assert own.thresholds == ()
    mixed = ck_points(WOMAN, (10, 250.0, 200.0), (20, 150.0, None))
    assert [(t.value, t.param) for t in mixed.thresholds] == [(192, "uln.ck_female")]
    assert "rule-set default (female)" in mixed.thresholds[0].label
    assert [p.uln.source for p in mixed.points] == ["lab", "default"]


def test_ck_above_uln_agrees_with_the_rules_muscle_criterion():
    labs = ((10, 250.0, 200.0), (11, 250.0, 300.0), (12, 200.0, None), (13, 192.0, None),
            (14, 300.0, 300.0))
    facts = f.PatientFacts(patient=WOMAN, labs=tuple(
        f.LabFact(date(2025, 1, day), "ck", value, uln) for day, value, uln in labs))
    ck = by_key(lung_series(facts, P, [], "female"))["ck"]
    assert [p.date for p in ck.points if p.above_uln] == [
        lab.date for lab in muscle_abnormalities(facts, P)] == [date(2025, 1, 10),
                                                               date(2025, 1, 12)]


def test_risk_markers_carry_no_uln_even_when_their_lab_gives_one():
    facts = f.PatientFacts(patient=WOMAN, labs=(
        f.LabFact(date(2025, 1, 10), "ferritin", 800.0, 300.0),
        f.LabFact(date(2025, 1, 10), "kl6", 600.0, 500.0)))
    s = by_key(lung_series(facts, P, [], "female"))
    assert [p.uln for p in s["ferritin"].points + s["kl6"].points] == [None, None]
    assert [t.param for t in s["ferritin"].thresholds] == [
        "mda5.ferritin_ng_ml", "flair.ferritin_ng_ml"]


def test_ck_point_as_json_holds_its_uln_and_source():
    points = ck_points(WOMAN, (10, 250.0, 200.0), (20, 150.0, None)).as_dict()["points"]
    assert [(p["uln"], p["above_uln"]) for p in points] == [
        ({"value": 200.0, "source": "lab"}, True),
        ({"value": 192, "source": "default"}, False)]
