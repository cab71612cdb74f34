"""What every flag looks like: order, summary length, provenance (DESIGN §5, case-format.md)."""

import pytest

from cadm.rules.criteria.common import make_flag
from cadm.rules.outcomes import SEVERITY_ORDER
from cadm.rules.params import DEFAULTS, SPEC_BY_KEY
from tests.cadm.rules.builders import (
    ab,
    codes,
    eye,
    hrct,
    lab,
    make,
    med,
    pft,
    run,
    screen,
    visit,
    walk,
)

LABELS = {"VERIFIED-P", "VERIFIED-S", "VERIFIED-T", "UNVERIFIED"}


def kitchen_sink():
    """A patient who fires nearly every rule at once on 2031-03-01."""
    return make(
        visit("2025-02-01", weight=50, skin=["heliotrope", "gottron_papules", "skin_ulceration",
                                               "mechanics_hands"],
              symptoms=["dysphagia_moderate_severe"]),
        visit("2031-02-20", weight=50, symptoms=["weight_loss", "night_sweats", "fever",
                                                 "dyspnea", "dry_cough"]),
        ab("2025-02-01", "mda5", grade=3), ab("2025-02-01", "tif1g"), ab("2025-02-01", "nxp2"),
        lab("2031-02-01", "ferritin", 9999), lab("2031-02-01", "kl6", 4999),
        lab("2031-02-01", "ldh", 2999), lab("2031-02-01", "crp", 299),
        pft("2030-03-01", 90, 80, 3.5), pft("2030-06-01", 60, 40, 2.0),
        hrct("2030-03-01", ild=True, score=200),
        walk("2030-06-01", 80),
        med("2025-03-01", 400),
        eye("2020-01-01"),
        screen("2025-03-01", "basic"), screen("2025-03-01", "enhanced"),
        birth="1960-01-01", onset="2025-01-10", diagnosis="2028-02-01", sex="male",
        recorded="classic_dm", refractory=True, npc=True)


@pytest.fixture(scope="module")
def evaluation():
    return run(kitchen_sink(), "2031-03-01")


def test_kitchen_sink_fires_most_rules(evaluation):
    assert len(evaluation.flags) >= 18, codes(evaluation)


def test_flags_are_sorted_most_severe_first(evaluation):
    ranks = [SEVERITY_ORDER[f.severity] for f in evaluation.flags]
    assert ranks == sorted(ranks)
    assert evaluation.flags[0].severity == "critical"
    assert evaluation.flags[-1].severity == "info"


def test_flags_of_equal_severity_are_ordered_by_code(evaluation):
    keys = [(SEVERITY_ORDER[f.severity], f.code) for f in evaluation.flags]
    assert keys == sorted(keys)


def test_every_summary_is_under_140_characters(evaluation):
    for f in evaluation.flags:
        assert 0 < len(f.summary) < 140, f.code


def test_every_flag_has_a_citation_and_evidence_label(evaluation):
    for f in evaluation.flags:
        assert f.citation.strip(), f.code
        assert f.evidence_label in LABELS, f.code
        assert f.detail.strip(), f.code


def test_every_flag_code_has_a_severity_parameter(evaluation):
    for f in evaluation.flags:
        assert f"severity.{f.code}" in SPEC_BY_KEY


def test_unverified_flags_say_pending_clinical_validation(evaluation):
    unverified = [f for f in evaluation.flags if f.evidence_label == "UNVERIFIED"]
    assert unverified
    for f in unverified:
        assert "pending clinical validation" in f.detail, f.code
    for f in evaluation.flags:
        if f.evidence_label != "UNVERIFIED":
            assert "pending clinical validation" not in f.detail, f.code


def test_flag_dict_has_the_contract_fields(evaluation):
    for f in evaluation.flags:
        d = f.as_dict()
        assert {"code", "severity", "summary", "evidence", "citation"} <= set(d)
        assert d["severity"] in ("info", "warning", "critical")
        for e in d["evidence"]:
            assert {"kind", "date", "label", "value"} <= set(e)


def test_make_flag_truncates_a_long_summary_and_marks_unverified():
    f = make_flag("MCK_COUNT", dict(DEFAULTS), "x" * 300, "Detail.", [], "cite", "UNVERIFIED")
    assert len(f.summary) < 140
    assert f.detail.endswith("pending clinical validation.")


def test_overdue_summary_with_many_items_stays_short():
    facts = make(visit("2020-02-01"), ab("2020-02-01", "tif1g"), birth="1950-01-01",
                 onset="2020-01-10", diagnosis="2020-02-01")
    f = run(facts, "2025-01-01").flag("CANCER_SCREENING_OVERDUE")
    assert len(f.evidence) == 5
    assert len(f.summary) < 140


def test_evaluation_as_dict_round_trips_the_main_sections(evaluation):
    d = evaluation.as_dict()
    assert d["rule_set_version"] == 1
    assert d["classification"]["subtype"] == evaluation.classification.subtype
    assert d["cancer_risk"]["tier"] == evaluation.cancer_risk.tier
    assert [f["code"] for f in d["flags"]] == [f.code for f in evaluation.flags]
    assert len(d["screening_plan"]) == len(evaluation.screening_plan)
