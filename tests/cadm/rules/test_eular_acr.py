"""EULAR/ACR 2017 score, category, probability and subgroup (case-format.md; reference §2).

Patients are built from item names so each expected score is the sum of the §2.1 weights,
typed here independently of the module.
"""

import math

import pytest

from tests.cadm.rules.builders import ab, lab, make, run, study, visit

ONSET = "2024-01-15"
AS_OF = "2025-06-01"
# Birth dates giving an age at onset of 30 (18-39 item), 45 (≥ 40 item) and 12 (no age item).
BIRTH = {"age_18_to_40": "1994-01-01", "age_40_plus": "1979-01-01", None: "2012-01-01"}
SKIN = ("heliotrope", "gottron_papules", "gottron_sign")
WEAKNESS = ("proximal_upper", "proximal_lower", "neck_flexor", "proximal_leg_over_distal")
BIOPSY = ("endomysial_infiltrate", "perimysial_perivascular_infiltrate",
          "perifascicular_atrophy", "rimmed_vacuoles")


def patient_with(*items, biopsy=False):
    """Facts holding exactly the named items (plus a biopsy when `biopsy` or a finding)."""
    age = next((i for i in items if i.startswith("age_")), None)
    skin = [i for i in items if i in SKIN]
    weak = [i for i in items if i in WEAKNESS]
    symptoms = ["dysphagia_mild"] if "dysphagia" in items else []
    records = [visit("2024-02-01", skin=skin, weakness=weak, symptoms=symptoms)]
    if "anti_jo1" in items:
        records.append(ab("2024-02-01", "jo1"))
    if "enzymes_above_uln" in items:
        records.append(lab("2024-02-01", "ck", 500, 192))
    findings = [i for i in items if i in BIOPSY]
    if biopsy or findings:
        records.append(study("2024-02-10", "biopsy", bool(findings), findings))
    return make(*records, birth=BIRTH[age], onset=ONSET)


def score_of(*items, biopsy=False):
    return run(patient_with(*items, biopsy=biopsy), AS_OF).classification.eular_acr


@pytest.mark.parametrize("items, score, category", [
    (("heliotrope", "age_40_plus"), 5.2, "not_iim"),
    (("proximal_upper", "gottron_sign", "age_18_to_40"), 5.3, "possible"),
    (("gottron_sign", "age_40_plus"), 5.4, "possible"),
    (("proximal_leg_over_distal", "gottron_sign", "age_18_to_40"), 5.5, "probable"),
    (("proximal_upper", "gottron_papules", "gottron_sign", "age_18_to_40"), 7.4, "probable"),
    (("gottron_papules", "gottron_sign", "age_40_plus"), 7.5, "definite"),
    (("heliotrope", "gottron_papules", "gottron_sign", "age_40_plus"), 10.6, "definite"),
    (("gottron_papules", "age_18_to_40"), 3.4, "not_iim"),          # §2.3 worked examples
    (("heliotrope", "gottron_papules", "age_40_plus"), 7.3, "probable"),
])
def test_cut_offs_without_biopsy(items, score, category):
    e = score_of(*items)
    assert (e.with_biopsy, e.score, e.category) == (False, score, category)


@pytest.mark.parametrize("items, score, category", [
    (("gottron_papules", "gottron_sign"), 6.4, "not_iim"),
    (("gottron_papules", "anti_jo1"), 6.5, "possible"),
    (("proximal_upper", "gottron_sign", "age_40_plus"), 6.6, "possible"),
    (("proximal_upper", "anti_jo1", "age_40_plus"), 6.7, "probable"),
    (("gottron_papules", "gottron_sign", "age_40_plus"), 8.6, "probable"),
    (("gottron_papules", "anti_jo1", "age_40_plus"), 8.7, "definite"),
])
def test_cut_offs_with_biopsy(items, score, category):
    e = score_of(*items, biopsy=True)
    assert (e.with_biopsy, e.score, e.category) == (True, score, category)


@pytest.mark.parametrize("items, biopsy, constant", [
    (("heliotrope", "age_40_plus"), False, 5.33),
    (("proximal_leg_over_distal", "gottron_sign", "age_18_to_40"), False, 5.33),
    (("gottron_papules", "gottron_sign", "age_40_plus"), False, 5.33),
    (("gottron_papules", "anti_jo1"), True, 6.49),
    (("gottron_papules", "anti_jo1", "age_40_plus"), True, 6.49),
    ((), False, 5.33),
])
def test_probability_formula(items, biopsy, constant):
    e = score_of(*items, biopsy=biopsy)
    assert e.probability == pytest.approx(1 / (1 + math.exp(constant - e.score)), abs=0.001)


def test_probability_constant_is_a_parameter():
    facts = patient_with("heliotrope", "age_40_plus")
    e = run(facts, AS_OF, {"eular.logit_constant_no_biopsy": 5.2}).classification.eular_acr
    assert e.probability == pytest.approx(0.5, abs=0.001)


@pytest.mark.parametrize("item, without, with_", [
    ("age_18_to_40", 1.3, 1.5), ("age_40_plus", 2.1, 2.2),
    ("proximal_upper", 0.7, 0.7), ("proximal_lower", 0.8, 0.5), ("neck_flexor", 1.9, 1.6),
    ("proximal_leg_over_distal", 0.9, 1.2), ("heliotrope", 3.1, 3.2),
    ("gottron_papules", 2.1, 2.7), ("gottron_sign", 3.3, 3.7), ("dysphagia", 0.7, 0.6),
    ("anti_jo1", 3.9, 3.8), ("enzymes_above_uln", 1.3, 1.4),
])
def test_item_weights_in_both_columns(item, without, with_):
    assert score_of(item).score == without
    assert score_of(item, biopsy=True).score == with_


@pytest.mark.parametrize("finding, points", [
    ("endomysial_infiltrate", 1.7), ("perimysial_perivascular_infiltrate", 1.2),
    ("perifascicular_atrophy", 1.9), ("rimmed_vacuoles", 3.1)])
def test_biopsy_findings_score_only_in_the_biopsy_column(finding, points):
    e = score_of(finding)
    assert (e.with_biopsy, e.score) == (True, points)


def test_a_normal_biopsy_switches_to_the_biopsy_column():
    e = score_of("heliotrope", biopsy=True)
    assert (e.with_biopsy, e.score) == (True, 3.2)


@pytest.mark.parametrize("kind", ["mri", "emg"])
def test_mri_or_emg_does_not_switch_column(kind):
    facts = make(visit("2024-02-01"), study("2024-02-10", kind), onset=ONSET)
    assert run(facts, AS_OF).classification.eular_acr.with_biopsy is False


@pytest.mark.parametrize("birth, points", [
    ("2006-01-16", 0.0),    # 17 at onset
    ("2006-01-15", 1.3),    # 18 on the day of onset
    ("1984-01-16", 1.3),    # 39
    ("1984-01-15", 2.1),    # 40 on the day of onset
    ("1950-01-01", 2.1),
])
def test_age_item_uses_age_at_skin_onset(birth, points):
    facts = make(visit("2024-02-01", skin=[]), birth=birth, onset=ONSET)
    assert run(facts, AS_OF).classification.eular_acr.score == points


@pytest.mark.parametrize("test, counts", [("ck", True), ("ldh", True), ("ast", True),
                                          ("alt", True), ("aldolase", False)])
def test_enzyme_item_analytes(test, counts):
    facts = make(visit("2024-02-01", skin=[]), lab("2024-02-01", test, 500, 100),
                 birth=BIRTH[None], onset=ONSET)
    assert run(facts, AS_OF).classification.eular_acr.score == (1.3 if counts else 0.0)


@pytest.mark.parametrize("value, uln, sex, points", [
    (100, 100, "female", 0.0), (101, 100, "female", 1.3),
    (192, None, "female", 0.0), (193, None, "female", 1.3), (300, None, "male", 0.0)])
def test_enzyme_item_is_above_the_uln(value, uln, sex, points):
    facts = make(visit("2024-02-01", skin=[]), lab("2024-02-01", "ck", value, uln),
                 birth=BIRTH[None], onset=ONSET, sex=sex)
    assert run(facts, AS_OF).classification.eular_acr.score == points


def test_enzyme_item_counts_a_result_before_skin_onset():
    facts = make(visit("2024-02-01", skin=[]), lab("2023-06-01", "ck", 500, 100),
                 birth=BIRTH[None], onset=ONSET)
    assert run(facts, AS_OF).classification.eular_acr.score == 1.3


def test_items_after_as_of_do_not_count():
    facts = make(visit("2024-02-01"), visit("2025-07-01", skin=["gottron_sign"]),
                 birth=BIRTH[None], onset=ONSET)
    assert run(facts, AS_OF).classification.eular_acr.score == 3.1


@pytest.mark.parametrize("symptoms, points", [(["dysphagia_mild"], 0.7),
                                              (["dysphagia_moderate_severe"], 0.7),
                                              (["dysphagia_mild", "dysphagia_moderate_severe"],
                                               0.7), (["dyspnea"], 0.0)])
def test_dysphagia_item_counts_once(symptoms, points):
    facts = make(visit("2024-02-01", skin=[], symptoms=symptoms), birth=BIRTH[None],
                 onset=ONSET)
    assert run(facts, AS_OF).classification.eular_acr.score == points


@pytest.mark.parametrize("results, points", [(["positive"], 3.9), (["negative"], 0.0),
                                             (["positive", "negative"], 0.0),
                                             (["negative", "positive"], 3.9),
                                             (["positive", "equivocal"], 0.0)])
def test_anti_jo1_by_its_most_recent_result(results, points):
    antibodies = [ab(f"2024-0{i + 2}-01", "jo1", r) for i, r in enumerate(results)]
    facts = make(visit("2024-02-01", skin=[]), *antibodies, birth=BIRTH[None], onset=ONSET)
    assert run(facts, AS_OF).classification.eular_acr.score == points


def test_skin_and_weakness_items_count_across_visits_once_each():
    facts = make(visit("2024-02-01", skin=["heliotrope"], weakness=["proximal_upper"]),
                 visit("2024-05-01", skin=["heliotrope", "gottron_sign"],
                       weakness=["proximal_upper"]), birth=BIRTH[None], onset=ONSET)
    assert run(facts, AS_OF).classification.eular_acr.score == 7.1


def test_scored_items_are_listed():
    e = score_of("heliotrope", "age_40_plus")
    assert dict(e.items) == {"heliotrope": 3.1, "age_40_plus": 2.1}


# category parameters -------------------------------------------------------------------------

def test_cut_offs_are_parameters():
    facts = patient_with("heliotrope", "age_40_plus")   # 5.2
    e = run(facts, AS_OF, {"eular.possible_no_biopsy": 5.0,
                           "eular.probable_no_biopsy": 5.2}).classification.eular_acr
    assert e.category == "probable"


# subgroup tree (§2.3) ------------------------------------------------------------------------

@pytest.mark.parametrize("items, biopsy, subgroup", [
    (("heliotrope", "gottron_sign"), False, "juvenile_dm"),                    # 6.4, age 12
    (("anti_jo1", "neck_flexor"), False, "juvenile_other"),                    # 5.8, age 12
    (("heliotrope", "gottron_sign", "proximal_upper", "age_40_plus"), False, "dm"),
    (("heliotrope", "gottron_sign", "age_40_plus"), False, "amyopathic_dm"),
    (("rimmed_vacuoles", "anti_jo1", "age_40_plus"), True, "ibm"),             # 9.1
    (("perifascicular_atrophy", "endomysial_infiltrate", "neck_flexor", "age_40_plus"), True,
     "pm"),                                                                    # 7.4
    (("anti_jo1", "neck_flexor", "age_40_plus"), False, "pm"),                 # 7.9
    (("heliotrope", "gottron_sign", "rimmed_vacuoles", "age_40_plus"), True,
     "amyopathic_dm"),                                                         # skin first
    (("heliotrope", "gottron_sign", "rimmed_vacuoles", "proximal_lower", "age_40_plus"),
     True, "dm"),
])
def test_subgroup_tree(items, biopsy, subgroup):
    e = score_of(*items, biopsy=biopsy)
    assert e.category in ("probable", "definite")
    assert e.subgroup == subgroup


@pytest.mark.parametrize("items", [("heliotrope", "age_40_plus"),                  # not_iim
                                   ("gottron_sign", "age_40_plus"),                 # possible
                                   ("proximal_upper", "gottron_sign", "age_18_to_40")])
def test_no_subgroup_below_probable(items):
    e = score_of(*items)
    assert e.category in ("not_iim", "possible")
    assert e.subgroup is None


@pytest.mark.parametrize("birth, subgroup", [("2006-01-16", "juvenile_dm"),
                                             ("2006-01-15", "amyopathic_dm")])
def test_juvenile_edge_is_age_18_at_onset(birth, subgroup):
    facts = make(visit("2024-02-01", skin=["heliotrope", "gottron_sign"]), birth=birth,
                 onset=ONSET)
    assert run(facts, AS_OF).classification.eular_acr.subgroup == subgroup
