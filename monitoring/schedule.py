"""Pure lung-monitoring logic: the surveillance schedule explained, the decline table and the
PPF summary (clinical-reference.md §4.3 and §5).

No Django, no clock, no database: callers pass `as_of` and the ACTIVE rule set's `params`, so
every threshold and interval here is a rule-set parameter, never a constant. The engine
(`cadm.rules`) decides the flags; this module lays the same facts out for clinicians and
uses the engine's own comparisons (`reaches`) so a table row and a flag never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from cadm.rules.criteria.common import iso, num, reaches
from cadm.rules.dates import add_months
from cadm.rules.facts import PftFact

# How far ahead a due date counts as "due soon" on the pages (a display choice, not a rule).
DUE_SOON_DAYS = 30

# Decline criteria, in the order shown; labels are built from the parameters.
PPF_FVC, PPF_DLCO = "ppf_fvc", "ppf_dlco"
LEGACY_FVC, LEGACY_DLCO = "legacy_fvc", "legacy_dlco"
PPF_CRITERIA = (PPF_FVC, PPF_DLCO)


def criterion_labels(params: dict) -> dict[str, str]:
    """Human label of each decline criterion, with the active thresholds."""
    return {
        PPF_FVC: f"PPF 2022: FVC fall ≥ {num(params['lung.fvc_decline_points'])} points",
        PPF_DLCO: f"PPF 2022: DLCO fall ≥ {num(params['lung.dlco_decline_points'])} points",
        LEGACY_FVC: f"Older criteria: FVC fall ≥ {num(params['lung.legacy_relative_fvc_pct'])} "
                    f"% relative",
        LEGACY_DLCO: f"Older criteria: DLCO fall ≥ "
                     f"{num(params['lung.legacy_relative_dlco_pct'])} % relative",
    }


# ---------------------------------------------------------------- surveillance schedule


@dataclass(frozen=True)
class ScheduleView:
    """The engine's `lung_schedule`, explained: when the next PFT is due and why."""

    status: str  # overdue, due_soon, scheduled, baseline_missing, not_applicable
    explanation: str
    interval_days: int | None = None
    reason: str = ""
    last_pft: date | None = None
    next_due: date | None = None
    days_to_due: int | None = None  # negative when overdue
    early_until: date | None = None  # last day of the shorter anti-MDA5 interval

    @property
    def applies(self) -> bool:
        return self.interval_days is not None

    @property
    def overdue(self) -> bool:
        return self.status in ("overdue", "baseline_missing")

    def as_dict(self) -> dict:
        return {"status": self.status, "explanation": self.explanation,
                "interval_days": self.interval_days, "reason": self.reason,
                "last_pft": _iso(self.last_pft), "next_due": _iso(self.next_due),
                "days_to_due": self.days_to_due, "early_until": _iso(self.early_until)}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def schedule_view(schedule: dict, params: dict, as_of: date, *,
                  mda5_first_positive: date | None = None,
                  mda5_positive: bool = False) -> ScheduleView:
    """Explain the engine's schedule on `as_of`.

    Overdue exactly when the engine's LUNG_MONITORING_OVERDUE fires: no PFT at all, or the
    due date (last PFT + interval) is before `as_of` (a PFT exactly N days ago is on time)."""
    if not schedule:
        return _no_schedule(params, mda5_positive)
    interval, last, due = schedule["interval_days"], schedule["last_pft"], schedule["next_pft_due"]
    early_until = (add_months(mda5_first_positive, params["lung.mda5_early_months"])
                   if mda5_first_positive and schedule.get("mda5_early") else None)
    days = (due - as_of).days
    if last is None:
        status = "overdue"
        text = (f"No PFT on record: a PFT is due now (every {interval} days: "
                f"{schedule['reason']}).")
    else:
        status = ("overdue" if due < as_of
                  else "due_soon" if days <= DUE_SOON_DAYS else "scheduled")
        text = (f"Next PFT due {iso(due)}: {interval} days after the last PFT of {iso(last)}, "
                f"because {schedule['reason']}.")
        if status == "overdue":
            text += f" Overdue by {-days} days."
    if early_until:
        text += (f" The {interval}-day interval applies up to {iso(early_until)}; after that, "
                 f"every {params['lung.pft_interval_days']} days.")
    return ScheduleView(status, text, interval, schedule["reason"], last, due, days,
                        early_until)


def _no_schedule(params: dict, mda5_positive: bool) -> ScheduleView:
    if mda5_positive:
        return ScheduleView(
            "baseline_missing",
            f"Anti-MDA5 positive without a baseline PFT with DLCO and HRCT (from "
            f"{params['lung.baseline_lookback_days']} days before the first positive result): "
            f"the PFT schedule starts once both are recorded.")
    return ScheduleView(
        "not_applicable",
        "No PFT schedule: not anti-MDA5 positive and no ILD on HRCT. Repeat lung tests when "
        "clinically indicated.")


# ---------------------------------------------------------------- decline table


@dataclass(frozen=True)
class Change:
    """One measure between two PFTs; `absolute` and `relative_pct` are after − before (a fall
    is negative)."""

    before: float | None
    after: float | None

    @property
    def known(self) -> bool:
        return self.before is not None and self.after is not None

    @property
    def absolute(self) -> float | None:
        return self.after - self.before if self.known else None

    @property
    def relative_pct(self) -> float | None:
        if not self.known or not self.before:
            return None
        return 100 * (self.after - self.before) / self.before

    @property
    def fall(self) -> float | None:
        return -self.absolute if self.known else None

    @property
    def relative_fall_pct(self) -> float | None:
        rel = self.relative_pct
        return None if rel is None else -rel

    def as_dict(self) -> dict:
        def r(x):
            return None if x is None else round(x, 2)
        return {"before": self.before, "after": self.after, "absolute": r(self.absolute),
                "relative_pct": r(self.relative_pct)}


@dataclass(frozen=True)
class DeclineRow:
    """A PFT against one earlier PFT (or against none: `earlier` is None)."""

    later: PftFact
    earlier: PftFact | None
    fvc: Change
    dlco: Change
    fvc_litres: Change
    criteria: tuple[str, ...] = ()

    @property
    def days(self) -> int | None:
        return (self.later.date - self.earlier.date).days if self.earlier else None

    @property
    def relative_basis(self) -> str:
        """The older criteria use FVC in litres when both tests have it (as the engine)."""
        return "litres" if self.fvc_litres.known else "% predicted"

    @property
    def fvc_relative(self) -> Change:
        return self.fvc_litres if self.fvc_litres.known else self.fvc

    @property
    def ppf_physiological(self) -> bool:
        return any(c in PPF_CRITERIA for c in self.criteria)

    def as_dict(self, labels: dict[str, str]) -> dict:
        return {
            "date": self.later.date.isoformat(),
            "compared_with": _iso(self.earlier.date) if self.earlier else None,
            "days": self.days, "fvc_pct_predicted": self.fvc.as_dict(),
            "dlco_pct_predicted": self.dlco.as_dict(), "fvc_l": self.fvc_litres.as_dict(),
            "relative_basis": self.relative_basis,
            "criteria": list(self.criteria), "criteria_labels": [labels[c] for c in self.criteria],
        }


def _criteria(fvc: Change, dlco: Change, fvc_rel: Change, params: dict) -> tuple[str, ...]:
    met = []
    if fvc.known and reaches(fvc.fall, params["lung.fvc_decline_points"]):
        met.append(PPF_FVC)
    if dlco.known and reaches(dlco.fall, params["lung.dlco_decline_points"]):
        met.append(PPF_DLCO)
    if fvc_rel.relative_fall_pct is not None and reaches(
            fvc_rel.relative_fall_pct, params["lung.legacy_relative_fvc_pct"]):
        met.append(LEGACY_FVC)
    if dlco.relative_fall_pct is not None and reaches(
            dlco.relative_fall_pct, params["lung.legacy_relative_dlco_pct"]):
        met.append(LEGACY_DLCO)
    return tuple(met)


def compare(later: PftFact, earlier: PftFact | None, params: dict) -> DeclineRow:
    if earlier is None:
        return DeclineRow(later, None, Change(None, later.fvc_pct_predicted),
                          Change(None, later.dlco_pct_predicted), Change(None, later.fvc_l))
    fvc = Change(earlier.fvc_pct_predicted, later.fvc_pct_predicted)
    dlco = Change(earlier.dlco_pct_predicted, later.dlco_pct_predicted)
    litres = Change(earlier.fvc_l, later.fvc_l)
    rel = litres if litres.known else fvc
    return DeclineRow(later, earlier, fvc, dlco, litres, _criteria(fvc, dlco, rel, params))


def decline_table(pfts: Iterable[PftFact], params: dict) -> list[DeclineRow]:
    """Each PFT, newest first, against every earlier PFT from `lung.decline_window_days`
    before it (that day included, as ILD_PROGRESSION: 365 days is compared, 366 is not) to
    the day before it. A PFT with nothing to compare gets one row with `earlier` None."""
    ordered = sorted(pfts, key=lambda p: p.date)
    window = timedelta(days=params["lung.decline_window_days"])
    rows: list[DeclineRow] = []
    for later in reversed(ordered):
        earlier = [p for p in ordered if later.date - window <= p.date < later.date]
        rows.extend(compare(later, p, params) for p in reversed(earlier))
        if not earlier:
            rows.append(compare(later, None, params))
    return rows


def ppf_decline(pfts: Iterable[PftFact], params: dict, since: date) -> DeclineRow | None:
    """The newest comparison of the decline table whose later PFT is dated from `since` and
    which meets PPF 2022 physiology (the row the PPF summary cites), or None. Only PFTs from
    a window before `since` can be compared with one dated from `since`, so only they are
    read."""
    start = since - timedelta(days=params["lung.decline_window_days"])
    rows = decline_table((p for p in pfts if p.date >= start), params)
    return next((r for r in rows if r.earlier and r.later.date >= since
                 and r.ppf_physiological), None)


# ---------------------------------------------------------------- PPF summary


@dataclass(frozen=True)
class Judgement:
    """A clinician's PPF assessment (monitoring.models.PpfAssessment as plain data)."""

    date: date
    worsening_symptoms: bool
    radiological_progression: bool
    note: str = ""


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    state: str  # met, not_met, not_assessed
    basis: str


@dataclass(frozen=True)
class PpfSummary:
    since: date
    criteria: tuple[Criterion, ...]
    verdict: str  # met, not_met, incomplete
    text: str

    @property
    def met(self) -> int:
        return sum(c.state == "met" for c in self.criteria)

    def as_dict(self) -> dict:
        return {"since": self.since.isoformat(), "verdict": self.verdict, "met": self.met,
                "text": self.text,
                "criteria": [{"key": c.key, "state": c.state, "basis": c.basis}
                             for c in self.criteria]}


def _judged(key: str, label: str, judgements: Sequence[Judgement], attr: str) -> Criterion:
    """Met when any assessment of the past year says so; not met when assessed otherwise."""
    yes = [j for j in judgements if getattr(j, attr)]
    if yes:
        return Criterion(key, label, "met", f"clinician's assessment of {iso(yes[-1].date)}")
    if judgements:
        return Criterion(key, label, "not_met",
                         f"clinician's assessment of {iso(judgements[-1].date)}")
    return Criterion(key, label, "not_assessed", "no PPF assessment recorded in the past year")


def _physiological(rows: Sequence[DeclineRow], since: date, labels: dict) -> Criterion:
    recent = [r for r in rows if r.earlier and r.later.date >= since]
    label = "Physiological progression"
    hits = [r for r in recent if r.ppf_physiological]
    if hits:
        r = hits[0]
        met = ", ".join(labels[c] for c in r.criteria if c in PPF_CRITERIA)
        return Criterion("physiological", label, "met",
                         f"PFT of {iso(r.later.date)} against {iso(r.earlier.date)}: {met}")
    if recent:
        return Criterion("physiological", label, "not_met",
                         f"{len(recent)} comparison(s) of PFTs dated since {iso(since)}: no "
                         f"fall reaching the PPF 2022 thresholds")
    return Criterion("physiological", label, "not_assessed",
                     f"no two PFTs to compare with the later one dated since {iso(since)}")


def ppf_summary(rows: Sequence[DeclineRow], judgements: Iterable[Judgement], params: dict,
                as_of: date) -> PpfSummary:
    """PPF 2022: at least 2 of 3 criteria within the past year (`lung.decline_window_days`
    before `as_of`). Symptoms and imaging are the clinician's judgements; physiology is the
    decline table (a comparison whose later PFT falls in the past year)."""
    since = as_of - timedelta(days=params["lung.decline_window_days"])
    recent = sorted((j for j in judgements if since <= j.date <= as_of), key=lambda j: j.date)
    labels = criterion_labels(params)
    criteria = (
        _judged("symptoms", "Worsening respiratory symptoms", recent, "worsening_symptoms"),
        _physiological(rows, since, labels),
        _judged("imaging", "Radiological progression", recent, "radiological_progression"),
    )
    met = sum(c.state == "met" for c in criteria)
    open_ = sum(c.state == "not_assessed" for c in criteria)
    if met >= 2:
        verdict, text = "met", f"PPF criteria met: {met} of 3 in the past year."
    elif met + open_ >= 2:
        verdict, text = "incomplete", (f"{met} of 3 met; {open_} not assessed: record the "
                                       f"missing judgement(s) to decide.")
    else:
        verdict, text = "not_met", f"PPF criteria not met: {met} of 3 in the past year."
    text += (" Applies to non-IPF ILD with radiological fibrosis; exclude other causes, "
             "especially for symptom- or DLCO-only change.")
    return PpfSummary(since, criteria, verdict, text)
