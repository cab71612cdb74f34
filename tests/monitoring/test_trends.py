"""Trend series (monitoring.trends): values per measure, threshold lines from the parameters,
and the points that fired a flag (the dates in the evidence of live flags)."""

from datetime import date

from cadm.rules import facts as f
from cadm.rules.engine import evaluate
from cadm.rules.params import DEFAULTS
from monitoring.trends import flagged_dates, lung_series

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
    assert s["ck"].thresholds[0].param == "uln.ck_female"


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
                                 "flags": []}
    assert data["thresholds"][0]["value"] == 1500.0
