"""Hydroxychloroquine retinal safety (AAO 2016; clinical-reference.md §7)."""

from __future__ import annotations

from datetime import date, timedelta

from .. import citations as c
from ..dates import add_months
from ..facts import MedicationFact, PatientFacts
from ..outcomes import Evidence, Flag
from .common import exceeds, iso, latest, make_flag, num


def active_hcq(facts: PatientFacts, as_of: date) -> MedicationFact | None:
    """The latest-started hydroxychloroquine course active on `as_of`. `end_date` is the last
    day taken, so a course ending on `as_of` is still active (contract reading)."""
    return latest(facts.medications, lambda m: m.drug == "hydroxychloroquine"
                  and m.start_date <= as_of and (m.end_date is None or m.end_date >= as_of))


def _hcq_evidence(m: MedicationFact) -> Evidence:
    dose = f"{num(m.dose_mg_per_day)} mg/day" if m.dose_mg_per_day is not None else "dose ?"
    return Evidence("medication", m.start_date, "hydroxychloroquine", dose)


def dose(facts, params, as_of) -> Flag | None:
    """HCQ_DOSE_ABOVE_LIMIT: dose over the latest weight above 5.0 mg/kg/day of real body
    weight (AAO 2016, VERIFIED-P). No weight on record gives HCQ_WEIGHT_MISSING instead.
    The latest weight is that of the latest visit recording one, whatever its age."""
    hcq = active_hcq(facts, as_of)
    if not hcq:
        return None
    if hcq.dose_mg_per_day is None:
        return make_flag(
            "HCQ_DOSE_MISSING", params, "HCQ dose not assessable: no daily dose recorded",
            f"Hydroxychloroquine since {iso(hcq.start_date)} has no daily dose on record, so it "
            f"cannot be checked against the {num(params['hcq.max_mg_per_kg'])} mg/kg/day limit. "
            f"Record the dose.", [_hcq_evidence(hcq)], c.AAO_2016, "VERIFIED-P")
    weighed = latest(facts.visits, lambda v: v.weight_kg is not None)
    if not weighed:
        return make_flag(
            "HCQ_WEIGHT_MISSING", params, "HCQ dose not assessable: no weight recorded",
            "Hydroxychloroquine is active but no visit records a weight, so the dose per kg "
            "cannot be checked against the 5 mg/kg/day limit. Record a weight.",
            [_hcq_evidence(hcq)], c.AAO_2016, "VERIFIED-P")
    per_kg = hcq.dose_mg_per_day / weighed.weight_kg
    limit = params["hcq.max_mg_per_kg"]
    if not exceeds(per_kg, limit):  # not rounded first: 5.004 is above 5.0
        return None
    shown = num(per_kg) if num(per_kg) != num(limit) else f"{per_kg:.3f}"
    return make_flag(
        "HCQ_DOSE_ABOVE_LIMIT", params,
        f"Hydroxychloroquine {shown} mg/kg/day, above {num(limit)}",
        f"{num(hcq.dose_mg_per_day)} mg/day at {num(weighed.weight_kg)} kg (weight of "
        f"{iso(weighed.date)}) = {shown} mg/kg/day, above the AAO maximum of "
        f"{num(limit)} mg/kg/day of real body weight. Clears when the dose or weight brings it "
        f"to {num(limit)} or below.",
        [_hcq_evidence(hcq), Evidence("visit", weighed.date, "weight",
                                      f"{num(weighed.weight_kg)} kg")],
        c.AAO_2016, "VERIFIED-P")


def eye_screening(facts, params, as_of) -> Flag | None:
    """HCQ_EYE_SCREENING_DUE: no baseline exam within a year of the start (after the first
    year), or 5 years of use and no exam in the last year (AAO 2016, VERIFIED-S).

    Edges (case-format.md): the baseline rule applies from day 366 of use; an exam exactly
    365 days before or after the start is a baseline; "5 years" are 60 calendar months; an
    exam exactly 365 days before `as_of` is "in the last 365 days"."""
    hcq = active_hcq(facts, as_of)
    if not hcq:
        return None
    window = timedelta(days=params["hcq.baseline_exam_window_days"])
    start = hcq.start_date
    exams = [e.date for e in facts.eye_exams]
    reasons = []
    if as_of - start > window and not any(start - window <= d <= start + window for d in exams):
        reasons.append(f"no baseline retinal exam between {iso(start - window)} and "
                       f"{iso(start + window)}")
    recent = as_of - timedelta(days=params["hcq.annual_interval_days"])
    years = params["hcq.annual_from_years"]
    if as_of >= add_months(start, 12 * years) and not any(d >= recent for d in exams):
        reasons.append(f"{years} years or more of use and no exam since {iso(recent)}")
    if not reasons:
        return None
    last = max(exams) if exams else None
    return make_flag(
        "HCQ_EYE_SCREENING_DUE", params, "Retinal screening due for hydroxychloroquine",
        f"Hydroxychloroquine since {iso(start)}: {'; '.join(reasons)}. Last exam: {iso(last)}. "
        f"Screening is visual fields plus SD-OCT. Clears when an exam is recorded.",
        [_hcq_evidence(hcq)], c.AAO_2016, "VERIFIED-S")
