"""Lung flags: LUNG_BASELINE_MISSING, LUNG_MONITORING_OVERDUE, ILD_PROGRESSION,
EXERTIONAL_DESATURATION, ILD_RELATIVE_DECLINE, AMBULATORY_OXIMETRY_DUE (case-format.md flag
table; reference §4.3, §5, §9 candidates 11, 13-18)."""

import pytest

from tests.cadm.rules.builders import ab, days, fires, flag, hrct, make, months, pft, visit, walk

ONSET = "2024-01-10"
POS = "2025-01-15"                  # first positive anti-MDA5


def patient(*records, **kw):
    return make(visit("2024-02-01"), *records, onset=ONSET, diagnosis="2024-02-01", **kw)


def mda5(*records, first=POS):
    return patient(ab(first, "mda5"), *records)


# LUNG_BASELINE_MISSING -----------------------------------------------------------------------

@pytest.mark.parametrize("records, expected", [
    ((pft(POS, 80, 70), hrct(POS, ild=False)), False),
    ((pft(days(POS, -90), 80, 70), hrct(days(POS, -90), ild=False)), False),     # edge
    ((pft(days(POS, -91), 80, 70), hrct(POS, ild=False)), True),                 # PFT early
    ((pft(POS, 80, 70), hrct(days(POS, -91), ild=False)), True),                 # HRCT early
    ((pft(POS, 80), hrct(POS, ild=False)), True),                                # no DLCO
    ((hrct(POS, ild=False),), True),                                             # HRCT alone
    ((pft(POS, 80, 70),), True),                                                 # PFT alone
    ((), True),
    ((pft("2025-03-01", 80), pft("2025-04-01", 80, 70), hrct("2025-05-01", ild=True)), False),
])
def test_baseline_missing(records, expected):
    f = flag(mda5(*records), "2025-06-01", "LUNG_BASELINE_MISSING")
    assert (f is not None) is expected
    if f:
        assert f.severity == "critical"


@pytest.mark.parametrize("results", [["negative"], ["equivocal"], ["positive", "negative"]])
def test_baseline_only_while_anti_mda5_positive(results):
    antibodies = [ab(days(POS, 30 * i), "mda5", r) for i, r in enumerate(results)]
    assert not fires(patient(*antibodies), "2025-06-01", "LUNG_BASELINE_MISSING")


def test_baseline_window_counts_from_the_first_positive_result():
    tests = (pft("2024-11-01", 80, 70), hrct("2024-11-01", ild=False))   # POS − 75 days
    facts = patient(ab(POS, "mda5"), ab("2025-05-01", "mda5"), *tests)
    assert not fires(facts, "2025-06-01", "LUNG_BASELINE_MISSING")
    facts = patient(ab("2025-05-01", "mda5"), *tests)                      # first is later
    assert fires(facts, "2025-06-01", "LUNG_BASELINE_MISSING")


def test_baseline_tests_after_as_of_do_not_count():
    facts = mda5(pft("2025-07-01", 80, 70), hrct("2025-07-01", ild=False))
    assert fires(facts, "2025-06-01", "LUNG_BASELINE_MISSING")


def test_baseline_lookback_is_a_parameter():
    facts = mda5(pft(days(POS, -100), 80, 70), hrct(POS, ild=False))
    assert not fires(facts, "2025-06-01", "LUNG_BASELINE_MISSING",
                     {"lung.baseline_lookback_days": 100})


# LUNG_MONITORING_OVERDUE ---------------------------------------------------------------------

BASELINE = (pft(POS, 80, 70), hrct(POS, ild=False))


@pytest.mark.parametrize("gap, expected", [(89, False), (90, False), (91, True)])
def test_monitoring_90_days_in_the_first_year_after_anti_mda5(gap, expected):
    as_of = "2025-09-01"
    assert fires(mda5(*BASELINE, pft(days(as_of, -gap), 80)), as_of,
                 "LUNG_MONITORING_OVERDUE") is expected


@pytest.mark.parametrize("gap, expected", [(91, False), (180, False), (181, True)])
def test_monitoring_180_days_after_the_first_year(gap, expected):
    as_of = "2026-06-01"
    assert fires(mda5(*BASELINE, pft(days(as_of, -gap), 80)), as_of,
                 "LUNG_MONITORING_OVERDUE") is expected


@pytest.mark.parametrize("offset, expected", [(-1, True), (0, True), (1, False)])
def test_monitoring_twelve_month_edge(offset, expected):
    as_of = days(months(POS, 12), offset)          # 2026-01-15 is within 12 months
    assert fires(mda5(*BASELINE, pft(days(as_of, -91), 80)), as_of,
                 "LUNG_MONITORING_OVERDUE") is expected


@pytest.mark.parametrize("gap, expected", [(90, False), (91, False), (180, False),
                                           (181, True)])
def test_monitoring_ild_only_patient_every_180_days(gap, expected):
    as_of = "2025-09-01"
    facts = patient(hrct("2025-01-01", ild=True), pft(days(as_of, -gap), 80, 70))
    assert fires(facts, as_of, "LUNG_MONITORING_OVERDUE") is expected


def test_monitoring_ild_without_any_pft_is_overdue():
    f = flag(patient(hrct("2025-01-01", ild=True)), "2025-02-01", "LUNG_MONITORING_OVERDUE")
    assert f.severity == "warning"
    assert f.evidence == ()


def test_monitoring_any_earlier_ild_hrct_counts():
    facts = patient(hrct("2024-03-01", ild=True), hrct("2025-01-01", ild=False),
                    pft("2024-03-01", 80, 70))
    assert fires(facts, "2025-09-01", "LUNG_MONITORING_OVERDUE")


def test_monitoring_pft_without_dlco_counts():
    facts = mda5(*BASELINE, pft("2025-08-01", 80))
    assert not fires(facts, "2025-09-01", "LUNG_MONITORING_OVERDUE")


@pytest.mark.parametrize("records, expected", [
    ((), False),                                       # anti-MDA5 without baseline: no
    ((hrct(POS, ild=True),), True),                    # ... unless ILD (90 days: early)
])
def test_monitoring_needs_a_baseline_or_ild(records, expected):
    assert fires(mda5(*records), "2025-09-01", "LUNG_MONITORING_OVERDUE") is expected


def test_monitoring_no_surveillance_without_mda5_or_ild():
    facts = patient(pft("2020-01-01", 80, 70), hrct("2020-01-01", ild=False))
    assert not fires(facts, "2025-09-01", "LUNG_MONITORING_OVERDUE")


def test_monitoring_ild_and_mda5_early_uses_90_days():
    facts = mda5(hrct(POS, ild=True), pft(days("2025-09-01", -91), 80))
    assert fires(facts, "2025-09-01", "LUNG_MONITORING_OVERDUE")


def test_monitoring_label_follows_the_interval_in_force():
    early = flag(mda5(*BASELINE), "2025-09-01", "LUNG_MONITORING_OVERDUE")
    assert early.evidence_label == "UNVERIFIED"
    assert "pending clinical validation" in early.detail
    late = flag(mda5(*BASELINE), "2026-09-01", "LUNG_MONITORING_OVERDUE")
    assert late.evidence_label == "VERIFIED-P"
    assert "pending clinical validation" not in late.detail


@pytest.mark.parametrize("overrides, expected", [
    ({}, False), ({"lung.pft_interval_days": 150}, True)])
def test_monitoring_interval_is_a_parameter(overrides, expected):
    facts = patient(hrct("2025-01-01", ild=True), pft("2025-04-01", 80, 70))
    assert fires(facts, "2025-09-01", "LUNG_MONITORING_OVERDUE", overrides) is expected


# ILD_PROGRESSION -----------------------------------------------------------------------------

LAST = "2026-01-10"


def decline(before, after, gap=300, **kw):
    """Two PFTs `gap` days apart: before = (fvc, dlco), after = (fvc, dlco)."""
    return patient(pft(days(LAST, -gap), *before), pft(LAST, *after), **kw)


@pytest.mark.parametrize("before, after, expected", [
    ((82, 70), (77.1, 70), False),      # FVC −4.9
    ((82, 70), (77, 70), True),         # FVC −5.0
    ((64.1, 70), (59.1, 70), True),     # −5.0, though 64.1 − 59.1 = 4.99999… in floats
    ((80.996, 70), (76, 70), False),    # −4.996 is not rounded up to 5
    ((82, 70), (87, 70), False),        # rise
    ((82, 70), (82, 60.1), False),      # DLCO −9.9
    ((82, 70), (82, 60), True),         # DLCO −10
    ((82, 32.3), (82, 22.3), True),     # −10, though 32.3 − 22.3 = 9.99999… in floats
    ((82, None), (82, 40), False),      # DLCO on one test only
    ((82, 70), (82, None), False),
])
def test_progression_thresholds(before, after, expected):
    assert fires(decline(before, after), "2026-02-01", "ILD_PROGRESSION") is expected


@pytest.mark.parametrize("gap, expected", [(364, True), (365, True), (366, False)])
def test_progression_compares_up_to_365_days_back(gap, expected):
    assert fires(decline((82, 70), (76, 70), gap=gap), "2026-02-01", "ILD_PROGRESSION") \
        is expected


def test_progression_against_any_pft_in_the_window():
    facts = patient(pft("2025-03-01", 82, 70), pft("2025-09-01", 78, 70), pft(LAST, 77, 70))
    f = flag(facts, "2026-02-01", "ILD_PROGRESSION")
    assert f is not None
    assert "2025-03-01" in f.summary


def test_progression_only_the_latest_pft_is_judged():
    facts = patient(pft("2025-03-01", 82, 70), pft("2025-09-01", 70, 70), pft(LAST, 81, 70))
    assert not fires(facts, "2026-02-01", "ILD_PROGRESSION")


def test_progression_same_day_pft_is_not_a_comparison():
    facts = patient(pft(LAST, 90, 70), pft(LAST, 80, 70))
    assert not fires(facts, "2026-02-01", "ILD_PROGRESSION")


@pytest.mark.parametrize("antibodies, severity", [
    ((), "warning"),
    ((ab("2024-06-01", "mda5", "negative"),), "warning"),
    ((ab("2024-06-01", "mda5"),), "critical"),
    ((ab("2024-06-01", "mda5"), ab("2025-06-01", "mda5", "negative")), "warning"),
])
def test_progression_severity(antibodies, severity):
    facts = patient(pft("2025-03-01", 82, 70), pft(LAST, 76.5, 66), *antibodies)
    assert flag(facts, "2026-02-01", "ILD_PROGRESSION").severity == severity


@pytest.mark.parametrize("overrides, expected", [
    ({}, False), ({"lung.fvc_decline_points": 4}, True),
    ({"lung.decline_window_days": 200}, False)])
def test_progression_thresholds_are_parameters(overrides, expected):
    assert fires(decline((82, 70), (77.5, 70)), "2026-02-01", "ILD_PROGRESSION", overrides) \
        is expected


def test_progression_severity_is_a_parameter():
    facts = decline((82, 70), (76, 70))
    assert flag(facts, "2026-02-01", "ILD_PROGRESSION",
                {"severity.ILD_PROGRESSION": "critical"}).severity == "critical"


# ILD_RELATIVE_DECLINE ------------------------------------------------------------------------

@pytest.mark.parametrize("before, after, expected", [
    ((80, 70, 3.00), (80, 70, 2.70), True),      # −10 % in litres
    ((80, 70, 3.00), (80, 70, 2.71), False),     # −9.7 %
    ((80, 70, 3.00), (80, 70, 2.7012), False),   # −9.96 % is not rounded up to 10
    ((80, 70, None), (72, 70, None), True),      # −10 % of % predicted without litres
    ((80, 70, None), (72.1, 70, None), False),
    ((80, 60, None), (80, 51, None), True),      # DLCO −15 %
    ((80, 60, None), (80, 51.1, None), False),
])
def test_relative_decline_thresholds(before, after, expected):
    facts = patient(pft("2025-03-01", *before), pft(LAST, *after))
    f = flag(facts, "2026-02-01", "ILD_RELATIVE_DECLINE")
    assert (f is not None) is expected
    if f:
        assert f.severity == "info"


@pytest.mark.parametrize("offset, expected", [(0, True), (-1, False)])
def test_relative_decline_24_months_before_the_latest_pft(offset, expected):
    earlier = days(months(LAST, -24), offset)
    facts = patient(pft(earlier, 80, 70, 3.0), pft(LAST, 80, 70, 2.6))
    assert fires(facts, "2026-02-01", "ILD_RELATIVE_DECLINE") is expected


# EXERTIONAL_DESATURATION ---------------------------------------------------------------------

@pytest.mark.parametrize("nadir, expected", [(87, True), (88, True), (88.1, False), (95, False)])
def test_desaturation_threshold(nadir, expected):
    f = flag(patient(walk("2025-06-01", nadir)), "2025-07-01", "EXERTIONAL_DESATURATION")
    assert (f is not None) is expected
    if f:
        assert f.severity == "warning"


@pytest.mark.parametrize("nadirs, expected", [((85, 92), False), ((92, 88), True)])
def test_desaturation_at_the_latest_walk_only(nadirs, expected):
    facts = patient(walk("2025-03-01", nadirs[0]), walk("2025-06-01", nadirs[1]))
    assert fires(facts, "2025-07-01", "EXERTIONAL_DESATURATION") is expected


def test_desaturation_threshold_is_a_parameter():
    facts = patient(walk("2025-06-01", 89))
    assert fires(facts, "2025-07-01", "EXERTIONAL_DESATURATION",
                 {"lung.desaturation_spo2_pct": 90})


# AMBULATORY_OXIMETRY_DUE ---------------------------------------------------------------------

@pytest.mark.parametrize("records, expected", [
    ((hrct("2025-01-01", ild=True),), True),
    ((hrct("2025-01-01", ild=True), walk(months("2025-09-01", -12), 95)), False),
    ((hrct("2025-01-01", ild=True), walk(days(months("2025-09-01", -12), -1), 95)), True),
    ((hrct("2025-01-01", ild=False),), False),
    ((), False),
])
def test_ambulatory_oximetry_due(records, expected):
    f = flag(patient(*records), "2025-09-01", "AMBULATORY_OXIMETRY_DUE")
    assert (f is not None) is expected
    if f:
        assert f.severity == "info"
