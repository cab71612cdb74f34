"""Anti-MDA5 markers and scores: MDA5_RPILD_MARKERS, MDA5_RESPIRATORY_SYMPTOMS,
MDA5_LDH_AGE_FEVER, FLAIR_SCORE, MCK_COUNT, ILD_SCREENING_ADVISED (case-format.md flag table;
reference §4, §9 candidates 12, 19-21)."""

import pytest

from tests.cadm.rules.builders import ab, days, fires, flag, hrct, lab, make, pft, run, visit

AS_OF = "2025-09-01"


def patient(*records, birth="1980-01-01", **kw):
    return make(visit("2024-02-01"), *records, onset="2024-01-10", diagnosis="2024-02-01",
                birth=birth, **kw)


def mda5(*records, result="positive", grade=None, **kw):
    return patient(ab("2025-01-15", "mda5", result, grade=grade), *records, **kw)


# MDA5_RPILD_MARKERS --------------------------------------------------------------------------

@pytest.mark.parametrize("test, value, expected", [
    ("ferritin", 1499, False), ("ferritin", 1499.9, False), ("ferritin", 1500, True),
    ("ferritin", 1501, True),
    ("kl6", 1599, False), ("kl6", 1600, False), ("kl6", 1600.1, True), ("kl6", 2500, True),
])
def test_rpild_marker_thresholds(test, value, expected):
    f = flag(mda5(lab("2025-08-01", test, value)), AS_OF, "MDA5_RPILD_MARKERS")
    assert (f is not None) is expected
    if f:
        assert f.severity == "critical"


@pytest.mark.parametrize("test, value", [("ferritin", 2000), ("kl6", 2000)])
@pytest.mark.parametrize("age, expected", [(0, True), (89, True), (90, True), (91, False)])
def test_rpild_marker_90_day_window(test, value, age, expected):
    facts = mda5(lab(days(AS_OF, -age), test, value))
    assert fires(facts, AS_OF, "MDA5_RPILD_MARKERS") is expected


@pytest.mark.parametrize("test, high, low", [("ferritin", 2000, 1000), ("kl6", 2000, 900)])
def test_rpild_uses_the_latest_value_in_the_window(test, high, low):
    earlier_high = mda5(lab("2025-07-01", test, high), lab("2025-08-20", test, low))
    assert not fires(earlier_high, AS_OF, "MDA5_RPILD_MARKERS")
    later_high = mda5(lab("2025-07-01", test, low), lab("2025-08-20", test, high))
    assert fires(later_high, AS_OF, "MDA5_RPILD_MARKERS")


def test_rpild_old_high_value_does_not_count_even_as_latest():
    facts = mda5(lab("2025-05-01", "ferritin", 3000))
    assert not fires(facts, AS_OF, "MDA5_RPILD_MARKERS")


@pytest.mark.parametrize("result", ["negative", "equivocal"])
def test_rpild_needs_anti_mda5_positive(result):
    facts = mda5(lab("2025-08-01", "ferritin", 3000), result=result)
    assert not fires(facts, AS_OF, "MDA5_RPILD_MARKERS")


def test_rpild_both_markers_in_the_evidence():
    f = flag(mda5(lab("2025-08-01", "ferritin", 1600), lab("2025-08-01", "kl6", 1700)), AS_OF,
             "MDA5_RPILD_MARKERS")
    assert [e.label for e in f.evidence] == ["Ferritin", "KL-6"]
    assert len(f.summary) < 140


def test_rpild_window_is_a_parameter():
    facts = mda5(lab(days(AS_OF, -100), "ferritin", 1600))
    assert not fires(facts, AS_OF, "MDA5_RPILD_MARKERS")
    assert fires(facts, AS_OF, "MDA5_RPILD_MARKERS", {"mda5.marker_window_days": 100})


def test_rpild_ferritin_threshold_is_a_parameter():
    facts = mda5(lab("2025-08-01", "ferritin", 1200))
    assert fires(facts, AS_OF, "MDA5_RPILD_MARKERS", {"mda5.ferritin_ng_ml": 1000})


# MDA5_RESPIRATORY_SYMPTOMS -------------------------------------------------------------------

@pytest.mark.parametrize("symptoms, expected", [(["dyspnea"], True), (["dry_cough"], True),
                                                (["dyspnea", "dry_cough"], True),
                                                (["fever"], False), ([], False)])
def test_respiratory_symptoms_at_the_latest_visit(symptoms, expected):
    f = flag(mda5(visit("2025-08-01", symptoms=symptoms)), AS_OF, "MDA5_RESPIRATORY_SYMPTOMS")
    assert (f is not None) is expected
    if f:
        assert f.severity == "critical"
        assert f.evidence_label == "UNVERIFIED"
        assert "pending clinical validation" in f.detail


def test_respiratory_symptoms_only_at_the_latest_visit():
    facts = mda5(visit("2025-06-01", symptoms=["dyspnea"]), visit("2025-08-01"))
    assert not fires(facts, AS_OF, "MDA5_RESPIRATORY_SYMPTOMS")


@pytest.mark.parametrize("result", ["negative", "equivocal"])
def test_respiratory_symptoms_need_anti_mda5_positive(result):
    facts = mda5(visit("2025-08-01", symptoms=["dyspnea"]), result=result)
    assert not fires(facts, AS_OF, "MDA5_RESPIRATORY_SYMPTOMS")


# MDA5_LDH_AGE_FEVER --------------------------------------------------------------------------

FEVER = visit("2025-08-01", symptoms=["fever"])
OVER_50 = "1974-01-01"      # 51 on AS_OF


@pytest.mark.parametrize("ldh, birth, records, expected", [
    (301, OVER_50, (FEVER,), True),
    (300, OVER_50, (FEVER,), False),                       # LDH not above 300
    (301, "1974-09-01", (FEVER,), True),                   # 51 on the day of as_of
    (301, "1974-09-02", (FEVER,), False),                  # 50 on as_of: not over 50
    (301, OVER_50, (), False),                             # no fever
    (301, OVER_50, (FEVER, visit("2025-08-15")), False),   # fever not at the latest visit
])
def test_ldh_age_fever(ldh, birth, records, expected):
    facts = mda5(lab("2025-08-01", "ldh", ldh), *records, birth=birth)
    f = flag(facts, AS_OF, "MDA5_LDH_AGE_FEVER")
    assert (f is not None) is expected
    if f:
        assert f.severity == "warning"


def test_ldh_age_fever_needs_anti_mda5_and_a_recent_ldh():
    assert not fires(mda5(lab("2025-08-01", "ldh", 400), FEVER, result="negative",
                          birth=OVER_50), AS_OF, "MDA5_LDH_AGE_FEVER")
    assert not fires(mda5(lab("2025-05-01", "ldh", 400), FEVER, birth=OVER_50), AS_OF,
                     "MDA5_LDH_AGE_FEVER")


# FLAIR_SCORE ---------------------------------------------------------------------------------

@pytest.mark.parametrize("records, grade, known", [
    ((), None, 2),                                                    # grade unknown: + (2)
    ((), 1, 2), ((), 2, 3), ((), 3, 4),
    ((lab("2025-08-01", "ferritin", 635),), 1, 2),
    ((lab("2025-08-01", "ferritin", 636),), 1, 4),
    ((lab("2025-08-01", "ldh", 354),), 1, 2),
    ((lab("2025-08-01", "ldh", 355),), 1, 4),
    ((lab("2025-08-01", "ferritin", 900), lab("2025-08-01", "ldh", 400)), 3, 8),
    ((hrct("2025-08-01", score=132),), 1, 2),
    ((hrct("2025-08-01", score=133),), 1, 5),
])
def test_flair_points(records, grade, known):
    f = flag(mda5(*records, grade=grade), AS_OF, "FLAIR_SCORE")
    assert f.severity == "info"
    assert f.summary.startswith(f"FLAIR score at least {known} of 13")


@pytest.mark.parametrize("result", ["negative", "equivocal"])
def test_flair_only_when_anti_mda5_positive(result):
    assert not fires(mda5(result=result), AS_OF, "FLAIR_SCORE")


def test_flair_threshold_is_a_parameter():
    f = flag(mda5(lab("2025-08-01", "ferritin", 500), grade=1), AS_OF, "FLAIR_SCORE",
             {"flair.ferritin_ng_ml": 500})
    assert "at least 4 of 13" in f.summary


# MCK_COUNT -----------------------------------------------------------------------------------

@pytest.mark.parametrize("records, count", [
    ((lab("2025-08-01", "crp", 7.9), lab("2025-08-01", "kl6", 999)), 1),
    ((lab("2025-08-01", "crp", 8.0), lab("2025-08-01", "kl6", 999)), 2),
    ((lab("2025-08-01", "crp", 7.9), lab("2025-08-01", "kl6", 1000)), 2),
    ((lab("2025-08-01", "crp", 8), lab("2025-08-01", "kl6", 1000)), 3),
])
def test_mck_anti_mda5_positive(records, count):
    f = flag(mda5(*records), AS_OF, "MCK_COUNT")
    assert f.summary == f"MCK: {count} of 3 risk factors"
    assert f.evidence_label == "UNVERIFIED"
    assert "pending clinical validation" in f.detail


@pytest.mark.parametrize("crp, count", [(10.9, 0), (11.0, 1)])
def test_mck_anti_mda5_negative_with_ild(crp, count):
    facts = mda5(hrct("2025-03-01", ild=True), lab("2025-08-01", "crp", crp),
                 lab("2025-08-01", "kl6", 500), result="negative")
    assert flag(facts, AS_OF, "MCK_COUNT").summary == f"MCK: {count} of 3 risk factors"


def test_mck_reports_missing_inputs():
    f = flag(mda5(), AS_OF, "MCK_COUNT")
    assert f.summary == "MCK: 1 of 3 risk factors (inputs incomplete)"


@pytest.mark.parametrize("records", [
    (ab("2025-01-15", "mda5", "negative"),),                   # negative, no ILD
    (hrct("2025-03-01", ild=True),),                           # ILD but no anti-MDA5 result
    (),
])
def test_mck_does_not_fire(records):
    assert not fires(patient(*records), AS_OF, "MCK_COUNT")


# ILD_SCREENING_ADVISED -----------------------------------------------------------------------

@pytest.mark.parametrize("feature", [ab("2025-01-15", a) for a in
                                     ("jo1", "pl7", "pl12", "ej", "oj", "ku", "pmscl", "ro52")]
                         + [visit("2025-08-01", skin=["heliotrope", "mechanics_hands"]),
                            visit("2025-08-01", skin=["heliotrope", "skin_ulceration"]),
                            visit("2025-08-01", symptoms=["arthritis"])])
def test_ild_screening_advised_for_each_feature(feature):
    f = flag(patient(feature), AS_OF, "ILD_SCREENING_ADVISED")
    assert f is not None and f.severity == "warning"


@pytest.mark.parametrize("tests, expected", [
    ((), True),
    ((pft("2025-02-01", 80, 70),), True),                            # HRCT missing
    ((hrct("2025-02-01", ild=False),), True),                        # PFT missing
    ((pft("2025-02-01", 80), hrct("2025-02-01", ild=False)), True),  # PFT without DLCO
    ((pft("2025-02-01", 80, 70), hrct("2025-02-01", ild=False)), False),
])
def test_ild_screening_needs_pft_with_dlco_and_hrct(tests, expected):
    facts = patient(ab("2025-01-15", "jo1"), *tests)
    assert fires(facts, AS_OF, "ILD_SCREENING_ADVISED") is expected


@pytest.mark.parametrize("records", [
    (ab("2025-01-15", "jo1", "negative"),),
    (ab("2025-01-15", "jo1"), ab("2025-01-15", "mda5")),   # anti-MDA5 has its own flag
    (ab("2025-01-15", "srp"),),
    (visit("2025-08-01", symptoms=["raynaud"]),),
])
def test_ild_screening_not_advised(records):
    assert not fires(patient(*records), AS_OF, "ILD_SCREENING_ADVISED")


def test_every_marker_flag_has_a_short_summary():
    facts = mda5(lab("2025-08-01", "ferritin", 99999), lab("2025-08-01", "kl6", 49999),
                 lab("2025-08-01", "ldh", 19999), lab("2025-08-01", "crp", 599),
                 visit("2025-08-01", symptoms=["dyspnea", "dry_cough", "fever"]),
                 birth="1950-01-01")
    ev = run(facts, AS_OF)
    assert {"MDA5_RPILD_MARKERS", "MDA5_LDH_AGE_FEVER", "FLAIR_SCORE", "MCK_COUNT"} <= {
        f.code for f in ev.flags}
    assert all(len(f.summary) < 140 for f in ev.flags)
