"""Anti-MDA5 risk markers, ILD screening advice and prognostic scores (§4, §9 candidates
11-12, 14, 19-21)."""

from __future__ import annotations

from datetime import date, timedelta

from .. import citations as c
from ..dates import add_months, age_years
from ..facts import PatientFacts
from ..outcomes import Evidence, Flag
from .common import (
    antibody_evidence,
    antibody_status,
    iso,
    lab_evidence,
    latest,
    latest_assessing,
    latest_visit_symptoms,
    make_flag,
    num,
    positive,
)
from .lung import ILD_RISK_ANTIBODIES, ILD_RISK_SIGNS, RESPIRATORY_SYMPTOMS


def _recent_lab(facts: PatientFacts, test: str, since: date):
    return latest(facts.labs, lambda lab: lab.test == test and lab.date >= since)


def rpild_markers(facts, params, as_of) -> Flag | None:
    """MDA5_RPILD_MARKERS: anti-MDA5 positive and, within 90 days, the latest ferritin
    ≥ 1500 ng/mL or the latest KL-6 > 1600 U/mL (Yang 2021, VERIFIED-P). "Within the 90
    days before as_of" includes a result dated exactly 90 days before; only the latest result
    of each marker in the window counts, so a later normal value clears an earlier high one."""
    if "mda5" not in positive(facts):
        return None
    since = as_of - timedelta(days=params["mda5.marker_window_days"])
    ferritin, kl6 = _recent_lab(facts, "ferritin", since), _recent_lab(facts, "kl6", since)
    fired = []
    if ferritin and ferritin.value >= params["mda5.ferritin_ng_ml"]:
        fired.append((ferritin, f"ferritin {num(ferritin.value)} ng/mL ≥ "
                                f"{num(params['mda5.ferritin_ng_ml'])}"))
    if kl6 and kl6.value > params["mda5.kl6_u_ml"]:
        fired.append((kl6, f"KL-6 {num(kl6.value)} U/mL > {num(params['mda5.kl6_u_ml'])}"))
    if not fired:
        return None
    text = "; ".join(t for _, t in fired)
    return make_flag(
        "MDA5_RPILD_MARKERS", params, f"Anti-MDA5 with RP-ILD risk markers: {text}"[:139],
        f"Anti-MDA5 positive with {text} (latest values since {iso(since)}). These markers "
        f"were associated with rapidly progressive ILD and death in published cohorts. "
        f"Clears when the latest value falls below the threshold or is older than "
        f"{params['mda5.marker_window_days']} days.",
        [lab_evidence(lab) for lab, _ in fired], c.YANG_2021, "VERIFIED-P")


def respiratory_symptoms(facts, params) -> Flag | None:
    """MDA5_RESPIRATORY_SYMPTOMS: anti-MDA5 positive and dyspnoea or dry cough at the latest
    visit (contract rule; urgency is expert practice)."""
    visit, names = latest_visit_symptoms(facts, RESPIRATORY_SYMPTOMS)
    if "mda5" not in positive(facts) or not visit:
        return None
    return make_flag(
        "MDA5_RESPIRATORY_SYMPTOMS", params, f"Anti-MDA5 positive with {names}",
        f"The visit of {iso(visit.date)} records {names} in an anti-MDA5 positive patient: "
        f"assess for rapidly progressive ILD now (HRCT, PFT with DLCO). Clears when a later "
        f"visit that reviews symptoms records neither (a skin-only visit changes nothing), or "
        f"when anti-MDA5 turns negative.",
        [Evidence("visit", visit.date, "symptoms", names)], c.ACR_CHEST_2023, "UNVERIFIED")


def ldh_age_fever(facts, params, as_of) -> Flag | None:
    """MDA5_LDH_AGE_FEVER: anti-MDA5 positive, LDH > 300 U/L, age > 50 and fever (Hong Kong
    registry, VERIFIED-P; candidate 21). Fever is read at the latest visit that reviewed
    symptoms."""
    visit = latest_assessing(facts, "symptoms")
    since = as_of - timedelta(days=params["mda5.marker_window_days"])
    ldh = _recent_lab(facts, "ldh", since)
    age = age_years(facts.patient.birth_date, as_of)
    if not ("mda5" in positive(facts) and visit and "fever" in visit.symptoms and ldh
            and ldh.value > params["mda5.ldh_u_l"] and age > params["mda5.age_over_years"]):
        return None
    return make_flag(
        "MDA5_LDH_AGE_FEVER", params, "Anti-MDA5 with raised LDH, age over 50 and fever",
        f"LDH {num(ldh.value)} U/L (> {num(params['mda5.ldh_u_l'])}) on {iso(ldh.date)}, age "
        f"{age} (> {params['mda5.age_over_years']}), fever at the visit of {iso(visit.date)}: "
        f"predictors of RP-ILD in the Hong Kong registry. Clears when a later visit that "
        f"reviews symptoms records no fever; when the latest LDH of the last "
        f"{params['mda5.marker_window_days']} days is {num(params['mda5.ldh_u_l'])} U/L or "
        f"below, or none is that recent; or when anti-MDA5 turns negative.",
        [lab_evidence(ldh), Evidence("visit", visit.date, "symptoms", "fever")],
        c.HONG_KONG_2022, "VERIFIED-P")


def ild_screening(facts, params) -> Flag | None:
    """ILD_SCREENING_ADVISED: other ILD-risk features (antisynthetase, Ku, PM/Scl, Ro52,
    mechanic's hands, arthritis, skin ulceration) and no PFT with DLCO plus HRCT on record
    (ACR/CHEST 2023 Table 2, VERIFIED-P; candidate 12). Anti-MDA5 has its own flag."""
    pos = positive(facts)
    if "mda5" in pos:
        return None
    features = [f"anti-{ab.upper()}" for ab in ILD_RISK_ANTIBODIES if ab in pos]
    signs = {s for v in facts.visits for s in v.skin} | {s for v in facts.visits
                                                         for s in v.symptoms}
    features += [s.replace("_", " ") for s in (*ILD_RISK_SIGNS, "arthritis") if s in signs]
    has_pft = any(p.dlco_pct_predicted is not None for p in facts.pft)
    if not features or (has_pft and facts.hrct):
        return None
    missing = [n for n, ok in (("PFT with DLCO", has_pft), ("HRCT", bool(facts.hrct))) if not ok]
    return make_flag(
        "ILD_SCREENING_ADVISED", params, f"ILD screening advised: {', '.join(features)}"[:139],
        f"ILD-risk features: {', '.join(features)}. Screening by PFT with DLCO plus HRCT is "
        f"advised (not chest radiograph or 6-minute walk). Missing: {', '.join(missing)}. "
        f"Clears when both are recorded.",
        [antibody_evidence(pos[ab]) for ab in ILD_RISK_ANTIBODIES if ab in pos],
        c.ACR_CHEST_2023, "VERIFIED-P")


def oximetry_due(facts, params, as_of) -> Flag | None:
    """AMBULATORY_OXIMETRY_DUE: ILD on HRCT and no exertional oximetry (6-minute walk) within
    12 months (ACR/CHEST 2023: every 3-12 months, VERIFIED-P; candidate 14)."""
    ild = next((h for h in facts.hrct if h.ild), None)
    walk = latest(facts.six_minute_walk)
    months = params["lung.oximetry_interval_months"]
    if not ild or (walk and walk.date >= add_months(as_of, -months)):
        return None
    return make_flag(
        "AMBULATORY_OXIMETRY_DUE", params, "ILD: ambulatory desaturation testing due",
        f"ILD on HRCT of {iso(ild.date)}; last 6-minute walk with oximetry: "
        f"{iso(walk.date if walk else None)}. Testing is advised every 3-{months} months. "
        f"Recording a 6-minute walk clears this flag.",
        [Evidence("hrct", ild.date, "HRCT", "ILD")], c.ACR_CHEST_2023, "VERIFIED-P")


FLAIR_GRADE_POINTS = {None: 2, 1: 2, 2: 3, 3: 4}


def flair(facts, params) -> Flag | None:
    """FLAIR_SCORE for anti-MDA5 positive patients (Lian 2020, VERIFIED-P; HRCT score scale
    UNVERIFIED): shown as information with the inputs it lacks. RP-ILD status is not
    recorded by the product, so the score is always partial."""
    mda5 = antibody_status(facts).get("mda5")
    if not mda5 or mda5.result != "positive":
        return None
    ferritin = latest(facts.labs, lambda lab: lab.test == "ferritin")
    ldh = latest(facts.labs, lambda lab: lab.test == "ldh")
    hrct = latest(facts.hrct, lambda h: h.extent_score is not None)
    parts, lacking = [], ["RP-ILD status (not recorded)"]
    if mda5.grade is None:
        lacking.append("anti-MDA5 grade (+ assumed: 2 points)")
    parts.append(("anti-MDA5", FLAIR_GRADE_POINTS[mda5.grade]))
    for name, lab, key, points in (("ferritin", ferritin, "flair.ferritin_ng_ml", 2),
                                   ("LDH", ldh, "flair.ldh_u_l", 2)):
        if lab:
            parts.append((f"{name} {num(lab.value)}", points if lab.value >= params[key] else 0))
        else:
            lacking.append(name)
    if hrct:
        parts.append((f"HRCT score {hrct.extent_score}",
                      3 if hrct.extent_score >= params["flair.hrct_score"] else 0))
    else:
        lacking.append("HRCT score (Lian's method)")
    known = sum(p for _, p in parts)
    shown = ", ".join(f"{n}: {p}" for n, p in parts)
    return make_flag(
        "FLAIR_SCORE", params, f"FLAIR score at least {known} of 13 (inputs incomplete)",
        f"FLAIR (Lian 2020, amyopathic DM-ILD cohort, n = 207): {shown}. Lacking: "
        f"{', '.join(lacking)}. Bands: low 0-4, medium 5-9, high 10-13. Information only: "
        f"shown while anti-MDA5 is positive (its latest result).",
        [antibody_evidence(mda5)], c.FLAIR_2020, "VERIFIED-P")


def mck(facts, params) -> Flag | None:
    """MCK_COUNT (Gono 2021; thresholds VERIFIED-S, band mapping UNVERIFIED): anti-MDA5
    status, CRP and KL-6 (latest values, at or above the thresholds), for anti-MDA5 positive
    patients, or patients with ILD on HRCT who have an anti-MDA5 result of any kind."""
    mda5 = antibody_status(facts).get("mda5")
    ild = any(h.ild for h in facts.hrct)
    if not ((mda5 and mda5.result == "positive") or (ild and mda5)):
        return None
    positive_mda5 = mda5.result == "positive"
    crp = latest(facts.labs, lambda lab: lab.test == "crp")
    kl6 = latest(facts.labs, lambda lab: lab.test == "kl6")
    crp_limit = params["mck.crp_mg_l_mda5_positive" if positive_mda5
                       else "mck.crp_mg_l_mda5_negative"]
    count, lacking, shown = int(positive_mda5), [], [f"anti-MDA5 {mda5.result}"]
    for name, lab, limit, unit in (("CRP", crp, crp_limit, "mg/L"),
                                   ("KL-6", kl6, params["mck.kl6_u_ml"], "U/mL")):
        if lab is None:
            lacking.append(name)
            continue
        hit = lab.value >= limit
        count += hit
        shown.append(f"{name} {num(lab.value)} {unit} ({'≥' if hit else '<'} {num(limit)})")
    return make_flag(
        "MCK_COUNT", params, f"MCK: {count} of 3 risk factors"
        + (" (inputs incomplete)" if lacking else ""),
        f"MCK (Gono 2021, JAMI PM/DM-ILD cohort): {'; '.join(shown)}. "
        + (f"Lacking: {', '.join(lacking)}. " if lacking else "")
        + "More factors mean higher mortality risk; the mapping of counts to bands is not "
        "confirmed. Information only: shown while anti-MDA5 is positive, or while an ILD "
        "patient has an anti-MDA5 result.",
        [antibody_evidence(mda5)], c.MCK_2021, "UNVERIFIED")
