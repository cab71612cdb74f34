"""The data behind the lung trend charts, as plain values. Pure: no Django, no clock.

A series per measure (FVC and DLCO % predicted, ferritin, CK, KL-6), its threshold lines from
the ACTIVE rule set's parameters, and the points that fired a flag: the dates in the evidence
of the patient's live flags (clinical-reference.md §4.2, §5).

A muscle enzyme (CK) has no single threshold: each value is judged against its reporting
lab's upper limit, or the rule set's default for the patient's sex when the lab gave none
(clinical-reference.md §6.1), exactly as the rules judge it; so each point carries its ULN.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from cadm.rules.criteria.common import ENZYMES, LAB_LABELS, UNITS, num, uln_for
from cadm.rules.facts import LabFact, PatientFacts

# (key, label, unit) in the order drawn.
MEASURES = (
    ("fvc", "FVC", "% predicted"),
    ("dlco", "DLCO", "% predicted"),
    ("ferritin", "Ferritin", "ng/mL"),
    ("ck", "CK", "U/L"),
    ("kl6", "KL-6", "U/mL"),
)
LABS = ("ferritin", "ck", "kl6")
# Judged against an upper limit of normal. Ferritin and KL-6 lines are risk markers of the
# rule set instead, the same for every laboratory.
ULN_TESTS = tuple(test for test in LABS if test in ENZYMES)
# Evidence of a flag names a lab by its label ("Ferritin", "KL-6"): back to the test code.
_LAB_BY_LABEL = {label: test for test, label in LAB_LABELS.items()}


@dataclass(frozen=True)
class Uln:
    """The upper limit of normal a value is judged against."""

    value: float
    from_lab: bool  # the reporting lab's own; else the rule set's default for the sex

    @property
    def source(self) -> str:
        """Either "lab" or "default" (the series' threshold names the default's parameter)."""
        return "lab" if self.from_lab else "default"


@dataclass(frozen=True)
class Point:
    date: date
    value: float
    flags: tuple[str, ...] = ()  # codes of the live flags whose evidence holds this point
    uln: Uln | None = None  # only for the tests of ULN_TESTS

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def above_uln(self) -> bool | None:
        """Strictly above, the comparison of the rules' enzyme criteria (classification.py):
        a value equal to its ULN is normal. None when the measure has no ULN."""
        return None if self.uln is None else self.value > self.uln.value

    def as_dict(self) -> dict:
        uln = {"value": self.uln.value, "source": self.uln.source} if self.uln else None
        return {"date": self.date.isoformat(), "value": self.value, "flagged": self.flagged,
                "flags": list(self.flags), "uln": uln, "above_uln": self.above_uln}


@dataclass(frozen=True)
class Threshold:
    value: float
    label: str
    param: str  # the rule-set parameter it comes from


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    unit: str
    points: tuple[Point, ...]
    thresholds: tuple[Threshold, ...] = ()

    @property
    def title(self) -> str:
        return f"{self.label} ({self.unit})"

    def as_dict(self) -> dict:
        return {
            "key": self.key, "label": self.label, "unit": self.unit,
            "points": [p.as_dict() for p in self.points],
            "thresholds": [{"value": t.value, "label": t.label, "param": t.param}
                           for t in self.thresholds],
        }


def flagged_dates(flags: Iterable[Mapping]) -> dict[str, dict[date, list[str]]]:
    """measure -> date -> flag codes, from stored flags ({"code", "evidence": [{kind, date,
    label, value}]}). A PFT in the evidence marks both its FVC and its DLCO point."""
    marks: dict[str, dict[date, list[str]]] = defaultdict(lambda: defaultdict(list))
    for flag in flags:
        for ev in flag.get("evidence") or ():
            if not ev.get("date"):
                continue
            day = date.fromisoformat(ev["date"])
            if ev.get("kind") == "pft":
                measures = ("fvc", "dlco")
            elif ev.get("kind") == "lab" and _LAB_BY_LABEL.get(ev.get("label")) in LABS:
                measures = (_LAB_BY_LABEL[ev["label"]],)
            else:
                continue
            for m in measures:
                if flag["code"] not in marks[m][day]:
                    marks[m][day].append(flag["code"])
    return marks


def lab_uln(lab: LabFact, sex: str, params: dict) -> Uln:
    """The ULN the rules judge `lab` against (uln_for): its own lab's when it gave one, else
    the rule set's default for the analyte and the patient's sex."""
    return Uln(float(uln_for(lab, sex, params)), from_lab=lab.upper_limit is not None)


def _points(facts: PatientFacts, params: dict, sex: str,
            marks: Mapping[str, Mapping[date, list[str]]]) -> dict[str, tuple[Point, ...]]:
    """Every value of each measure, oldest first, with its flags (and its ULN, if judged
    against one)."""
    def point(key: str, day: date, value: float, uln: Uln | None = None) -> Point:
        return Point(day, value, tuple(marks[key].get(day, ())), uln)

    found = {
        "fvc": [point("fvc", p.date, p.fvc_pct_predicted) for p in facts.pft],
        "dlco": [point("dlco", p.date, p.dlco_pct_predicted) for p in facts.pft
                 if p.dlco_pct_predicted is not None],
    }
    for test in LABS:
        found[test] = [
            point(test, lab.date, lab.value,
                  lab_uln(lab, sex, params) if test in ULN_TESTS else None)
            for lab in facts.labs if lab.test == test]
    return {key: tuple(sorted(points, key=lambda p: p.date)) for key, points in found.items()}


def _decline_line(points: tuple[Point, ...], fall: float, window_days: int,
                  param: str) -> tuple[Threshold, ...]:
    """The level at which the latest PFT would meet the PPF 2022 criterion: the highest value
    in the window before it, minus the fall."""
    if not points:
        return ()
    last_day = max(p.date for p in points)
    earlier = [p.value for p in points
               if last_day - timedelta(days=window_days) <= p.date < last_day]
    if not earlier:
        return ()
    top = max(earlier)
    return (Threshold(top - fall, f"PPF 2022: {num(fall)} points below the highest value in the "
                      f"{window_days} days before the latest PFT ({num(top)})", param),)


def _default_uln_line(points: tuple[Point, ...], unit: str, sex: str,
                      param: str) -> tuple[Threshold, ...]:
    """The rule set's default ULN, drawn only when some value is judged against it: a value
    whose lab gave its own ULN is judged against that one, wherever the default lies."""
    default = next((p.uln.value for p in points if p.uln and not p.uln.from_lab), None)
    if default is None:
        return ()
    return (Threshold(default, f"ULN {num(default)} {unit}: rule-set default ({sex}), for "
                      "values without a ULN from their lab", param),)


def thresholds(params: dict, sex: str,
               points: Mapping[str, tuple[Point, ...]]) -> dict[str, tuple[Threshold, ...]]:
    """Threshold lines of each measure, from the active parameters."""
    window = params["lung.decline_window_days"]
    f, k = params["mda5.ferritin_ng_ml"], params["mda5.kl6_u_ml"]
    return {
        "fvc": _decline_line(points["fvc"], params["lung.fvc_decline_points"], window,
                             "lung.fvc_decline_points"),
        "dlco": _decline_line(points["dlco"], params["lung.dlco_decline_points"], window,
                              "lung.dlco_decline_points"),
        "ferritin": (
            Threshold(f, f"RP-ILD risk marker ≥ {num(f)} ng/mL (Yang 2021)",
                      "mda5.ferritin_ng_ml"),
            Threshold(params["flair.ferritin_ng_ml"],
                      f"FLAIR ≥ {num(params['flair.ferritin_ng_ml'])} ng/mL",
                      "flair.ferritin_ng_ml"),
        ),
        "ck": _default_uln_line(points["ck"], UNITS["ck"], sex, f"uln.ck_{sex}"),
        "kl6": (
            Threshold(k, f"RP-ILD / mortality marker > {num(k)} U/mL (Yang 2021)",
                      "mda5.kl6_u_ml"),
            Threshold(params["mck.kl6_u_ml"], f"MCK ≥ {num(params['mck.kl6_u_ml'])} U/mL",
                      "mck.kl6_u_ml"),
        ),
    }


def lung_series(facts: PatientFacts, params: dict, flags: Iterable[Mapping],
                sex: str) -> tuple[Series, ...]:
    """Every measure of MEASURES, oldest point first (a measure with no value has none)."""
    points = _points(facts, params, sex, flagged_dates(flags))
    lines = thresholds(params, sex, points)
    return tuple(Series(key, label, unit, points[key], lines[key])
                 for key, label, unit in MEASURES)
