"""IMACS 2023 cancer-risk tier, screening plan and the cancer flags (clinical-reference.md §1).

Tier logic VERIFIED-S/T (§1.2-1.3); panels and timing VERIFIED-S (§1.4-1.5); the windows in
which a recorded panel counts are the contract's (case-format.md), UNVERIFIED clinically.
"""

from __future__ import annotations

from datetime import date, timedelta

from .. import citations as c
from ..dates import add_months, age_years
from ..facts import PatientFacts
from ..outcomes import CancerRisk, Evidence, Flag, PlanItem
from .common import iso, latest_visit_symptoms, make_flag, positive

HIGH_ANTIBODIES = ("tif1g", "nxp2")
INTERMEDIATE_ANTIBODIES = ("sae1", "hmgcr", "mi2", "mda5")
CADM_SUBTYPES = ("amyopathic", "hypomyopathic", "undetermined")
RED_FLAG_SYMPTOMS = ("weight_loss", "night_sweats", "fever")


def onset_age(facts: PatientFacts) -> int:
    return age_years(facts.patient.birth_date, facts.patient.skin_onset_date)


def cancer_risk(facts: PatientFacts, params: dict, subtype: str) -> CancerRisk:
    if onset_age(facts) < params["imacs.adult_age_years"]:
        return CancerRisk("not_applicable", (), ())
    pos = positive(facts)
    symptoms = {s for v in facts.visits for s in v.symptoms}
    skin = {s for v in facts.visits for s in v.skin}
    high = [name for name, present in (
        ("classic_dm", subtype == "classic_dm"),
        ("tif1g", "tif1g" in pos), ("nxp2", "nxp2" in pos),
        ("age_over_40", onset_age(facts) > params["imacs.age_factor_over_years"]),
        ("refractory_disease", facts.patient.refractory_disease),
        ("dysphagia", "dysphagia_moderate_severe" in symptoms),
        ("skin_ulceration", "skin_ulceration" in skin),
    ) if present]
    intermediate = [name for name, present in (
        ("cadm", subtype in CADM_SUBTYPES),
        *((ab, ab in pos) for ab in INTERMEDIATE_ANTIBODIES),
        ("male_sex", facts.patient.sex == "male"),
    ) if present]
    if len(high) >= params["imacs.high_min_high_factors"]:
        tier = "high"
    elif high or len(intermediate) >= params["imacs.moderate_min_intermediate_factors"]:
        tier = "moderate"
    else:
        tier = "standard"
    return CancerRisk(tier, tuple(high), tuple(intermediate))


def _item(facts, panel, due, start, end, as_of, params, kind) -> PlanItem:
    """Done: a record of the panel (any result) dated start..end, both days included; one
    record may complete two items whose windows overlap. Overdue: not done and `as_of` more
    than the grace days after `due` (due + 60 days is still 'due')."""
    done = next((r.date for r in facts.cancer_screening
                 if r.panel == panel and start <= r.date <= end), None)
    if done:
        status = "done"
    elif as_of > due + timedelta(days=params["screening.overdue_grace_days"]):
        status = "overdue"
    else:
        status = "due"
    return PlanItem(panel, due, start, end, status, kind, done)


def screening_plan(facts: PatientFacts, params: dict, tier: str, as_of: date
                   ) -> tuple[PlanItem, ...]:
    """Items with due dates and status; §1.5 timing, case-format.md windows. Due dates are
    counted from `diagnosis_date` (clamped to the month's end: 2025-11-30 + 3 months is
    2026-02-28); each window end is counted from the item's own (clamped) due date."""
    if tier == "not_applicable":
        return ()
    diagnosis = facts.patient.diagnosis_date
    due = add_months(diagnosis, params["screening.first_due_months"])
    start = add_months(diagnosis, -params["screening.first_window_before_months"])
    end = add_months(due, params["screening.first_window_after_months"])
    panels = ["basic"] if tier == "standard" else ["basic", "enhanced"]
    items = [_item(facts, p, due, start, end, as_of, params, "diagnosis") for p in panels]
    followups = {"high": params["screening.followup_count"],
                 "moderate": params["screening.moderate_followup_count"]}.get(tier, 0)
    interval = params["screening.followup_interval_months"]
    for n in range(1, followups + 1):
        yearly = add_months(diagnosis, interval * n)
        items.append(_item(
            facts, "basic", yearly,
            add_months(yearly, -params["screening.followup_window_before_months"]),
            add_months(yearly, params["screening.followup_window_after_months"]),
            as_of, params, "follow-up"))
    return tuple(items)


def cancer_flags(facts: PatientFacts, params: dict, as_of: date, risk: CancerRisk,
                 plan: tuple[PlanItem, ...], subtype: str) -> list[Flag]:
    flags = [f for f in (
        enhanced_screening(facts, params, risk),
        screening_overdue(params, plan, as_of, facts.patient.screening_plan_closed),
        red_flags(facts, params),
        not_applicable(facts, params, risk),
        outside_window(facts, params, risk),
        pet_ct(facts, params, risk, plan, subtype),
        gi_endoscopy(params, risk, plan, facts),
        nasoendoscopy(facts, params, risk),
        screening_finding(facts, params),
    ) if f]
    return flags


def screening_finding(facts, params) -> Flag | None:
    """CANCER_SCREENING_FINDING: a screening record found something (a finding needing
    work-up, or cancer) and no outcome of the plan has been recorded since. The product's
    own rule: a finding must never wait silently (IMACS 2023 §1 context)."""
    since = facts.patient.screening_outcome_date
    found = [r for r in facts.cancer_screening if r.result in ("finding", "cancer_found")
             and (since is None or r.date > since)]
    if not found:
        return None
    last = found[-1]
    what = "cancer found" if last.result == "cancer_found" else "a finding needing work-up"
    return make_flag(
        "CANCER_SCREENING_FINDING", params,
        f"Cancer screening on {iso(last.date)}: {what}",
        f"The {last.panel} panel of {iso(last.date)} recorded {what}. Arrange the work-up and "
        f"record the screening plan's outcome; that clears this flag.",
        [Evidence("screening", r.date, f"{r.panel} panel", r.result.replace("_", " "))
         for r in found], c.IMACS_2023, "VERIFIED-S")


def enhanced_screening(facts, params, risk) -> Flag | None:
    """ENHANCED_CANCER_SCREENING: moderate/high tier and no enhanced panel on record since
    diagnosis − N months (IMACS 2023 §1.5, VERIFIED-S; rule candidate 3). Silent once the
    care team has closed the screening plan with a reason (a product fact; case files never
    close a plan)."""
    if risk.tier not in ("moderate", "high") or facts.patient.screening_plan_closed:
        return None
    since = add_months(facts.patient.diagnosis_date,
                       -params["screening.first_window_before_months"])
    if any(r.panel == "enhanced" and r.date >= since for r in facts.cancer_screening):
        return None
    factors = ", ".join(risk.high_factors + risk.intermediate_factors)
    return make_flag(
        "ENHANCED_CANCER_SCREENING", params,
        f"Enhanced cancer screening outstanding ({risk.tier} IMACS risk)",
        f"IMACS tier {risk.tier} (factors: {factors}) asks for the enhanced panel (CT neck, "
        f"chest, abdomen, pelvis and sex-specific tests) at diagnosis. No enhanced panel is "
        f"recorded since {iso(since)}. Clears when one is recorded, or when the care team "
        f"ends screening (closes the plan with a reason).",
        [Evidence("tier", None, "IMACS tier", risk.tier)], c.IMACS_2023, "VERIFIED-S")


def screening_overdue(params, plan, as_of, closed: bool = False) -> Flag | None:
    """CANCER_SCREENING_OVERDUE: a plan item past its due date plus the grace period; silent
    once the care team has closed the plan with a reason."""
    overdue = [i for i in plan if i.status == "overdue"]
    if not overdue or closed:
        return None
    grace = params["screening.overdue_grace_days"]
    items = "; ".join(f"{i.panel} panel due {iso(i.due)}" for i in overdue)
    deadlines = "; ".join(f"the {i.panel} panel due {iso(i.due)} by {iso(i.window_end)}"
                          for i in overdue)
    return make_flag(
        "CANCER_SCREENING_OVERDUE", params,
        f"Cancer screening overdue: {items}"[:139],
        f"Overdue (more than {grace} days past due on {iso(as_of)}): {items}. An item is done "
        f"when its panel is recorded within its window: recording {deadlines} clears it. A "
        f"panel done after its window does not complete the item; the flag then stays until "
        f"it is dismissed or the care team ends screening (closes the plan with a reason).",
        [Evidence("plan", i.due, f"{i.panel} panel", "overdue") for i in overdue],
        c.IMACS_2023, "VERIFIED-S")


def red_flags(facts, params) -> Flag | None:
    """CANCER_RED_FLAGS: weight loss, night sweats or fever at the latest visit (IMACS 2023
    conditional recommendation, VERIFIED-S): screen whatever the tier."""
    visit, names = latest_visit_symptoms(facts, RED_FLAG_SYMPTOMS)
    if not visit:
        return None
    return make_flag(
        "CANCER_RED_FLAGS", params, f"Cancer red flags at the last visit: {names}",
        f"The visit of {iso(visit.date)} records {names}. IMACS advises screening for cancer "
        f"whatever the tier. Clears when a later visit that reviews symptoms records none of "
        f"them (a visit that does not review symptoms changes nothing).",
        [Evidence("visit", visit.date, "symptoms", names)], c.IMACS_2023, "VERIFIED-S")


def not_applicable(facts, params, risk) -> Flag | None:
    """IMACS_NOT_APPLICABLE: juvenile onset (IMACS 2023 Fig. 1 legend, VERIFIED-P)."""
    if risk.tier != "not_applicable":
        return None
    age = onset_age(facts)
    return make_flag(
        "IMACS_NOT_APPLICABLE", params,
        "Juvenile onset: IIM-specific cancer screening not routinely required",
        f"Age at onset {age} years (below {params['imacs.adult_age_years']}). IMACS 2023 does "
        f"not ask for IIM-specific screening; continue age-appropriate population screening. "
        f"Information about the record: it changes only if the birth or onset date is "
        f"corrected.",
        [Evidence("patient", facts.patient.skin_onset_date, "age at onset", f"{age} years")],
        c.IMACS_2023, "VERIFIED-P")


def outside_window(facts, params, risk) -> Flag | None:
    """IMACS_OUTSIDE_WINDOW: diagnosed more than N years after onset; the guideline's
    evidence covers diagnosis within 3 years (Fig. 1 legend, VERIFIED-P)."""
    years = params["imacs.evidence_window_years"]
    onset, diagnosis = facts.patient.skin_onset_date, facts.patient.diagnosis_date
    if risk.tier == "not_applicable" or diagnosis <= add_months(onset, 12 * years):
        return None
    return make_flag(
        "IMACS_OUTSIDE_WINDOW", params,
        f"Diagnosis more than {years} years after onset: outside IMACS evidence",
        f"Onset {iso(onset)}, diagnosis {iso(diagnosis)}. The IMACS recommendations apply to "
        f"adults diagnosed within {years} years of onset; use clinical judgement. Information "
        f"about the record: it changes only if the onset or diagnosis date is corrected.",
        [Evidence("patient", diagnosis, "diagnosis date", iso(diagnosis))],
        c.IMACS_2023, "VERIFIED-P")


def _negative_at_diagnosis(plan, facts) -> bool:
    """Every diagnosis-time panel has a `no_cancer` record in its window and none found
    cancer (a `pending` record alone is not a negative screen)."""
    first = [i for i in plan if i.kind == "diagnosis"]

    def negative(item: PlanItem) -> bool:
        results = {r.result for r in facts.cancer_screening if r.panel == item.panel
                   and item.window_start <= r.date <= item.window_end}
        return "no_cancer" in results and "cancer_found" not in results

    return bool(first) and all(negative(i) for i in first)


def _done(facts, params, panel: str):
    """The first record of `panel` (any result) since the diagnosis-time window opened: once
    the suggested test is done, the suggestion is settled."""
    since = add_months(facts.patient.diagnosis_date,
                       -params["screening.first_window_before_months"])
    return next((r for r in facts.cancer_screening if r.panel == panel and r.date >= since),
                None)


def pet_ct(facts, params, risk, plan, subtype) -> Flag | None:
    """PET_CT_CONSIDER (IMACS 2023 Fig. 1 legend, VERIFIED-P; rule candidate 7): high tier
    with negative diagnosis-time screening, or anti-TIF1γ with onset over 40 and a further
    high-risk clinical feature."""
    extra = {"refractory_disease", "dysphagia", "skin_ulceration"} & set(risk.high_factors)
    tif1g_route = ("tif1g" in risk.high_factors and "age_over_40" in risk.high_factors
                   and extra and subtype != "not_classifiable")
    negative_route = risk.tier == "high" and _negative_at_diagnosis(plan, facts)
    if not (tif1g_route or negative_route) or _done(facts, params, "pet_ct"):
        return None
    why = ("anti-TIF1γ, onset over 40 and " + ", ".join(sorted(extra))) if tif1g_route else \
        "high IMACS tier with negative diagnosis-time screening"
    return make_flag(
        "PET_CT_CONSIDER", params, "Consider 18F-FDG PET-CT for cancer screening",
        f"IMACS 2023 suggests considering PET-CT: {why}. Information only; clears when a "
        f"PET-CT is recorded (screening plan), or when the condition no longer holds.",
        [Evidence("tier", None, "IMACS factors", ", ".join(risk.high_factors))],
        c.IMACS_2023, "VERIFIED-P")


def gi_endoscopy(params, risk, plan, facts) -> Flag | None:
    """GI_ENDOSCOPY_CONSIDER: high tier, negative diagnosis-time screening (VERIFIED-P)."""
    if not (risk.tier == "high" and _negative_at_diagnosis(plan, facts)) \
            or _done(facts, params, "gi_endoscopy"):
        return None
    return make_flag(
        "GI_ENDOSCOPY_CONSIDER", params, "Consider upper and lower GI endoscopy",
        "High IMACS tier and the diagnosis-time panels found no cancer: IMACS 2023 suggests "
        "considering upper and lower GI endoscopy. Clears when the endoscopy is recorded "
        "(screening plan).",
        [Evidence("tier", None, "IMACS tier", "high")], c.IMACS_2023, "VERIFIED-P")


def nasoendoscopy(facts, params, risk) -> Flag | None:
    """NASOENDOSCOPY_CONSIDER: patient from a high nasopharyngeal-carcinoma region
    (IMACS 2023 Fig. 1 legend, VERIFIED-P)."""
    if risk.tier == "not_applicable" or not facts.patient.high_npc_risk_region \
            or _done(facts, params, "nasoendoscopy"):
        return None
    return make_flag(
        "NASOENDOSCOPY_CONSIDER", params, "Consider nasoendoscopy at diagnosis",
        "The patient is marked as living in or coming from a region with raised "
        "nasopharyngeal-carcinoma risk; IMACS 2023 suggests nasoendoscopy at diagnosis. "
        "Clears when a nasoendoscopy is recorded (screening plan), or when the mark is "
        "removed from the patient's details.",
        [Evidence("patient", None, "high-risk region", "yes")], c.IMACS_2023, "VERIFIED-P")


