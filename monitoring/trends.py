"""The data behind the lung trend charts, as plain values. Pure: no Django, no clock.

A series per measure (FVC and DLCO % predicted, ferritin, CK, KL-6), its threshold lines from
the ACTIVE rule set's parameters, and the points that fired a flag: the dates in the evidence
of the patient's live flags (clinical-reference.md §4.2, §5).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from cadm.rules.criteria.common import LAB_LABELS, num
from cadm.rules.facts import PatientFacts

# (key, label, unit) in the order drawn.
MEASURES = (
    ("fvc", "FVC", "% predicted"),
    ("dlco", "DLCO", "% predicted"),
    ("ferritin", "Ferritin", "ng/mL"),
    ("ck", "CK", "U/L"),
    ("kl6", "KL-6", "U/mL"),
)
LABS = ("ferritin", "ck", "kl6")
# Evidence of a flag names a lab by its label ("Ferritin", "KL-6"): back to the test code.
_LAB_BY_LABEL = {label: test for test, label in LAB_LABELS.items()}


@dataclass(frozen=True)
class Point:
    date: date
    value: float
    flags: tuple[str, ...] = ()  # codes of the live flags whose evidence holds this point

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


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
            "points": [{"date": p.date.isoformat(), "value": p.value, "flagged": p.flagged,
                        "flags": list(p.flags)} for p in self.points],
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


def _raw(facts: PatientFacts) -> dict[str, list[tuple[date, float]]]:
    raw = {
        "fvc": [(p.date, p.fvc_pct_predicted) for p in facts.pft],
        "dlco": [(p.date, p.dlco_pct_predicted) for p in facts.pft
                 if p.dlco_pct_predicted is not None],
    }
    for test in LABS:
        raw[test] = [(lab.date, lab.value) for lab in facts.labs if lab.test == test]
    return raw


def _decline_line(points: list[tuple[date, float]], fall: float, window_days: int,
                  name: str, param: str) -> tuple[Threshold, ...]:
    """The level at which the latest PFT would meet the PPF 2022 criterion: the highest value
    in the window before it, minus the fall."""
    if not points:
        return ()
    last_day = max(d for d, _ in points)
    earlier = [v for d, v in points if last_day - timedelta(days=window_days) <= d < last_day]
    if not earlier:
        return ()
    top = max(earlier)
    return (Threshold(top - fall, f"PPF 2022: {num(fall)} points below the highest value in the "
                      f"{window_days} days before the latest PFT ({num(top)})", param),)


def thresholds(params: dict, sex: str,
               raw: dict[str, list[tuple[date, float]]]) -> dict[str, tuple[Threshold, ...]]:
    """Threshold lines of each measure, from the active parameters."""
    window = params["lung.decline_window_days"]
    f, k = params["mda5.ferritin_ng_ml"], params["mda5.kl6_u_ml"]
    return {
        "fvc": _decline_line(raw["fvc"], params["lung.fvc_decline_points"], window, "FVC",
                             "lung.fvc_decline_points"),
        "dlco": _decline_line(raw["dlco"], params["lung.dlco_decline_points"], window, "DLCO",
                              "lung.dlco_decline_points"),
        "ferritin": (
            Threshold(f, f"RP-ILD risk marker ≥ {num(f)} ng/mL (Yang 2021)",
                      "mda5.ferritin_ng_ml"),
            Threshold(params["flair.ferritin_ng_ml"],
                      f"FLAIR ≥ {num(params['flair.ferritin_ng_ml'])} ng/mL",
                      "flair.ferritin_ng_ml"),
        ),
        "ck": (Threshold(params[f"uln.ck_{sex}"],
                         f"ULN {num(params[f'uln.ck_{sex}'])} U/L (rule-set default, {sex})",
                         f"uln.ck_{sex}"),),
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
    raw = _raw(facts)
    marks = flagged_dates(flags)
    lines = thresholds(params, sex, raw)
    return tuple(
        Series(key, label, unit,
               tuple(Point(d, v, tuple(marks[key].get(d, ())))
                     for d, v in sorted(raw[key], key=lambda p: p[0])),
               lines[key])
        for key, label, unit in MEASURES
    )
