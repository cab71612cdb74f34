"""Rule-set parameters: specs, validation, and that the engine reads them (not constants)."""

import pytest

from cadm.rules.params import DEFAULTS, SEVERITIES, SPEC_BY_KEY, SPECS, ParamError, validate_params
from tests.cadm.rules.builders import ab, flag, hrct, lab, make, pft, run, visit, walk

LABELS = {"VERIFIED-P", "VERIFIED-S", "VERIFIED-T", "UNVERIFIED"}

# case-format.md flag table: code -> default severity
CONTRACT_SEVERITIES = {
    "RECLASSIFY": "warning", "ENHANCED_CANCER_SCREENING": "warning",
    "CANCER_SCREENING_OVERDUE": "warning", "CANCER_RED_FLAGS": "warning",
    "LUNG_BASELINE_MISSING": "critical", "LUNG_MONITORING_OVERDUE": "warning",
    "ILD_PROGRESSION": "warning", "EXERTIONAL_DESATURATION": "warning",
    "MDA5_RPILD_MARKERS": "critical", "MDA5_RESPIRATORY_SYMPTOMS": "critical",
    "HCQ_DOSE_ABOVE_LIMIT": "warning", "HCQ_EYE_SCREENING_DUE": "warning",
}

# case-format.md "Semantics under rule-set version 1": the numbers the defaults must hold.
CONTRACT_DEFAULTS = {
    "subtype.undetermined_months": 6, "subtype.confirmed_months": 24,
    "eular.possible_no_biopsy": 5.3, "eular.probable_no_biopsy": 5.5,
    "eular.definite_no_biopsy": 7.5, "eular.possible_biopsy": 6.5,
    "eular.probable_biopsy": 6.7, "eular.definite_biopsy": 8.7,
    "eular.logit_constant_no_biopsy": 5.33, "eular.logit_constant_biopsy": 6.49,
    "imacs.adult_age_years": 18, "imacs.age_factor_over_years": 40,
    "imacs.high_min_high_factors": 2, "imacs.moderate_min_intermediate_factors": 2,
    "screening.first_due_months": 3, "screening.first_window_before_months": 6,
    "screening.first_window_after_months": 9, "screening.followup_count": 3,
    "screening.moderate_followup_count": 0, "screening.followup_interval_months": 12,
    "screening.followup_window_before_months": 3, "screening.followup_window_after_months": 9,
    "screening.overdue_grace_days": 60, "lung.baseline_lookback_days": 90,
    "lung.mda5_pft_interval_days": 90, "lung.mda5_early_months": 12,
    "lung.pft_interval_days": 180, "lung.fvc_decline_points": 5.0,
    "lung.dlco_decline_points": 10.0, "lung.decline_window_days": 365,
    "lung.desaturation_spo2_pct": 88.0, "mda5.marker_window_days": 90,
    "mda5.ferritin_ng_ml": 1500.0, "mda5.kl6_u_ml": 1600.0, "hcq.max_mg_per_kg": 5.0,
    "hcq.baseline_exam_window_days": 365, "hcq.annual_from_years": 5,
    "hcq.annual_interval_days": 365, "severity.ILD_PROGRESSION.mda5": "critical",
}


def with_(**changes):
    values = dict(DEFAULTS)
    values.update({k.replace("__", "."): v for k, v in changes.items()})
    return values


def problems(values) -> dict:
    with pytest.raises(ParamError) as exc:
        validate_params(values)
    return exc.value.problems


# specs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.key)
def test_every_parameter_has_citation_evidence_rule_and_description(spec):
    assert spec.citation.strip()
    assert spec.evidence in LABELS
    assert spec.rule and spec.description and spec.unit
    if spec.kind == "severity":
        assert spec.default in SEVERITIES
    else:
        assert spec.minimum <= spec.default <= spec.maximum


def test_keys_are_unique():
    assert len(SPEC_BY_KEY) == len(SPECS)


@pytest.mark.parametrize("key, value", CONTRACT_DEFAULTS.items())
def test_defaults_hold_the_contract_numbers(key, value):
    assert DEFAULTS[key] == value


@pytest.mark.parametrize("code, severity", CONTRACT_SEVERITIES.items())
def test_default_severities_follow_the_contract(code, severity):
    assert DEFAULTS[f"severity.{code}"] == severity


def test_defaults_validate_and_keep_ints_as_ints():
    clean = validate_params(dict(DEFAULTS))
    assert clean == dict(DEFAULTS)
    assert isinstance(clean["lung.pft_interval_days"], int)


def test_whole_float_for_an_int_becomes_an_int():
    clean = validate_params(with_(lung__pft_interval_days=120.0))
    assert clean["lung.pft_interval_days"] == 120
    assert isinstance(clean["lung.pft_interval_days"], int)


def test_int_for_a_float_parameter_is_accepted():
    assert validate_params(with_(lung__fvc_decline_points=4))["lung.fvc_decline_points"] == 4


# validation failures -------------------------------------------------------------------------

def test_missing_key_is_rejected():
    values = dict(DEFAULTS)
    del values["lung.fvc_decline_points"]
    assert problems(values) == {"lung.fvc_decline_points": "missing"}


def test_unknown_key_is_rejected():
    assert problems(with_(lung__fvc_decline_pct=5)) == {"lung.fvc_decline_pct":
                                                        "unknown parameter"}


@pytest.mark.parametrize("key, value", [
    ("lung.fvc_decline_points", 0.5), ("lung.fvc_decline_points", 31),
    ("hcq.max_mg_per_kg", 0), ("lung.pft_interval_days", 29),
    ("lung.pft_interval_days", 731), ("screening.overdue_grace_days", -1),
    ("mda5.ferritin_ng_ml", float("inf")), ("mda5.ferritin_ng_ml", float("nan")),
])
def test_value_out_of_range_is_rejected(key, value):
    assert key in problems(with_(**{key.replace(".", "__"): value}))


@pytest.mark.parametrize("key, value", [
    ("lung.pft_interval_days", 180.5), ("screening.followup_count", 2.5),
    ("subtype.undetermined_months", 6.1)])
def test_non_integer_for_an_int_is_rejected(key, value):
    assert "whole number" in problems(with_(**{key.replace(".", "__"): value}))[key]


@pytest.mark.parametrize("value", ["5", None, True, [5]])
def test_non_number_is_rejected(value):
    assert "lung.fvc_decline_points" in problems(with_(lung__fvc_decline_points=value))


@pytest.mark.parametrize("value", ["high", "Warning", "", None, 2])
def test_bad_severity_is_rejected(value):
    assert "not a severity" in problems(with_(**{"severity.RECLASSIFY": value}))[
        "severity.RECLASSIFY"]


def test_bad_severity_for_the_mda5_progression_variant_is_rejected():
    assert "severity.ILD_PROGRESSION.mda5" in problems(
        with_(**{"severity.ILD_PROGRESSION.mda5": "urgent"}))


@pytest.mark.parametrize("changes", [
    {"eular.possible_no_biopsy": 5.6},                  # possible above probable
    {"eular.definite_no_biopsy": 5.4},                  # definite below probable
    {"eular.possible_biopsy": 6.8},
    {"eular.definite_biopsy": 6.6},
])
def test_misordered_eular_cut_offs_are_rejected(changes):
    assert "possible ≤ probable ≤ definite" in " ".join(problems(with_(**changes)).values())


def test_subtype_months_must_be_in_order():
    assert "subtype.confirmed_months" in problems(
        with_(subtype__undetermined_months=12, subtype__confirmed_months=10))


def test_every_problem_is_reported_at_once():
    values = with_(lung__pft_interval_days=1, hcq__max_mg_per_kg="x", extra=1)
    del values["mda5.kl6_u_ml"]
    assert set(problems(values)) == {"lung.pft_interval_days", "hcq.max_mg_per_kg", "extra",
                                     "mda5.kl6_u_ml"}


def test_param_error_message_names_the_key():
    with pytest.raises(ParamError, match="lung.pft_interval_days"):
        validate_params(with_(lung__pft_interval_days=1))


def test_evaluate_refuses_invalid_parameters():
    with pytest.raises(ParamError):
        run(make(visit("2025-01-01")), "2025-06-01", {"lung.fvc_decline_points": 0})


# parameters change outcomes ------------------------------------------------------------------

def lung_patient():
    return make(visit("2024-02-01"), pft("2025-03-01", 82, 70), pft("2026-01-10", 77.5, 70),
                onset="2024-01-10", diagnosis="2024-02-01")


def test_fvc_decline_parameter_changes_the_outcome():
    assert run(lung_patient(), "2026-02-01").flag("ILD_PROGRESSION") is None
    ev = run(lung_patient(), "2026-02-01", {"lung.fvc_decline_points": 4})
    assert ev.flag("ILD_PROGRESSION") is not None
    assert "FVC ≥ 4," in ev.flag("ILD_PROGRESSION").detail


@pytest.mark.parametrize("code, facts, as_of", [
    ("CANCER_RED_FLAGS", make(visit("2025-01-01", symptoms=["fever"])), "2025-06-01"),
    ("EXERTIONAL_DESATURATION", make(walk("2025-01-01", 85)), "2025-06-01"),
    ("LUNG_BASELINE_MISSING", make(ab("2025-01-01", "mda5")), "2025-06-01"),
    ("MDA5_RPILD_MARKERS", make(ab("2025-01-01", "mda5"), lab("2025-05-01", "kl6", 2000)),
     "2025-06-01"),
    ("LUNG_MONITORING_OVERDUE", make(hrct("2025-01-01")), "2025-06-01"),
])
@pytest.mark.parametrize("severity", SEVERITIES)
def test_severity_parameters_are_used(code, facts, as_of, severity):
    f = flag(facts, as_of, code, {f"severity.{code}": severity})
    assert f.severity == severity


def test_classification_parameters_change_the_outcome():
    facts = make(visit("2024-02-01", skin=["heliotrope", "gottron_papules"]),
                 birth="1980-01-01", onset="2024-01-10")
    ev = run(facts, "2024-09-01")
    assert ev.classification.eular_acr.category == "probable"     # 7.3
    ev = run(facts, "2024-09-01", {"eular.definite_no_biopsy": 7.3})
    assert ev.classification.eular_acr.category == "definite"
