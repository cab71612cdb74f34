"""Cancer flags: RECLASSIFY, ENHANCED_CANCER_SCREENING, CANCER_RED_FLAGS and the IMACS extras
(PET_CT_CONSIDER, GI_ENDOSCOPY_CONSIDER, NASOENDOSCOPY_CONSIDER, IMACS_NOT_APPLICABLE,
IMACS_OUTSIDE_WINDOW). case-format.md flag table; reference §1 and §9 candidates 1, 3, 7-10.
"""

import pytest

from tests.cadm.rules.builders import (
    ab,
    codes,
    days,
    fires,
    flag,
    lab,
    make,
    months,
    run,
    screen,
    visit,
)

ONSET = "2025-01-10"
DX = "2025-02-01"
AS_OF = "2025-09-01"   # ~8 months after onset: amyopathic, provisional
YOUNG, OLD, CHILD = "1994-01-01", "1960-01-01", "2012-01-01"


def patient(*records, birth=YOUNG, **kw):
    kw.setdefault("onset", ONSET)
    kw.setdefault("diagnosis", DX)
    return make(visit("2025-02-01"), *records, birth=birth, **kw)


MODERATE = (ab("2025-02-01", "mda5"),)                 # cadm + mda5
HIGH = (ab("2025-02-01", "tif1g"),)                    # with birth=OLD: tif1g + age


# RECLASSIFY ----------------------------------------------------------------------------------

@pytest.mark.parametrize("recorded, records, as_of, to", [
    ("amyopathic", (lab("2025-03-01", "ck", 900, 192),), AS_OF, "hypomyopathic"),
    ("amyopathic", (visit("2025-08-01", weakness=["proximal_upper"]),), AS_OF, "classic_dm"),
    ("hypomyopathic", (), AS_OF, "amyopathic"),
    ("classic_dm", (), AS_OF, "amyopathic"),
    ("undetermined", (), AS_OF, "amyopathic"),
    ("not_classifiable", (), AS_OF, "amyopathic"),
])
def test_reclassify_from_and_to(recorded, records, as_of, to):
    f = flag(patient(*records, recorded=recorded), as_of, "RECLASSIFY")
    assert f is not None
    assert (f.extra["from"], f.extra["to"], f.severity) == (recorded, to, "warning")
    assert f.as_dict()["from"] == recorded and f.as_dict()["to"] == to


@pytest.mark.parametrize("recorded, records, as_of", [
    (None, (), AS_OF),                                       # nothing recorded
    ("amyopathic", (), AS_OF),                               # agrees
    ("amyopathic", (), "2025-05-01"),                        # derived undetermined
    ("amyopathic", (visit("2025-03-01", skin=["v_sign"]),), AS_OF),  # still classifiable
])
def test_reclassify_does_not_fire(recorded, records, as_of):
    assert not fires(patient(*records, recorded=recorded), as_of, "RECLASSIFY")


def test_reclassify_not_to_not_classifiable():
    facts = make(visit("2025-02-01", skin=["v_sign"]), onset=ONSET, recorded="amyopathic")
    ev = run(facts, AS_OF)
    assert ev.classification.subtype == "not_classifiable"
    assert "RECLASSIFY" not in codes(ev)


def test_reclassify_not_to_undetermined_even_with_a_different_record():
    ev = run(patient(recorded="classic_dm"), "2025-06-01")
    assert ev.classification.subtype == "undetermined"
    assert "RECLASSIFY" not in codes(ev)


# ENHANCED_CANCER_SCREENING -------------------------------------------------------------------

@pytest.mark.parametrize("records, birth, expected", [
    ((), YOUNG, False),                            # standard tier
    (MODERATE, YOUNG, True),
    (HIGH, OLD, True),
    ((*MODERATE, screen("2025-03-01", "basic")), YOUNG, True),       # basic does not count
    ((*MODERATE, screen(months(DX, -6), "enhanced")), YOUNG, False),  # window edge
    ((*MODERATE, screen(days(months(DX, -6), -1), "enhanced")), YOUNG, True),
    ((*MODERATE, screen("2025-08-30", "enhanced", "pending")), YOUNG, False),
    ((), CHILD, False),                            # not applicable
])
def test_enhanced_cancer_screening(records, birth, expected):
    assert fires(patient(*records, birth=birth), AS_OF, "ENHANCED_CANCER_SCREENING") is expected


def test_enhanced_record_long_after_diagnosis_still_clears():
    facts = patient(*MODERATE, screen("2026-12-01", "enhanced"))
    assert not fires(facts, "2027-01-01", "ENHANCED_CANCER_SCREENING")


def test_enhanced_record_after_as_of_does_not_clear():
    facts = patient(*MODERATE, screen("2025-10-01", "enhanced"))
    assert fires(facts, AS_OF, "ENHANCED_CANCER_SCREENING")


def test_enhanced_flag_severity_and_lookback_parameter():
    facts = patient(*MODERATE, screen(days(months(DX, -6), -1), "enhanced"))
    assert flag(facts, AS_OF, "ENHANCED_CANCER_SCREENING").severity == "warning"
    assert not fires(facts, AS_OF, "ENHANCED_CANCER_SCREENING",
                     {"screening.first_window_before_months": 7})


# CANCER_RED_FLAGS ----------------------------------------------------------------------------

@pytest.mark.parametrize("symptom", ["weight_loss", "night_sweats", "fever"])
def test_red_flag_at_the_latest_visit(symptom):
    f = flag(patient(visit("2025-08-01", symptoms=[symptom])), AS_OF, "CANCER_RED_FLAGS")
    assert f.severity == "warning"
    assert symptom.replace("_", " ") in f.summary


@pytest.mark.parametrize("symptoms", [["dyspnea"], ["arthritis", "raynaud"], []])
def test_no_red_flag_for_other_symptoms(symptoms):
    assert not fires(patient(visit("2025-08-01", symptoms=symptoms)), AS_OF, "CANCER_RED_FLAGS")


def test_red_flag_only_at_the_latest_visit():
    facts = patient(visit("2025-06-01", symptoms=["weight_loss", "fever"]), visit("2025-08-01"))
    assert not fires(facts, AS_OF, "CANCER_RED_FLAGS")


def test_a_visit_after_as_of_is_not_the_latest():
    facts = patient(visit("2025-08-01", symptoms=["fever"]), visit("2025-10-01"))
    assert fires(facts, AS_OF, "CANCER_RED_FLAGS")


def test_red_flags_whatever_the_tier():
    facts = patient(visit("2025-08-01", symptoms=["night_sweats"]), birth=CHILD)
    assert fires(facts, AS_OF, "CANCER_RED_FLAGS")


def test_no_visit_no_red_flag():
    assert not fires(make(onset=ONSET, diagnosis=DX), AS_OF, "CANCER_RED_FLAGS")


# IMACS_NOT_APPLICABLE and IMACS_OUTSIDE_WINDOW -----------------------------------------------

@pytest.mark.parametrize("birth, expected", [("2007-01-11", True), ("2007-01-10", False)])
def test_imacs_not_applicable_under_18(birth, expected):
    f = flag(patient(birth=birth), AS_OF, "IMACS_NOT_APPLICABLE")
    assert (f is not None) is expected
    if f:
        assert f.severity == "info"


@pytest.mark.parametrize("offset, expected", [(-1, False), (0, False), (1, True)])
def test_imacs_outside_window_after_three_years(offset, expected):
    diagnosis = days(months("2021-03-15", 36), offset)
    facts = make(visit(diagnosis), onset="2021-03-15", diagnosis=diagnosis, birth=YOUNG)
    assert fires(facts, days(diagnosis, 30), "IMACS_OUTSIDE_WINDOW") is expected


def test_imacs_outside_window_not_for_juvenile_onset():
    facts = make(visit("2025-01-01"), onset="2021-03-15", diagnosis="2025-01-01", birth=CHILD)
    assert not fires(facts, "2025-02-01", "IMACS_OUTSIDE_WINDOW")


def test_imacs_outside_window_years_is_a_parameter():
    facts = make(visit("2023-06-01"), onset="2021-03-15", diagnosis="2023-06-01", birth=YOUNG)
    assert not fires(facts, "2023-07-01", "IMACS_OUTSIDE_WINDOW")
    assert fires(facts, "2023-07-01", "IMACS_OUTSIDE_WINDOW", {"imacs.evidence_window_years": 2})


# PET_CT_CONSIDER and GI_ENDOSCOPY_CONSIDER ---------------------------------------------------

NEGATIVE = (screen("2025-03-01", "basic"), screen("2025-03-01", "enhanced"))


@pytest.mark.parametrize("records, birth, expected", [
    ((*HIGH, *NEGATIVE), OLD, True),                                   # high, negative
    (HIGH, OLD, False),                                                # no screening yet
    ((*MODERATE, *NEGATIVE), YOUNG, False),                            # moderate
    ((*HIGH, screen("2025-03-01"), screen("2025-03-01", "enhanced", "pending")), OLD, False),
    ((*HIGH, screen("2025-03-01"), screen("2025-03-01", "enhanced", "cancer_found")), OLD,
     False),
    ((*HIGH, screen("2025-03-01")), OLD, False),                       # enhanced missing
    ((*HIGH, screen("2025-03-01"), screen("2025-03-01", "enhanced", "pending"),
      screen("2025-04-01", "enhanced")), OLD, True),                   # pending, then negative
])
def test_negative_diagnosis_screening_routes(records, birth, expected):
    ev = run(patient(*records, birth=birth), AS_OF)
    assert ("PET_CT_CONSIDER" in codes(ev)) is expected
    assert ("GI_ENDOSCOPY_CONSIDER" in codes(ev)) is expected


@pytest.mark.parametrize("records, birth, kw, expected", [
    (HIGH, OLD, {"refractory": True}, True),                                  # TIF1g >40 +1
    ((*HIGH, visit("2025-03-01", symptoms=["dysphagia_moderate_severe"])), OLD, {}, True),
    ((*HIGH, visit("2025-03-01", skin=["heliotrope", "skin_ulceration"])), OLD, {}, True),
    (HIGH, OLD, {}, False),                                                   # no extra feature
    (HIGH, "1984-06-01", {"refractory": True}, False),                        # onset at 40
    ((ab("2025-02-01", "nxp2"),), OLD, {"refractory": True}, False),          # not TIF1g
])
def test_pet_ct_tif1g_route(records, birth, kw, expected):
    ev = run(patient(*records, birth=birth, **kw), AS_OF)
    assert ev.cancer_risk.tier == "high"
    assert ("PET_CT_CONSIDER" in codes(ev)) is expected
    assert "GI_ENDOSCOPY_CONSIDER" not in codes(ev)


def test_pet_ct_tif1g_route_needs_a_dm_subtype():
    facts = make(visit("2025-02-01", skin=["v_sign"]), *HIGH, birth=OLD, onset=ONSET,
                 diagnosis=DX, refractory=True)
    assert not fires(facts, AS_OF, "PET_CT_CONSIDER")


def test_consider_flags_are_info():
    ev = run(patient(*HIGH, *NEGATIVE, birth=OLD, npc=True), AS_OF)
    assert {ev.flag(c).severity for c in ("PET_CT_CONSIDER", "GI_ENDOSCOPY_CONSIDER",
                                          "NASOENDOSCOPY_CONSIDER")} == {"info"}


# NASOENDOSCOPY_CONSIDER ----------------------------------------------------------------------

@pytest.mark.parametrize("npc, birth, expected", [(True, YOUNG, True), (False, YOUNG, False),
                                                  (True, CHILD, False)])
def test_nasoendoscopy(npc, birth, expected):
    assert fires(patient(birth=birth, npc=npc), AS_OF, "NASOENDOSCOPY_CONSIDER") is expected
