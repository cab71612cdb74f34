"""Every threshold, interval and severity of the rules, as validated data.

A rule-set version stores a value for each key below; version 1 holds the defaults, which are
the semantics of ../shared/case-format.md. Each parameter names its unit, its accepted range,
the rule it belongs to, its source and the source's evidence label (clinical-reference.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from . import citations as c
from .vocabulary import DRUGS

SEVERITIES = ("info", "warning", "critical")

# Highest daily dose accepted at entry, per drug of vocabulary.DRUGS (mg/day). Typo guards,
# UNVERIFIED: wide enough for pulses and IVIG, narrow enough to refuse 40,000 mg of HCQ.
_DOSE_MAXIMA = {
    "hydroxychloroquine": 1200, "chloroquine": 1000, "prednisolone": 250,
    "methylprednisolone": 1000, "methotrexate": 50, "mycophenolate": 4000,
    "azathioprine": 400, "tacrolimus": 40, "ciclosporin": 1000, "cyclophosphamide": 3000,
    "rituximab": 2000, "ivig": 200_000, "tofacitinib": 40, "other": 200_000,
}


@dataclass(frozen=True)
class ParamSpec:
    key: str
    default: int | float | str
    unit: str
    minimum: float | None
    maximum: float | None
    rule: str
    citation: str
    evidence: str
    description: str

    @property
    def kind(self) -> str:
        if self.unit == "severity":
            return "severity"
        return "int" if isinstance(self.default, int) else "float"


def _p(key, default, unit, lo, hi, rule, citation, evidence, description) -> ParamSpec:
    return ParamSpec(key, default, unit, lo, hi, rule, citation, evidence, description)


def _sev(code: str, default: str, citation: str, evidence: str) -> ParamSpec:
    return ParamSpec(f"severity.{code}", default, "severity", None, None, code, citation,
                     evidence, f"Severity of {code}")


SPECS: tuple[ParamSpec, ...] = (
    # Classification (Sontheimer; clinical-reference.md §3.1)
    _p("subtype.undetermined_months", 6, "months", 1, 24, "SUBTYPE", c.SONTHEIMER_2002,
       "VERIFIED-S", "Skin disease shorter than this is 'undetermined'"),
    _p("subtype.confirmed_months", 24, "months", 6, 120, "SUBTYPE", c.SONTHEIMER_2002,
       "VERIFIED-S", "From this duration of skin-only disease the subtype is 'confirmed'"),
    _p("uln.ck_female", 192, "U/L", 1, 2000, "SUBTYPE", c.LAB_INTERVALS, "VERIFIED-S",
       "CK upper limit for women when the lab gave none (Mayo)"),
    _p("uln.ck_male", 308, "U/L", 1, 2000, "SUBTYPE", c.LAB_INTERVALS, "VERIFIED-S",
       "CK upper limit for men when the lab gave none (Mayo)"),
    _p("uln.aldolase", 7.6, "U/L", 0.1, 100, "SUBTYPE", c.LAB_INTERVALS, "VERIFIED-S",
       "Aldolase upper limit when the lab gave none (ARUP)"),
    _p("uln.ldh", 250, "U/L", 1, 2000, "SUBTYPE", c.LAB_INTERVALS, "UNVERIFIED",
       "LDH upper limit when the lab gave none"),
    _p("uln.ast", 40, "U/L", 1, 1000, "SUBTYPE", c.LAB_INTERVALS, "VERIFIED-T",
       "AST upper limit when the lab gave none"),
    _p("uln.alt", 56, "U/L", 1, 1000, "SUBTYPE", c.LAB_INTERVALS, "VERIFIED-T",
       "ALT upper limit when the lab gave none"),
    # EULAR/ACR 2017 (§2.2)
    _p("eular.possible_no_biopsy", 5.3, "points", 0, 20, "EULAR_ACR", c.EULAR_ACR_2017,
       "VERIFIED-P", "Score from which the category is 'possible' (no biopsy)"),
    _p("eular.probable_no_biopsy", 5.5, "points", 0, 20, "EULAR_ACR", c.EULAR_ACR_2017,
       "VERIFIED-P", "Score from which the category is 'probable' (no biopsy)"),
    _p("eular.definite_no_biopsy", 7.5, "points", 0, 20, "EULAR_ACR", c.EULAR_ACR_2017,
       "VERIFIED-P", "Score from which the category is 'definite' (no biopsy)"),
    _p("eular.possible_biopsy", 6.5, "points", 0, 25, "EULAR_ACR", c.EULAR_ACR_2017,
       "VERIFIED-P", "Score from which the category is 'possible' (with biopsy)"),
    _p("eular.probable_biopsy", 6.7, "points", 0, 25, "EULAR_ACR", c.EULAR_ACR_2017,
       "VERIFIED-P", "Score from which the category is 'probable' (with biopsy)"),
    _p("eular.definite_biopsy", 8.7, "points", 0, 25, "EULAR_ACR", c.EULAR_ACR_2017,
       "VERIFIED-P", "Score from which the category is 'definite' (with biopsy)"),
    _p("eular.logit_constant_no_biopsy", 5.33, "points", 0, 20, "EULAR_ACR", c.EULAR_ACR_2017,
       "UNVERIFIED", "c in P = 1/(1+exp(c - score)), no biopsy"),
    _p("eular.logit_constant_biopsy", 6.49, "points", 0, 25, "EULAR_ACR", c.EULAR_ACR_2017,
       "UNVERIFIED", "c in P = 1/(1+exp(c - score)), with biopsy"),
    _p("eular.adult_age_years", 18, "years", 1, 30, "EULAR_ACR", c.EULAR_ACR_2017,
       "VERIFIED-S", "Age at onset from which the adult branch and age items apply"),
    _p("eular.older_age_years", 40, "years", 18, 90, "EULAR_ACR", c.EULAR_ACR_2017,
       "VERIFIED-S", "Age at onset from which the higher age item applies"),
    # IMACS 2023 (§1.2-1.5)
    _p("imacs.adult_age_years", 18, "years", 1, 30, "IMACS_TIER", c.IMACS_2023, "VERIFIED-P",
       "Below this age at onset, IIM-specific screening is not routinely required"),
    _p("imacs.age_factor_over_years", 40, "years", 18, 90, "IMACS_TIER", c.IMACS_2023,
       "VERIFIED-S", "Age at onset above which age is a high-risk factor"),
    _p("imacs.high_min_high_factors", 2, "factors", 1, 10, "IMACS_TIER", c.IMACS_2023,
       "VERIFIED-T", "High tier from this many high-risk factors"),
    _p("imacs.moderate_min_intermediate_factors", 2, "factors", 1, 10, "IMACS_TIER",
       c.IMACS_2023, "VERIFIED-T", "Moderate tier from this many intermediate factors"),
    _p("imacs.evidence_window_years", 3, "years", 1, 10, "IMACS_OUTSIDE_WINDOW", c.IMACS_2023,
       "VERIFIED-P", "The guideline covers diagnosis within this many years of onset"),
    _p("screening.first_due_months", 3, "months", 0, 24, "SCREENING_PLAN", c.IMACS_2023,
       "VERIFIED-S", "Diagnosis-time panels are due this long after diagnosis"),
    _p("screening.first_window_before_months", 6, "months", 0, 24, "SCREENING_PLAN",
       c.IMACS_2023, "UNVERIFIED", "A panel this long before diagnosis counts as done"),
    _p("screening.first_window_after_months", 9, "months", 0, 24, "SCREENING_PLAN",
       c.IMACS_2023, "UNVERIFIED", "A panel up to this long after its due date counts"),
    _p("screening.followup_count", 3, "panels", 0, 10, "SCREENING_PLAN", c.IMACS_2023,
       "VERIFIED-S", "High tier: yearly basic panels after diagnosis"),
    _p("screening.moderate_followup_count", 0, "panels", 0, 10, "SCREENING_PLAN",
       c.IMACS_2023, "UNVERIFIED", "Moderate tier: yearly basic panels (none in IMACS)"),
    _p("screening.followup_interval_months", 12, "months", 1, 36, "SCREENING_PLAN",
       c.IMACS_2023, "VERIFIED-S", "Interval between follow-up panels"),
    _p("screening.followup_window_before_months", 3, "months", 0, 12, "SCREENING_PLAN",
       c.IMACS_2023, "UNVERIFIED", "A follow-up panel this early counts as done"),
    _p("screening.followup_window_after_months", 9, "months", 0, 12, "SCREENING_PLAN",
       c.IMACS_2023, "UNVERIFIED", "A follow-up panel this late counts as done"),
    _p("screening.overdue_grace_days", 60, "days", 0, 365, "CANCER_SCREENING_OVERDUE",
       c.IMACS_2023, "VERIFIED-S", "An item is overdue this long after its due date"),
    # Lung (ACR/CHEST 2023, PPF 2022, markers §4)
    _p("lung.baseline_lookback_days", 90, "days", 0, 365, "LUNG_BASELINE_MISSING",
       c.ACR_CHEST_2023, "VERIFIED-P", "Lung tests this long before the first positive "
       "anti-MDA5 count as the baseline"),
    _p("lung.mda5_pft_interval_days", 90, "days", 14, 365, "LUNG_MONITORING_OVERDUE",
       c.ACR_CHEST_2023, "UNVERIFIED", "PFT interval while anti-MDA5 is positive, early"),
    _p("lung.mda5_early_months", 12, "months", 1, 36, "LUNG_MONITORING_OVERDUE",
       c.ACR_CHEST_2023, "UNVERIFIED", "How long after the first positive anti-MDA5 the "
       "shorter interval applies"),
    _p("lung.pft_interval_days", 180, "days", 30, 730, "LUNG_MONITORING_OVERDUE",
       c.ACR_CHEST_2023, "VERIFIED-P", "PFT interval otherwise (IIM-ILD: every 3-6 months)"),
    _p("lung.fvc_decline_points", 5.0, "% predicted", 1, 30, "ILD_PROGRESSION", c.PPF_2022,
       "VERIFIED-P", "Absolute FVC fall that meets the physiological criterion"),
    _p("lung.dlco_decline_points", 10.0, "% predicted", 1, 40, "ILD_PROGRESSION", c.PPF_2022,
       "VERIFIED-P", "Absolute DLCO fall that meets the physiological criterion"),
    _p("lung.decline_window_days", 365, "days", 30, 1095, "ILD_PROGRESSION", c.PPF_2022,
       "VERIFIED-P", "How far back the latest PFT is compared"),
    _p("lung.legacy_relative_fvc_pct", 10.0, "% relative", 1, 50, "ILD_RELATIVE_DECLINE",
       c.LEGACY_DECLINE, "VERIFIED-S", "Relative FVC fall (older criteria)"),
    _p("lung.legacy_relative_dlco_pct", 15.0, "% relative", 1, 50, "ILD_RELATIVE_DECLINE",
       c.LEGACY_DECLINE, "VERIFIED-S", "Relative DLCO fall (older criteria)"),
    _p("lung.legacy_window_months", 24, "months", 1, 60, "ILD_RELATIVE_DECLINE",
       c.LEGACY_DECLINE, "VERIFIED-S", "Window of the older relative criteria"),
    _p("lung.desaturation_spo2_pct", 88.0, "%", 70, 95, "EXERTIONAL_DESATURATION",
       c.LAMA_2003, "VERIFIED-P", "6-minute walk nadir SpO2 at or below which it fires"),
    _p("lung.oximetry_interval_months", 12, "months", 1, 36, "AMBULATORY_OXIMETRY_DUE",
       c.ACR_CHEST_2023, "VERIFIED-P", "Ambulatory desaturation testing in ILD at least this "
       "often (every 3-12 months)"),
    _p("mda5.marker_window_days", 90, "days", 7, 365, "MDA5_RPILD_MARKERS", c.YANG_2021,
       "UNVERIFIED", "Only markers this recent count"),
    _p("mda5.ferritin_ng_ml", 1500.0, "ng/mL", 100, 20000, "MDA5_RPILD_MARKERS", c.YANG_2021,
       "VERIFIED-P", "Ferritin at or above which RP-ILD risk is high"),
    _p("mda5.kl6_u_ml", 1600.0, "U/mL", 100, 20000, "MDA5_RPILD_MARKERS", c.YANG_2021,
       "VERIFIED-P", "KL-6 above which mortality risk is high"),
    _p("mda5.ldh_u_l", 300.0, "U/L", 50, 5000, "MDA5_LDH_AGE_FEVER", c.HONG_KONG_2022,
       "VERIFIED-P", "LDH above which (with age and fever) RP-ILD risk rises"),
    _p("mda5.age_over_years", 50, "years", 18, 90, "MDA5_LDH_AGE_FEVER", c.HONG_KONG_2022,
       "VERIFIED-P", "Age above which (with LDH and fever) RP-ILD risk rises"),
    _p("flair.ferritin_ng_ml", 636.0, "ng/mL", 1, 20000, "FLAIR_SCORE", c.FLAIR_2020,
       "VERIFIED-P", "FLAIR: ferritin at or above scores 2"),
    _p("flair.ldh_u_l", 355.0, "U/L", 1, 5000, "FLAIR_SCORE", c.FLAIR_2020, "VERIFIED-P",
       "FLAIR: LDH at or above scores 2"),
    _p("flair.hrct_score", 133, "points", 1, 1000, "FLAIR_SCORE", c.FLAIR_2020, "UNVERIFIED",
       "FLAIR: HRCT score at or above scores 3 (Lian's scoring method)"),
    _p("mck.crp_mg_l_mda5_positive", 8.0, "mg/L", 0.1, 300, "MCK_COUNT", c.MCK_2021,
       "VERIFIED-S", "MCK: CRP threshold when anti-MDA5 positive (0.8 mg/dL)"),
    _p("mck.crp_mg_l_mda5_negative", 11.0, "mg/L", 0.1, 300, "MCK_COUNT", c.MCK_2021,
       "VERIFIED-S", "MCK: CRP threshold when anti-MDA5 negative (1.1 mg/dL)"),
    _p("mck.kl6_u_ml", 1000.0, "U/mL", 100, 20000, "MCK_COUNT", c.MCK_2021, "VERIFIED-S",
       "MCK: KL-6 threshold"),
    # Hydroxychloroquine (AAO 2016, §7)
    _p("hcq.max_mg_per_kg", 5.0, "mg/kg/day", 1, 10, "HCQ_DOSE_ABOVE_LIMIT", c.AAO_2016,
       "VERIFIED-P", "Maximum daily dose per kg of real body weight"),
    _p("hcq.baseline_exam_window_days", 365, "days", 30, 730, "HCQ_EYE_SCREENING_DUE",
       c.AAO_2016, "VERIFIED-S", "Baseline retinal exam within this many days of the start"),
    _p("hcq.annual_from_years", 5, "years", 1, 20, "HCQ_EYE_SCREENING_DUE", c.AAO_2016,
       "VERIFIED-S", "Yearly screening from this many years of use"),
    _p("hcq.annual_interval_days", 365, "days", 90, 730, "HCQ_EYE_SCREENING_DUE", c.AAO_2016,
       "VERIFIED-S", "Interval of the yearly screening"),
    # AAO 2016 counts years of use; how long a pause ends "continuous" use is not in the
    # reference: a labelled proposal to confirm.
    _p("hcq.continuity_gap_days", 90, "days", 0, 3650, "HCQ_EYE_SCREENING_DUE", c.AAO_2016,
       "UNVERIFIED", "Longest pause between two courses (days without the drug) that still "
       "counts as continuous use: a dose change never restarts the clock"),
    # How long a flag may be snoozed, by severity (DESIGN §6 asks for a snooze end date; no
    # source gives a maximum).
    _p("snooze.max_days.critical", 7, "days", 1, 365, "SNOOZE", c.PRODUCT_POLICY,
       "UNVERIFIED", "Longest snooze of a critical flag"),
    _p("snooze.max_days.warning", 30, "days", 1, 365, "SNOOZE", c.PRODUCT_POLICY,
       "UNVERIFIED", "Longest snooze of a warning flag"),
    _p("snooze.max_days.info", 90, "days", 1, 365, "SNOOZE", c.PRODUCT_POLICY,
       "UNVERIFIED", "Longest snooze of an information flag"),
) + tuple(
    # Typo guards for daily doses (clinical-reference.md has none): a dose above is refused.
    _p(f"entry.max_dose_mg_per_day.{drug}", _DOSE_MAXIMA[drug], "mg/day", 1, 1_000_000,
       "ENTRY_PLAUSIBILITY", c.ENTRY_GUARD, "UNVERIFIED",
       f"Highest daily dose of {label.lower()} accepted at data entry")
    for drug, label in DRUGS
)

_FLAG_SEVERITIES = (
    ("RECLASSIFY", "warning", c.SONTHEIMER_2002, "VERIFIED-S"),
    ("ENHANCED_CANCER_SCREENING", "warning", c.IMACS_2023, "VERIFIED-S"),
    ("CANCER_SCREENING_OVERDUE", "warning", c.IMACS_2023, "VERIFIED-S"),
    ("CANCER_RED_FLAGS", "warning", c.IMACS_2023, "VERIFIED-S"),
    ("LUNG_BASELINE_MISSING", "critical", c.ACR_CHEST_2023, "VERIFIED-P"),
    ("LUNG_MONITORING_OVERDUE", "warning", c.ACR_CHEST_2023, "VERIFIED-P"),
    ("ILD_PROGRESSION", "warning", c.PPF_2022, "VERIFIED-P"),
    ("EXERTIONAL_DESATURATION", "warning", c.LAMA_2003, "VERIFIED-P"),
    ("MDA5_RPILD_MARKERS", "critical", c.YANG_2021, "VERIFIED-P"),
    ("MDA5_RESPIRATORY_SYMPTOMS", "critical", c.ACR_CHEST_2023, "UNVERIFIED"),
    ("HCQ_DOSE_ABOVE_LIMIT", "warning", c.AAO_2016, "VERIFIED-P"),
    ("HCQ_EYE_SCREENING_DUE", "warning", c.AAO_2016, "VERIFIED-S"),
    ("HCQ_WEIGHT_MISSING", "info", c.AAO_2016, "VERIFIED-P"),
    ("HCQ_DOSE_MISSING", "info", c.AAO_2016, "VERIFIED-P"),
    ("CANCER_SCREENING_FINDING", "critical", c.IMACS_2023, "VERIFIED-S"),
    ("ILD_SCREENING_ADVISED", "warning", c.ACR_CHEST_2023, "VERIFIED-P"),
    ("ILD_RELATIVE_DECLINE", "info", c.LEGACY_DECLINE, "VERIFIED-S"),
    ("AMBULATORY_OXIMETRY_DUE", "info", c.ACR_CHEST_2023, "VERIFIED-P"),
    ("MDA5_LDH_AGE_FEVER", "warning", c.HONG_KONG_2022, "VERIFIED-P"),
    ("PET_CT_CONSIDER", "info", c.IMACS_2023, "VERIFIED-P"),
    ("GI_ENDOSCOPY_CONSIDER", "info", c.IMACS_2023, "VERIFIED-P"),
    ("NASOENDOSCOPY_CONSIDER", "info", c.IMACS_2023, "VERIFIED-P"),
    ("IMACS_NOT_APPLICABLE", "info", c.IMACS_2023, "VERIFIED-P"),
    ("IMACS_OUTSIDE_WINDOW", "info", c.IMACS_2023, "VERIFIED-P"),
    ("FLAIR_SCORE", "info", c.FLAIR_2020, "VERIFIED-P"),
    ("MCK_COUNT", "info", c.MCK_2021, "UNVERIFIED"),
)
SPECS = SPECS + tuple(_sev(code, sev, cit, ev) for code, sev, cit, ev in _FLAG_SEVERITIES) + (
    ParamSpec("severity.ILD_PROGRESSION.mda5", "critical", "severity", None, None,
              "ILD_PROGRESSION", c.PPF_2022, "VERIFIED-P",
              "Severity of ILD_PROGRESSION while anti-MDA5 is positive"),
)
SPEC_BY_KEY = MappingProxyType({spec.key: spec for spec in SPECS})
DEFAULTS = MappingProxyType({spec.key: spec.default for spec in SPECS})


class ParamError(ValueError):
    """Invalid rule-set parameters; `problems` maps each key to its message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(f"{k}: {m}" for k, m in sorted(problems.items())))


def _number(value: int | float) -> str:
    """50, not 50.0; 99.99; 1e+25 (never a float's long integer expansion)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def check_param(spec: ParamSpec, value, *, shown: str | None = None) -> str | None:
    """The problem of one value of `spec` on its own (type, whole number, range), or None.
    `shown`: the value as the user typed it (a page's text), else the value itself."""
    if spec.kind == "severity":
        return None if value in SEVERITIES else (
            f"{value!r} is not a severity; accepted: {', '.join(SEVERITIES)}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{value!r} is not a number"
    if value != value or value in (float("inf"), float("-inf")):
        return f"{shown or _number(value)} is not a number"
    shown = shown or _number(value)
    if spec.kind == "int" and isinstance(value, float) and not value.is_integer():
        return f"{shown} is not a whole number of {spec.unit}"
    if not spec.minimum <= value <= spec.maximum:
        return (f"{shown} {spec.unit} is outside the accepted range "
                f"{spec.minimum:g}–{spec.maximum:g} {spec.unit}")
    return None


def validate_params(values: dict) -> dict:
    """Check a complete parameter set; return it with ints as ints. Raises ParamError."""
    problems = {key: "unknown parameter" for key in values if key not in SPEC_BY_KEY}
    problems.update({key: "missing" for key in SPEC_BY_KEY if key not in values})
    clean = {}
    for key, spec in SPEC_BY_KEY.items():
        if key not in values:
            continue
        message = check_param(spec, values[key])
        if message:
            problems[key] = message
        else:
            clean[key] = int(values[key]) if spec.kind == "int" else values[key]
    _check_order(clean, problems)
    if problems:
        raise ParamError(problems)
    return clean


def _check_order(p: dict, problems: dict) -> None:
    """Cut-offs that only make sense in order."""
    for suffix in ("no_biopsy", "biopsy"):
        keys = [f"eular.{name}_{suffix}" for name in ("possible", "probable", "definite")]
        if all(k in p for k in keys) and not p[keys[0]] <= p[keys[1]] <= p[keys[2]]:
            problems[keys[1]] = "possible ≤ probable ≤ definite is required"
    if p.get("subtype.undetermined_months", 0) > p.get("subtype.confirmed_months", 10**6):
        problems["subtype.confirmed_months"] = "must not be below subtype.undetermined_months"
