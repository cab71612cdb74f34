"""Sontheimer subtype and its confirmation (case-format.md "Subtype"; clinical-reference §3.1)."""

import pytest

from tests.cadm.rules.builders import days, lab, make, months, run, study, visit

ONSET = "2024-01-15"
LATE = "2026-06-01"  # 28 months after onset: past both the 6- and the 24-month edges


def classification(facts, as_of=LATE, overrides=None):
    return run(facts, as_of, overrides).classification


def subtype(*records, as_of=LATE, overrides=None, **patient):
    patient.setdefault("onset", ONSET)
    return classification(make(*records, **patient), as_of, overrides).subtype


# 1. hallmark signs ---------------------------------------------------------------------------

@pytest.mark.parametrize("sign", ["heliotrope", "gottron_papules", "gottron_sign"])
def test_each_hallmark_sign_alone_makes_it_classifiable(sign):
    assert subtype(visit("2024-02-01", skin=[sign])) == "amyopathic"


@pytest.mark.parametrize("skin", [[], ["v_sign", "shawl_sign", "mechanics_hands",
                                       "palmar_papules", "periungual_erythema"]])
def test_no_hallmark_sign_is_not_classifiable(skin):
    assert subtype(visit("2024-02-01", skin=skin)) == "not_classifiable"


def test_no_visit_at_all_is_not_classifiable():
    assert subtype() == "not_classifiable"


def test_hallmark_sign_at_any_visit_counts():
    assert subtype(visit("2024-02-01"), visit("2026-05-01", skin=["v_sign"])) == "amyopathic"


def test_not_classifiable_comes_before_weakness():
    assert subtype(visit("2024-02-01", skin=["v_sign"], weakness=["proximal_upper"])) == \
        "not_classifiable"


def test_hallmark_sign_only_after_as_of_does_not_count():
    facts = make(visit("2024-02-01", skin=[]), visit("2026-07-01"), onset=ONSET)
    assert classification(facts, LATE).subtype == "not_classifiable"


# 2. weakness ---------------------------------------------------------------------------------

@pytest.mark.parametrize("weakness", ["proximal_upper", "proximal_lower", "neck_flexor",
                                      "proximal_leg_over_distal"])
def test_weakness_at_any_visit_is_classic_dm(weakness):
    assert subtype(visit("2024-02-01", weakness=[weakness])) == "classic_dm"


def test_classic_dm_does_not_revert_when_later_visits_show_no_weakness():
    assert subtype(visit("2024-02-01", weakness=["proximal_lower"]),
                   visit("2025-02-01"), visit("2026-05-01")) == "classic_dm"


def test_weakness_at_a_later_visit_is_classic_dm():
    assert subtype(visit("2024-02-01"), visit("2026-05-01", weakness=["neck_flexor"])) == \
        "classic_dm"


def test_weakness_comes_before_the_six_month_rule():
    assert subtype(visit("2024-02-01", weakness=["proximal_upper"]), as_of="2024-03-01") == \
        "classic_dm"


def test_weakness_recorded_after_as_of_is_ignored():
    facts = make(visit("2024-02-01"), visit("2026-07-01", weakness=["proximal_upper"]),
                 onset=ONSET)
    assert classification(facts, LATE).subtype == "amyopathic"


# 3. six months -------------------------------------------------------------------------------

@pytest.mark.parametrize("offset, expected", [(-1, "undetermined"), (0, "amyopathic"),
                                              (1, "amyopathic")])
def test_undetermined_edge_at_six_months(offset, expected):
    as_of = days(months(ONSET, 6), offset)  # onset + 6 months = 2024-07-15
    assert subtype(visit("2024-02-01"), as_of=as_of) == expected


@pytest.mark.parametrize("as_of, expected", [("2024-02-28", "undetermined"),
                                             ("2024-02-29", "amyopathic")])
def test_six_months_from_a_month_end_onset_is_clamped(as_of, expected):
    # 2023-08-31 + 6 months = 2024-02-29
    assert subtype(visit("2023-09-01"), onset="2023-08-31", as_of=as_of) == expected


def test_undetermined_even_with_a_muscle_abnormality():
    assert subtype(visit("2024-02-01"), lab("2024-02-01", "ck", 900, 192),
                   as_of="2024-05-01") == "undetermined"


def test_six_month_rule_is_a_parameter():
    as_of = months(ONSET, 3)
    assert subtype(visit("2024-02-01"), as_of=as_of) == "undetermined"
    assert subtype(visit("2024-02-01"), as_of=as_of,
                   overrides={"subtype.undetermined_months": 3}) == "amyopathic"


# 4. muscle abnormality -----------------------------------------------------------------------

@pytest.mark.parametrize("test", ["ck", "aldolase", "ldh", "ast", "alt"])
@pytest.mark.parametrize("value, expected", [(100, "amyopathic"), (100.1, "hypomyopathic"),
                                             (101, "hypomyopathic"), (99, "amyopathic")])
def test_enzyme_equal_to_uln_is_not_abnormal(test, value, expected):
    assert subtype(visit("2024-02-01"), lab("2024-03-01", test, value, uln=100)) == expected


@pytest.mark.parametrize("test", ["ferritin", "crp", "esr", "kl6"])
def test_non_muscle_labs_never_make_it_hypomyopathic(test):
    assert subtype(visit("2024-02-01"), lab("2024-03-01", test, 5000, uln=10)) == "amyopathic"


@pytest.mark.parametrize("sex, test, value, expected", [
    ("female", "ck", 192, "amyopathic"), ("female", "ck", 193, "hypomyopathic"),
    ("male", "ck", 308, "amyopathic"), ("male", "ck", 309, "hypomyopathic"),
    ("male", "ck", 250, "amyopathic"), ("female", "ck", 250, "hypomyopathic"),
    ("female", "aldolase", 7.6, "amyopathic"), ("female", "aldolase", 7.7, "hypomyopathic"),
    ("male", "ldh", 250, "amyopathic"), ("male", "ldh", 251, "hypomyopathic"),
    ("female", "ast", 40, "amyopathic"), ("female", "ast", 41, "hypomyopathic"),
    ("male", "alt", 56, "amyopathic"), ("male", "alt", 57, "hypomyopathic"),
])
def test_default_uln_by_analyte_and_sex_when_the_lab_gave_none(sex, test, value, expected):
    assert subtype(visit("2024-02-01"), lab("2024-03-01", test, value), sex=sex) == expected


def test_the_labs_own_uln_wins_over_the_default():
    assert subtype(visit("2024-02-01"), lab("2024-03-01", "ck", 300, uln=400)) == "amyopathic"
    assert subtype(visit("2024-02-01"), lab("2024-03-01", "ck", 150, uln=140)) == \
        "hypomyopathic"


def test_default_uln_is_a_parameter():
    facts = (visit("2024-02-01"), lab("2024-03-01", "ck", 193))
    assert subtype(*facts, overrides={"uln.ck_female": 200}) == "amyopathic"


@pytest.mark.parametrize("offset, expected", [(-1, "amyopathic"), (0, "hypomyopathic"),
                                              (1, "hypomyopathic")])
def test_enzyme_before_skin_onset_is_ignored(offset, expected):
    assert subtype(visit("2024-02-01"), lab(days(ONSET, offset), "ck", 900, 192)) == expected


@pytest.mark.parametrize("kind", ["mri", "emg", "biopsy"])
@pytest.mark.parametrize("offset, expected", [(-1, "amyopathic"), (0, "hypomyopathic")])
def test_abnormal_study_on_or_after_onset(kind, offset, expected):
    assert subtype(visit("2024-02-01"), study(days(ONSET, offset), kind)) == expected


@pytest.mark.parametrize("kind", ["mri", "emg", "biopsy"])
def test_normal_study_is_not_an_abnormality(kind):
    assert subtype(visit("2024-02-01"), study("2024-03-01", kind, abnormal=False)) == \
        "amyopathic"


def test_abnormality_after_as_of_is_ignored():
    facts = make(visit("2024-02-01"), lab("2026-07-01", "ck", 900, 192), onset=ONSET)
    assert classification(facts, LATE).subtype == "amyopathic"


def test_one_abnormal_result_among_normal_ones_is_enough():
    assert subtype(visit("2024-02-01"), lab("2024-03-01", "ck", 900, 192),
                   lab("2025-03-01", "ck", 90, 192)) == "hypomyopathic"


# confirmation and duration -------------------------------------------------------------------

@pytest.mark.parametrize("offset, expected", [(-1, "provisional"), (0, "confirmed"),
                                              (1, "confirmed")])
@pytest.mark.parametrize("records", [(), (lab("2024-03-01", "ck", 900, 192),)])
def test_confirmed_from_24_months(offset, expected, records):
    c = classification(make(visit("2024-02-01"), *records, onset=ONSET),
                       days(months(ONSET, 24), offset))
    assert c.subtype in ("amyopathic", "hypomyopathic")
    assert c.confirmation == expected


def test_provisional_from_six_months():
    c = classification(make(visit("2024-02-01"), onset=ONSET), months(ONSET, 6))
    assert (c.subtype, c.confirmation) == ("amyopathic", "provisional")


@pytest.mark.parametrize("records, as_of, kind", [
    ((visit("2024-02-01", weakness=["proximal_upper"]),), LATE, "classic_dm"),
    ((visit("2024-02-01"),), "2024-03-01", "undetermined"),
    ((visit("2024-02-01", skin=["v_sign"]),), LATE, "not_classifiable"),
])
def test_no_confirmation_for_other_subtypes(records, as_of, kind):
    c = classification(make(*records, onset=ONSET), as_of)
    assert (c.subtype, c.confirmation) == (kind, None)


def test_confirmation_threshold_is_a_parameter():
    c = classification(make(visit("2024-02-01"), onset=ONSET), months(ONSET, 12),
                       {"subtype.confirmed_months": 12})
    assert c.confirmation == "confirmed"


@pytest.mark.parametrize("as_of, expected", [("2024-01-15", 0), ("2024-07-14", 5),
                                             ("2024-07-15", 6), ("2026-01-15", 24),
                                             ("2026-03-10", 25)])
def test_skin_disease_months(as_of, expected):
    c = classification(make(visit("2024-01-15"), onset=ONSET), as_of)
    assert c.skin_disease_months == expected


def test_reason_names_the_evidence():
    c = classification(make(visit("2024-02-01"), lab("2024-03-01", "ck", 900, 192),
                            onset=ONSET))
    assert "2024-03-01" in c.reason
