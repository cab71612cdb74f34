"""FLAIR and MCK laid out item by item, with the inputs they lack and where each model came
from (clinical-reference.md §4.1). Pure: no Django, no clock.

The engine's FLAIR_SCORE and MCK_COUNT flags say the same in one line of text; this module
reads the same latest values with the same rule-set parameters, so the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from cadm.rules import citations as c
from cadm.rules.criteria.common import antibody_status, latest, num
from cadm.rules.criteria.markers import FLAIR_GRADE_POINTS
from cadm.rules.facts import PatientFacts

FLAIR_MAX = 13
FLAIR_BANDS = ((0, 4, "low"), (5, 9, "medium"), (10, 13, "high"))
FLAIR_COHORT = ("Lian 2020 (Chest): prospective cohort of 207 patients with amyopathic "
                "dermatomyositis-associated ILD; outcome mortality. The HRCT score scale "
                "(cut-off 133) is UNVERIFIED here.")
MCK_COHORT = ("Gono 2021 (Arthritis Rheumatol): JAMI cohort of PM/DM-ILD, 497 + 111 patients; "
              "outcome all-cause mortality. Thresholds from the MYKO validation (Miyake 2025), "
              "which found the model weaker in anti-MDA5 positive patients; the mapping of "
              "counts to risk bands is UNVERIFIED.")


@dataclass(frozen=True)
class Item:
    name: str
    value: str  # what was read, with its date; "" when lacking
    rule: str  # how it scores
    points: int | None  # None when lacking
    max_points: int


@dataclass(frozen=True)
class Score:
    model: str
    items: tuple[Item, ...]
    cohort: str
    citation: str
    result: str

    @property
    def lacking(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.items if i.points is None)

    @property
    def known(self) -> int:
        return sum(i.points or 0 for i in self.items)

    def as_dict(self) -> dict:
        return {"model": self.model, "known": self.known, "lacking": list(self.lacking),
                "result": self.result,
                "items": [{"name": i.name, "value": i.value, "points": i.points}
                          for i in self.items]}


def _lab_item(facts, test, name, unit, limit, points) -> Item:
    lab = latest(facts.labs, lambda x: x.test == test)
    rule = f"≥ {num(limit)} {unit}: {points}; below: 0"
    if lab is None:
        return Item(name, "", rule, None, points)
    return Item(name, f"{num(lab.value)} {unit} on {lab.date.isoformat()}", rule,
                points if lab.value >= limit else 0, points)


def _band(total: int) -> str:
    return next(name for lo, hi, name in FLAIR_BANDS if lo <= total <= hi)


def flair(facts: PatientFacts, params: dict) -> Score | None:
    """FLAIR (ferritin, LDH, anti-MDA5 grade, HRCT score, RP-ILD) for anti-MDA5 positive
    patients. An unknown grade is scored as + (2 points) and listed as lacking, as the engine
    does; RP-ILD status is not recorded by the product."""
    mda5 = antibody_status(facts).get("mda5")
    if not mda5 or mda5.result != "positive":
        return None
    hrct = latest(facts.hrct, lambda h: h.extent_score is not None)
    cut = params["flair.hrct_score"]
    grade = (f"grade {mda5.grade}" if mda5.grade else "positive, grade not reported "
             "(scored as +)")
    items = (
        _lab_item(facts, "ferritin", "Ferritin", "ng/mL", params["flair.ferritin_ng_ml"], 2),
        _lab_item(facts, "ldh", "LDH", "U/L", params["flair.ldh_u_l"], 2),
        Item("Anti-MDA5", f"{grade} on {mda5.date.isoformat()}", "negative 0, + 2, ++ 3, +++ 4",
             FLAIR_GRADE_POINTS[mda5.grade], 4),
        Item("HRCT score (imaging)",
             f"{hrct.extent_score} on {hrct.date.isoformat()}" if hrct else "",
             f"≥ {num(cut)}: 3; below: 0 (Lian's method)",
             (3 if hrct.extent_score >= cut else 0) if hrct else None, 3),
        Item("RP-ILD", "", "present: 2; absent: 0 (not recorded by the product)", None, 2),
    )
    known = sum(i.points or 0 for i in items)
    most = known + sum(i.max_points for i in items if i.points is None)
    result = (f"{known} of {FLAIR_MAX}: {_band(known)}" if known == most else
              f"at least {known}, at most {most} of {FLAIR_MAX}: "
              + (_band(known) if _band(known) == _band(most)
                 else f"{_band(known)} to {_band(most)}"))
    return Score("FLAIR", items, FLAIR_COHORT, c.FLAIR_2020, result)


def mck(facts: PatientFacts, params: dict) -> Score | None:
    """MCK (anti-MDA5, CRP, KL-6): a count of risk factors, for anti-MDA5 positive patients
    (and, as the engine, patients with ILD who have any anti-MDA5 result)."""
    mda5 = antibody_status(facts).get("mda5")
    ild = any(h.ild for h in facts.hrct)
    if not mda5 or not (mda5.result == "positive" or ild):
        return None
    positive = mda5.result == "positive"
    crp_key = "mck.crp_mg_l_mda5_positive" if positive else "mck.crp_mg_l_mda5_negative"
    items = (
        Item("Anti-MDA5", f"{mda5.result} on {mda5.date.isoformat()}", "positive: 1",
             int(positive), 1),
        _lab_item(facts, "crp", "CRP", "mg/L", params[crp_key], 1),
        _lab_item(facts, "kl6", "KL-6", "U/mL", params["mck.kl6_u_ml"], 1),
    )
    known = sum(i.points or 0 for i in items)
    lacking = [i.name for i in items if i.points is None]
    result = f"{known} of 3 risk factors" + (" (inputs incomplete)" if lacking else "")
    return Score("MCK", items, MCK_COHORT, c.MCK_2021, result)
