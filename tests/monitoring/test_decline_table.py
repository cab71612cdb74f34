"""The decline table (monitoring.schedule.decline_table): each PFT against those up to a year
earlier, absolute and relative changes, the criterion each change meets; at the boundaries
(365 vs 366 days; 5.0 vs 4.9 points; relative 10 % and 15 %), and in step with the engine."""

from datetime import date, timedelta

import pytest

from cadm.rules import facts as f
from cadm.rules.engine import evaluate
from cadm.rules.params import DEFAULTS
from monitoring.schedule import (
    LEGACY_DLCO,
    LEGACY_FVC,
    PPF_DLCO,
    PPF_FVC,
    criterion_labels,
    decline_table,
)

P = dict(DEFAULTS)
LATEST = date(2025, 6, 1)


def pft(days_before: int, fvc: float, dlco: float | None = None, litres: float | None = None):
    return f.PftFact(LATEST - timedelta(days=days_before), fvc, dlco, litres)


def pair(earlier, later=None, params=P):
    rows = decline_table([earlier, later or pft(0, 80.0)], params)
    return rows[0]


def test_values_of_a_row():
    row = pair(pft(180, 82.0, 72.0, 3.00), pft(0, 78.0, 58.0, 2.90))
    assert row.earlier.date == date(2024, 12, 3) and row.days == 180
    assert (row.fvc.before, row.fvc.after, row.fvc.absolute) == (82.0, 78.0, -4.0)
    assert row.fvc.relative_pct == pytest.approx(-4.878, abs=1e-3)
    assert row.dlco.absolute == -14.0
    assert row.dlco.relative_pct == pytest.approx(-19.444, abs=1e-3)
    # The older FVC criterion uses litres when both tests have them, as ILD_RELATIVE_DECLINE.
    assert row.relative_basis == "litres"
    assert row.fvc_relative.relative_pct == pytest.approx(-3.333, abs=1e-3)
    assert row.criteria == (PPF_DLCO, LEGACY_DLCO)
    assert row.ppf_physiological
    data = row.as_dict(criterion_labels(P))
    assert data["dlco_pct_predicted"] == {"before": 72.0, "after": 58.0, "absolute": -14.0,
                                          "relative_pct": -19.44}
    assert data["criteria_labels"] == ["PPF 2022: DLCO fall ≥ 10 points",
                                       "Older criteria: DLCO fall ≥ 15 % relative"]


@pytest.mark.parametrize(("days", "compared"), [(364, True), (365, True), (366, False)])
def test_compares_pfts_up_to_365_days_earlier(days, compared):
    rows = decline_table([pft(days, 85.0), pft(0, 78.0)], P)
    latest = [r for r in rows if r.later.date == LATEST]
    assert (latest[0].earlier is not None) is compared
    if not compared:
        assert len(latest) == 1 and latest[0].criteria == ()


@pytest.mark.parametrize(("after", "met"), [(77.0, True), (77.1, False), (76.9, True)])
def test_fvc_fall_of_5_0_points_meets_and_4_9_does_not(after, met):
    row = pair(pft(100, 82.0), pft(0, after))
    assert (PPF_FVC in row.criteria) is met


@pytest.mark.parametrize(("after", "met"), [(60.0, True), (60.1, False)])
def test_dlco_fall_of_10_0_points_meets_and_9_9_does_not(after, met):
    row = pair(pft(100, 80.0, 70.0), pft(0, 80.0, after))
    assert (PPF_DLCO in row.criteria) is met


@pytest.mark.parametrize(("litres", "met"), [(2.70, True), (2.71, False)])
def test_relative_fvc_fall_of_10_percent_in_litres(litres, met):
    # 3.00 L → 2.70 L is exactly 10 % relative; FVC % predicted barely moves.
    row = pair(pft(100, 80.0, None, 3.00), pft(0, 79.0, None, litres))
    assert row.relative_basis == "litres"
    assert (LEGACY_FVC in row.criteria) is met
    assert PPF_FVC not in row.criteria


def test_relative_fvc_uses_percent_predicted_without_litres():
    row = pair(pft(100, 80.0, None, 3.00), pft(0, 72.0))  # litres only on the earlier test
    assert row.relative_basis == "% predicted"
    assert row.fvc_relative.relative_pct == pytest.approx(-10.0)
    assert set(row.criteria) == {PPF_FVC, LEGACY_FVC}


@pytest.mark.parametrize(("after", "met"), [(51.0, True), (51.1, False)])
def test_relative_dlco_fall_of_15_percent(after, met):
    # 60 → 51 is 15 % relative but only 9 points: the older criterion without PPF's.
    row = pair(pft(100, 80.0, 60.0), pft(0, 80.0, after))
    assert (LEGACY_DLCO in row.criteria) is met
    assert PPF_DLCO not in row.criteria


def test_thresholds_come_from_the_parameters():
    params = {**P, "lung.fvc_decline_points": 3.0, "lung.decline_window_days": 500}
    row = pair(pft(450, 82.0), pft(0, 79.0), params)
    assert row.criteria == (PPF_FVC,)
    assert criterion_labels(params)[PPF_FVC] == "PPF 2022: FVC fall ≥ 3 points"


def test_every_pft_is_a_group_newest_first_and_same_day_tests_are_not_compared():
    rows = decline_table([pft(400, 90.0), pft(200, 85.0), pft(100, 84.0), pft(0, 80.0),
                          pft(0, 79.0)], P)
    shape = [((LATEST - r.later.date).days,
              None if r.earlier is None else (LATEST - r.earlier.date).days) for r in rows]
    # Day 0 twice (two tests that day), never against each other nor against day 400.
    assert shape == [(0, 100), (0, 200), (0, 100), (0, 200), (100, 200), (100, 400),
                     (200, 400), (400, None)]


def test_a_single_pft_has_one_row_with_nothing_to_compare():
    (row,) = decline_table([pft(0, 80.0, 70.0)], P)
    assert row.earlier is None and row.days is None and row.criteria == ()
    assert row.fvc.after == 80.0 and row.fvc.absolute is None


@pytest.mark.parametrize("series", [
    [(300, 82.0, 72.0), (100, 80.0, 70.0), (0, 78.0, 61.0)],
    [(300, 82.0, 72.0), (100, 80.0, 70.0), (0, 78.0, 62.5)],
    [(365, 83.0, 60.0), (0, 78.0, 55.0)],
    [(366, 83.0, 60.0), (0, 78.0, 55.0)],
    [(200, 70.0, None), (0, 64.9, 40.0)],
])
def test_agrees_with_the_engines_ild_progression_flag(series):
    pfts = tuple(sorted((pft(*s) for s in series), key=lambda p: p.date))
    facts = f.PatientFacts(patient=f.PatientInfo("female", date(1980, 1, 1), date(2024, 1, 1),
                                                 date(2024, 2, 1)), pft=pfts)
    fired = evaluate(facts, P, LATEST).flag("ILD_PROGRESSION") is not None
    rows = [r for r in decline_table(pfts, P) if r.later.date == LATEST]
    assert any(r.ppf_physiological for r in rows) is fired
