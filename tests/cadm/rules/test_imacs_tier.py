"""IMACS 2023 cancer-risk tier and its factors (case-format.md "IMACS tier"; reference §1.2-1.3).
"""

import pytest

from tests.cadm.rules.builders import ab, lab, make, run, visit

ONSET = "2024-01-15"
AS_OF = "2025-06-01"        # 16 months of skin disease: no weakness → amyopathic (cadm)
YOUNG = "1994-01-01"        # 30 at onset: no age factor


def risk(*records, as_of=AS_OF, overrides=None, **patient):
    patient.setdefault("onset", ONSET)
    patient.setdefault("birth", YOUNG)
    return run(make(*records, **patient), as_of, overrides).cancer_risk


def skin_only(**kw):
    return visit("2024-02-01", **kw)


# applicability and the age factor ------------------------------------------------------------

@pytest.mark.parametrize("birth, tier", [("2006-01-16", "not_applicable"),   # 17 at onset
                                         ("2006-01-15", "moderate")])        # 18 at onset
def test_not_applicable_under_18_at_onset(birth, tier):
    r = risk(skin_only(), ab("2024-02-01", "mda5"), birth=birth)
    assert r.tier == tier


def test_not_applicable_has_no_factors_even_with_high_risk_features():
    r = risk(skin_only(weakness=["proximal_upper"]), ab("2024-02-01", "tif1g"),
             birth="2010-01-01", refractory=True)
    assert (r.tier, r.high_factors, r.intermediate_factors) == ("not_applicable", (), ())


@pytest.mark.parametrize("birth, factor", [
    ("1983-01-16", False),   # 40 at onset (41st birthday the next day)
    ("1983-01-15", True),    # 41 on the day of onset
    ("1973-01-16", True),    # 50
])
def test_age_over_40_in_completed_years_at_onset(birth, factor):
    r = risk(skin_only(), birth=birth)
    assert ("age_over_40" in r.high_factors) is factor


def test_age_is_taken_at_onset_not_at_as_of():
    r = risk(skin_only(), birth="1984-01-01", as_of="2030-01-01")  # 40 at onset, 46 later
    assert "age_over_40" not in r.high_factors


def test_age_factor_threshold_is_a_parameter():
    r = risk(skin_only(), birth="1979-01-01", overrides={"imacs.age_factor_over_years": 50})
    assert "age_over_40" not in r.high_factors


# each factor ---------------------------------------------------------------------------------

@pytest.mark.parametrize("records, patient, key", [
    ((skin_only(weakness=["proximal_lower"]),), {}, "classic_dm"),
    ((skin_only(), ab("2024-02-01", "tif1g")), {}, "tif1g"),
    ((skin_only(), ab("2024-02-01", "nxp2")), {}, "nxp2"),
    ((skin_only(),), {"birth": "1970-01-01"}, "age_over_40"),
    ((skin_only(),), {"refractory": True}, "refractory_disease"),
    ((skin_only(symptoms=["dysphagia_moderate_severe"]),), {}, "dysphagia"),
    ((skin_only(skin=["heliotrope", "skin_ulceration"]),), {}, "skin_ulceration"),
])
def test_each_high_factor(records, patient, key):
    r = risk(*records, **patient)
    assert key in r.high_factors
    assert r.high_factors.count(key) == 1


def test_mild_dysphagia_is_not_a_factor():
    assert "dysphagia" not in risk(skin_only(symptoms=["dysphagia_mild"])).high_factors


def test_high_features_at_an_earlier_visit_still_count():
    r = risk(skin_only(symptoms=["dysphagia_moderate_severe"], skin=["heliotrope",
                                                                    "skin_ulceration"]),
             visit("2025-05-01"))
    assert {"dysphagia", "skin_ulceration"} <= set(r.high_factors)


@pytest.mark.parametrize("records, patient, key", [
    ((skin_only(),), {}, "cadm"),
    ((skin_only(), ab("2024-02-01", "sae1")), {}, "sae1"),
    ((skin_only(), ab("2024-02-01", "hmgcr")), {}, "hmgcr"),
    ((skin_only(), ab("2024-02-01", "mi2")), {}, "mi2"),
    ((skin_only(), ab("2024-02-01", "mda5")), {}, "mda5"),
    ((skin_only(),), {"sex": "male"}, "male_sex"),
])
def test_each_intermediate_factor(records, patient, key):
    assert key in risk(*records, **patient).intermediate_factors


@pytest.mark.parametrize("records, as_of, expected", [
    ((skin_only(),), AS_OF, True),                                        # amyopathic
    ((skin_only(), lab("2024-03-01", "ck", 900, 192)), AS_OF, True),      # hypomyopathic
    ((skin_only(),), "2024-03-01", True),                                 # undetermined
    ((skin_only(weakness=["neck_flexor"]),), AS_OF, False),               # classic_dm
    ((skin_only(skin=["v_sign"]),), AS_OF, False),                        # not_classifiable
])
def test_cadm_factor_by_subtype(records, as_of, expected):
    assert ("cadm" in risk(*records, as_of=as_of).intermediate_factors) is expected


@pytest.mark.parametrize("antibody", ["srp", "jo1", "pl7", "pl12", "ej", "oj", "ro52",
                                      "pmscl", "ku"])
def test_low_risk_antibodies_are_not_factors(antibody):
    r = risk(skin_only(skin=["v_sign"]), ab("2024-02-01", antibody))
    assert (r.tier, r.high_factors, r.intermediate_factors) == ("standard", (), ())


@pytest.mark.parametrize("results, present", [
    (["positive"], True), (["negative"], False), (["equivocal"], False),
    (["positive", "negative"], False), (["negative", "positive"], True),
    (["positive", "equivocal"], False),
])
def test_antibody_factor_follows_the_most_recent_result(results, present):
    antibodies = [ab(f"2024-0{i + 2}-01", "tif1g", r) for i, r in enumerate(results)]
    assert ("tif1g" in risk(skin_only(), *antibodies).high_factors) is present


def test_antibody_result_after_as_of_is_ignored():
    r = risk(skin_only(), ab("2024-02-01", "tif1g"), ab("2025-07-01", "tif1g", "negative"))
    assert "tif1g" in r.high_factors


# tier ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("records, patient, tier", [
    ((skin_only(skin=["v_sign"]),), {}, "standard"),                          # nothing
    ((skin_only(),), {}, "standard"),                                         # cadm only
    ((skin_only(skin=["v_sign"]),), {"sex": "male"}, "standard"),              # male only
    ((skin_only(),), {"sex": "male"}, "moderate"),                             # 2 intermediate
    ((skin_only(skin=["v_sign"]), ab("2024-02-01", "tif1g")), {}, "moderate"),  # 1 high only
    ((skin_only(skin=["v_sign"]), ab("2024-02-01", "tif1g")), {"refractory": True},
     "high"),                                                                  # 2 high
    ((skin_only(), ab("2024-02-01", "tif1g"), ab("2024-02-01", "mda5"),
      ab("2024-02-01", "sae1")), {"sex": "male"}, "moderate"),                 # 1 high, 4 int.
])
def test_tier_rules(records, patient, tier):
    assert risk(*records, **patient).tier == tier


@pytest.mark.parametrize("records, birth, tier, high, intermediate", [
    ((ab("2024-02-01", "mda5"),), "1989-01-01", "moderate", (), ("cadm", "mda5")),
    ((ab("2024-02-01", "mda5"),), "1972-01-01", "moderate", ("age_over_40",),
     ("cadm", "mda5")),
    ((ab("2024-02-01", "tif1g"),), "1969-01-01", "high", ("tif1g", "age_over_40"),
     ("cadm",)),
])
def test_worked_cadm_examples_of_the_reference(records, birth, tier, high, intermediate):
    r = risk(skin_only(), *records, birth=birth)
    assert (r.tier, r.high_factors, r.intermediate_factors) == (tier, high, intermediate)


def test_seronegative_classic_dm_over_40_is_high():
    r = risk(skin_only(weakness=["proximal_upper"]), birth="1979-01-01")
    assert (r.tier, r.high_factors) == ("high", ("classic_dm", "age_over_40"))


def test_factor_names_follow_the_contract_order():
    r = risk(visit("2024-02-01", weakness=["proximal_upper"],
                   skin=["heliotrope", "skin_ulceration"],
                   symptoms=["dysphagia_moderate_severe"]),
             *(ab("2024-02-01", a) for a in ("mda5", "mi2", "hmgcr", "sae1", "nxp2", "tif1g")),
             birth="1960-01-01", sex="male", refractory=True)
    assert r.high_factors == ("classic_dm", "tif1g", "nxp2", "age_over_40",
                              "refractory_disease", "dysphagia", "skin_ulceration")
    assert r.intermediate_factors == ("sae1", "hmgcr", "mi2", "mda5", "male_sex")


@pytest.mark.parametrize("overrides, tier", [
    ({"imacs.high_min_high_factors": 3}, "moderate"),
    ({"imacs.high_min_high_factors": 1}, "high"),
])
def test_tier_counts_are_parameters(overrides, tier):
    r = risk(skin_only(skin=["v_sign"]), ab("2024-02-01", "tif1g"), refractory=True,
             overrides=overrides)
    assert r.tier == tier


def test_moderate_intermediate_count_is_a_parameter():
    r = risk(skin_only(), sex="male", overrides={"imacs.moderate_min_intermediate_factors": 3})
    assert r.tier == "standard"
