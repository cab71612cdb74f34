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


def continuous_start(facts: PatientFacts, params: dict, current: MedicationFact) -> date:
    """The first day of continuous use that includes `current`: earlier courses that overlap
    it, or end at most `hcq.continuity_gap_days` days without the drug before it, join it
    (AAO 2016 counts years of use; a change of dose is a new course, never a new start)."""
    gap = params["hcq.continuity_gap_days"]
    courses = [m for m in facts.medications if m.drug == "hydroxychloroquine"]
    start, joined = current.start_date, True
    while joined:  # a course may bridge two others, whatever the order they were entered in
        joined = False
        for m in courses:
            if m.start_date < start and (m.end_date is None
                                         or (start - m.end_date).days - 1 <= gap):
                start, joined = m.start_date, True
    return start


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
            f"Record the dose (\"Change dose\" under current medications); that clears this "
            f"flag.", [_hcq_evidence(hcq)], c.AAO_2016, "VERIFIED-P")
    weighed = latest(facts.visits, lambda v: v.weight_kg is not None)
    if not weighed:
        return make_flag(
            "HCQ_WEIGHT_MISSING", params, "HCQ dose not assessable: no weight recorded",
            "Hydroxychloroquine is active but no visit records a weight, so the dose per kg "
            f"cannot be checked against the {num(params['hcq.max_mg_per_kg'])} mg/kg/day limit. "
            "A visit that records a weight clears this flag.",
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
    year), or 5 years of use and no exam in the last year (AAO 2016, VERIFIED-S). "The start"
    is the start of continuous use (`continuous_start`), so a change of dose keeps the clock.

    Edges (case-format.md): the baseline rule applies from day 366 of use; an exam exactly
    365 days before or after the start is a baseline; "5 years" are 60 calendar months; an
    exam exactly 365 days before `as_of` is "in the last 365 days". An exam after the
    baseline window does not make up the baseline (contract): the text says so, rather than
    promising that any exam clears the flag."""
    hcq = active_hcq(facts, as_of)
    if not hcq:
        return None
    start = continuous_start(facts, params, hcq)
    window = timedelta(days=params["hcq.baseline_exam_window_days"])
    exams = sorted(e.date for e in facts.eye_exams)
    reasons, clears = [], []
    evidence = [Evidence("medication", start, "hydroxychloroquine", f"in use since {iso(start)}")]
    first, last_day = start - window, start + window
    if as_of - start > window and not any(first <= d <= last_day for d in exams):
        late = [d for d in exams if d > last_day]
        reasons.append(f"no baseline retinal exam between {iso(first)} and {iso(last_day)}")
        evidence.append(Evidence("rule", last_day, "baseline retinal exam",
                                 f"none from {iso(first)} to {iso(last_day)}"))
        clears.append(
            f"an exam dated {iso(first)} to {iso(last_day)} clears the baseline part (record it "
            f"with its real date if it was done)"
            + (f"; the exam of {iso(late[0])} came after that window and does not count as the "
               f"baseline" if late else "")
            + "; when a late baseline exam has been done, dismiss this flag with 'Action already "
              "completed'")
    recent = as_of - timedelta(days=params["hcq.annual_interval_days"])
    years = params["hcq.annual_from_years"]
    yearly_from = add_months(start, 12 * years)
    if as_of >= yearly_from and not any(d >= recent for d in exams):
        reasons.append(f"{years} years or more of use and no exam since {iso(recent)}")
        evidence.append(Evidence("rule", yearly_from, "yearly retinal screening from",
                                 iso(yearly_from)))
        clears.append("an exam recorded now clears the yearly part until it is due again")
    if not reasons:
        return None
    last = exams[-1] if exams else None
    return make_flag(
        "HCQ_EYE_SCREENING_DUE", params, "Retinal screening due for hydroxychloroquine",
        f"Hydroxychloroquine in continuous use since {iso(start)}: {'; '.join(reasons)}. Last "
        f"exam: {iso(last)}. Screening is visual fields plus SD-OCT. What clears it: "
        f"{'; '.join(clears)}; stopping hydroxychloroquine clears it once the course's last "
        f"day taken has passed.",
        evidence, c.AAO_2016, "VERIFIED-S")
