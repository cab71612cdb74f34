"""Lung rules: baseline, surveillance, decline, desaturation (clinical-reference.md §4-5).

Contract semantics (case-format.md) for the codes it names; further codes from §9 candidates.
"""

from __future__ import annotations

from datetime import date, timedelta

from .. import citations as c
from ..dates import add_months
from ..facts import PatientFacts, PftFact
from ..outcomes import Evidence, Flag
from .common import (
    antibody_evidence,
    first_positive,
    iso,
    latest,
    make_flag,
    num,
    positive,
    reaches,
)

ANTISYNTHETASE = ("jo1", "pl7", "pl12", "ej", "oj")
ILD_RISK_ANTIBODIES = ANTISYNTHETASE + ("ku", "pmscl", "ro52")
ILD_RISK_SIGNS = ("mechanics_hands", "skin_ulceration")
RESPIRATORY_SYMPTOMS = ("dyspnea", "dry_cough")


def pft_evidence(p: PftFact) -> Evidence:
    dlco = f", DLCO {num(p.dlco_pct_predicted)} %" if p.dlco_pct_predicted is not None else ""
    return Evidence("pft", p.date, "PFT", f"FVC {num(p.fvc_pct_predicted)} %{dlco} predicted")


def _baseline(facts: PatientFacts, params: dict):
    """(start of the baseline window, PFT with DLCO, HRCT) for an anti-MDA5 positive patient."""
    first = first_positive(facts, "mda5")
    start = first.date - timedelta(days=params["lung.baseline_lookback_days"])
    pft = next((p for p in facts.pft if p.date >= start and p.dlco_pct_predicted is not None),
               None)
    hrct = next((h for h in facts.hrct if h.date >= start), None)
    return first, start, pft, hrct


def baseline_missing(facts, params) -> Flag | None:
    """LUNG_BASELINE_MISSING: anti-MDA5 positive without PFT with DLCO and HRCT since 90 days
    before the first positive result (ACR/CHEST 2023 Table 2, VERIFIED-P; candidate 11)."""
    if "mda5" not in positive(facts):
        return None
    first, start, pft, hrct = _baseline(facts, params)
    missing = [name for name, found in (("PFT with DLCO", pft), ("HRCT", hrct)) if not found]
    if not missing:
        return None
    return make_flag(
        "LUNG_BASELINE_MISSING", params,
        f"Anti-MDA5 positive: no baseline {' or '.join(missing)}",
        f"Anti-MDA5 first positive on {iso(first.date)}: high risk of rapidly progressive ILD. "
        f"Missing since {iso(start)}: {', '.join(missing)}. Obtain HRCT and full PFT with "
        f"DLCO; this clears when both are recorded.",
        [antibody_evidence(first)], c.ACR_CHEST_2023, "VERIFIED-P")


def surveillance(facts: PatientFacts, params: dict, as_of: date) -> dict:
    """Whether lung surveillance applies, its interval, why, and the next PFT due date.

    "Within 12 months of its first positive result" includes the day exactly 12 calendar
    months after it (contract reading); the shorter interval applies up to that day."""
    mda5 = "mda5" in positive(facts)
    baseline_ok = mda5 and all(_baseline(facts, params)[2:])
    ild = next((h for h in facts.hrct if h.ild), None)
    if not (baseline_ok or ild):
        return {}
    first = first_positive(facts, "mda5") if mda5 else None
    early = bool(first) and as_of <= add_months(first.date, params["lung.mda5_early_months"])
    interval = params["lung.mda5_pft_interval_days" if early else "lung.pft_interval_days"]
    reason = (f"anti-MDA5 positive since {iso(first.date)} (first "
              f"{params['lung.mda5_early_months']} months)" if early else
              "anti-MDA5 positive" if mda5 else f"ILD on HRCT of {iso(ild.date)}")
    last = latest(facts.pft)
    return {"interval_days": interval, "reason": reason, "mda5_early": early,
            "last_pft": last.date if last else None,
            "next_pft_due": last.date + timedelta(days=interval) if last else as_of}


def monitoring_overdue(facts, params, as_of, schedule) -> Flag | None:
    """LUNG_MONITORING_OVERDUE (ACR/CHEST 2023: IIM-ILD PFTs every 3-6 months in the first
    year, VERIFIED-P; the shorter anti-MDA5 interval is expert practice, UNVERIFIED, so the
    flag carries that label while it applies). A PFT exactly N days before `as_of` is "in the
    last N days"; any PFT counts, with or without DLCO."""
    last = schedule.get("last_pft") if schedule else None
    if not schedule or (last and schedule["next_pft_due"] >= as_of):
        return None
    label = "UNVERIFIED" if schedule["mda5_early"] else "VERIFIED-P"
    return make_flag(
        "LUNG_MONITORING_OVERDUE", params,
        f"PFT overdue: last {iso(last)}, due every {schedule['interval_days']} days",
        f"Lung surveillance applies ({schedule['reason']}): a PFT every "
        f"{schedule['interval_days']} days. Last PFT: {iso(last)}; it was due "
        f"{iso(schedule['next_pft_due'])}. Recording a PFT clears this flag.",
        [pft_evidence(latest(facts.pft))] if last else [], c.ACR_CHEST_2023, label)


def _declines(facts, since):
    """(latest PFT, earlier PFTs dated from since(latest date) to the day before it)."""
    last = latest(facts.pft)
    if not last:
        return None, []
    start = since(last.date)
    return last, [p for p in facts.pft if start <= p.date < last.date]


def progression(facts, params) -> Flag | None:
    """ILD_PROGRESSION: the latest PFT against any PFT up to 365 days before it: FVC down
    ≥ 5 points or DLCO down ≥ 10 points % predicted (PPF 2022 criterion 2, VERIFIED-P).
    A PFT exactly 365 days before the latest is compared; one 366 days before is not."""
    days = params["lung.decline_window_days"]
    last, earlier = _declines(facts, lambda d: d - timedelta(days=days))
    hits = []
    for p in earlier:
        fvc = p.fvc_pct_predicted - last.fvc_pct_predicted
        dlco = (p.dlco_pct_predicted - last.dlco_pct_predicted
                if p.dlco_pct_predicted is not None and last.dlco_pct_predicted is not None
                else None)
        met = []
        if reaches(fvc, params["lung.fvc_decline_points"]):
            met.append(f"FVC −{num(fvc)} points")
        if dlco is not None and reaches(dlco, params["lung.dlco_decline_points"]):
            met.append(f"DLCO −{num(dlco)} points")
        if met:
            hits.append((p, met))
    if not hits:
        return None
    ref, met = hits[0]
    mda5 = "mda5" in positive(facts)
    severity = params["severity.ILD_PROGRESSION.mda5"] if mda5 else None
    return make_flag(
        "ILD_PROGRESSION", params,
        f"Lung function decline: {', '.join(met)} since {iso(ref.date)}",
        f"PFT of {iso(last.date)} against {iso(ref.date)}: {', '.join(met)} (thresholds: FVC "
        f"≥ {num(params['lung.fvc_decline_points'])}, DLCO ≥ "
        f"{num(params['lung.dlco_decline_points'])} points % predicted within "
        f"{params['lung.decline_window_days']} days). Meets the PPF 2022 physiological "
        f"criterion; exclude other causes. "
        + ("Anti-MDA5 positive: urgent review. " if mda5 else "")
        + "Clears when a later PFT no longer shows the fall.",
        [pft_evidence(ref), pft_evidence(last)], c.PPF_2022, "VERIFIED-P", severity=severity)


def relative_decline(facts, params) -> Flag | None:
    """ILD_RELATIVE_DECLINE: relative FVC fall ≥ 10 % or DLCO fall ≥ 15 % within 24 months
    (older practice criteria, VERIFIED-S; candidate 18). FVC in litres when both tests have
    it, else FVC % predicted; DLCO % predicted. Like ILD_PROGRESSION, the latest PFT against
    earlier ones from 24 calendar months before it (that day included)."""
    months = params["lung.legacy_window_months"]
    last, earlier = _declines(facts, lambda d: add_months(d, -months))
    for p in earlier:
        use_l = p.fvc_l is not None and last.fvc_l is not None
        before, after = (p.fvc_l, last.fvc_l) if use_l else (p.fvc_pct_predicted,
                                                            last.fvc_pct_predicted)
        met = []
        fvc_rel = 100 * (before - after) / before
        if reaches(fvc_rel, params["lung.legacy_relative_fvc_pct"]):
            met.append(f"FVC −{num(fvc_rel)} % relative ({'litres' if use_l else '% pred'})")
        if p.dlco_pct_predicted and last.dlco_pct_predicted is not None:
            dlco_rel = (100 * (p.dlco_pct_predicted - last.dlco_pct_predicted)
                        / p.dlco_pct_predicted)
            if reaches(dlco_rel, params["lung.legacy_relative_dlco_pct"]):
                met.append(f"DLCO −{num(dlco_rel)} % relative")
        if met:
            return make_flag(
                "ILD_RELATIVE_DECLINE", params,
                f"Relative lung function decline: {', '.join(met)}",
                f"PFT of {iso(last.date)} against {iso(p.date)}: {', '.join(met)} "
                f"(older criteria: FVC ≥ {num(params['lung.legacy_relative_fvc_pct'])} %, "
                f"DLCO ≥ {num(params['lung.legacy_relative_dlco_pct'])} % within "
                f"{params['lung.legacy_window_months']} months). Information beside the PPF "
                f"criterion; clears when a later PFT no longer shows the fall.",
                [pft_evidence(p), pft_evidence(last)], c.LEGACY_DECLINE,
                "VERIFIED-S")
    return None


def desaturation(facts, params) -> Flag | None:
    """EXERTIONAL_DESATURATION: latest 6-minute walk nadir SpO2 ≤ 88 % (Lama 2003,
    VERIFIED-P)."""
    walk = latest(facts.six_minute_walk)
    limit = params["lung.desaturation_spo2_pct"]
    if not walk or walk.spo2_nadir > limit:
        return None
    return make_flag(
        "EXERTIONAL_DESATURATION", params,
        f"Exertional desaturation: SpO₂ nadir {num(walk.spo2_nadir)} % on 6-minute walk",
        f"6-minute walk of {iso(walk.date)}: {num(walk.distance_m)} m, nadir SpO₂ "
        f"{num(walk.spo2_nadir)} % (≤ {num(limit)} %): an adverse prognostic sign; reassess "
        f"ILD. Clears when a later walk stays above {num(limit)} %.",
        [Evidence("walk", walk.date, "SpO₂ nadir", f"{num(walk.spo2_nadir)} %")],
        c.LAMA_2003, "VERIFIED-P")
