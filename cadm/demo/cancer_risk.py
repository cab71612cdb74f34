"""Demo phenotypes carrying IMACS 2023 cancer-risk factors (clinical-reference.md §1.2):
anti-TIF1-γ, anti-NXP2, male sex, refractory disease, skin ulceration, moderate–severe
dysphagia."""

from __future__ import annotations

from datetime import date

from .builder import CaseBuilder, add_months
from .lung import lung_baseline, mda5_course
from .subtype import HALLMARKS, amyopathic_course


def tif1g_positive(b: CaseBuilder) -> None:
    """Anti-TIF1-γ; two of three with onset after 40 (two high-risk factors: IMACS high).
    One reports weight loss at the last visit, a cancer red flag (§1.1)."""
    onset_age = (28, 39) if b.instance == 2 else (45, 74)
    amyopathic_course(b, onset_months=(8, 40), onset_age=onset_age,
                      positive={"tif1g": b.rng.randint(2, 3)}, enhanced=b.instance != 0,
                      extras=("shawl_sign", "v_sign", "scalp_involvement"), hcq=False)
    if b.instance == 1:
        last = b.case["visits"][-1]
        last["symptoms"] = sorted({*last["symptoms"], "weight_loss"})
        last["weight_kg"] = round(last["weight_kg"] - b.rng.uniform(4, 7), 1)
    # After the weight loss, so the dose stays within 5 mg/kg of the latest weight.
    b.hcq(b.day_after(b.diagnosis, 0, 30))


def nxp2_positive(b: CaseBuilder) -> None:
    """Anti-NXP2, with calcinosis in some (a known association)."""
    amyopathic_course(b, onset_months=(8, 50), onset_age=(22, 65), positive={"nxp2": None},
                      extras=("calcinosis", "periungual_erythema", "v_sign"))


def male(b: CaseBuilder) -> None:
    """Men (an intermediate IMACS factor); CK judged against the men's ULN (308 U/L)."""
    positive = ({}, {"sae1": None}, {})[b.instance % 3]
    amyopathic_course(b, onset_months=(8, 56), onset_age=(30, 70), sex="male",
                      positive=positive, weight=(68, 102))


def refractory(b: CaseBuilder) -> None:
    """Skin disease active despite hydroxychloroquine, methotrexate then mycophenolate."""
    amyopathic_course(b, onset_months=(24, 60), refractory=True,
                      extras=("v_sign", "shawl_sign", "scalp_involvement",
                              "periungual_erythema"))
    mtx = b.day_after(b.diagnosis, 90, 180)
    switch = add_months(mtx, b.rng.randint(9, 15))
    # 20 mg once a week, written as a daily dose because the case format has no other.
    b.medication("methotrexate", round(20 / 7, 2), mtx, switch)
    if switch < b.today:
        b.medication("mycophenolate", 2000, switch)
    b.medication("prednisolone", b.rng.choice((5, 7.5, 10)), b.day_after(b.diagnosis, 0, 30))


def skin_ulceration(b: CaseBuilder) -> None:
    """Skin ulceration (IMACS high-risk factor; ILD risk per ACR/CHEST 2023): with anti-MDA5
    and its lung baseline for two of three, seronegative for the third."""
    if b.instance == 2:
        amyopathic_course(b, onset_months=(8, 40), onset_age=(40, 70))
    else:
        positive = mda5_course(b, onset_months=(9, 40))
        lung_baseline(b, positive, ild=False, fvc=b.rng.uniform(85, 100),
                      dlco=b.rng.uniform(68, 90))
    visits = b.case["visits"]
    for visit in [visits[0], visits[-1], *b.rng.sample(visits, len(visits) // 2)]:
        visit["skin"] = sorted({*visit["skin"], "skin_ulceration"})


def dysphagia_moderate_severe(b: CaseBuilder) -> None:
    """Classic DM with moderate–severe dysphagia and proximal weakness at presentation,
    both improving on treatment; anti-TIF1-γ in one."""
    b.start(sex=b.female(0.6), onset_age=(42, 74), onset_months=(8, 40), recorded="classic_dm")
    b.set_skin(HALLMARKS, ("v_sign", "shawl_sign", "periungual_erythema"))
    b.visits(mmt8=False)
    b.routine_labs()
    for index, visit in enumerate(b.case["visits"]):
        _presentation(b, index, visit)
    positive = {"tif1g": 3} if b.instance == 0 else {}
    b.antibody_panel(b.day_after(b.diagnosis, 4, 21), positive)
    start = b.day_after(b.diagnosis, 0, 7)
    dose = min(60, round(b.min_weight() / 5) * 5)  # 1 mg/kg, at most 60 mg
    taper = add_months(start, 6)
    b.medication("prednisolone", dose, start, taper)
    if taper < b.today:
        b.medication("prednisolone", 7.5, taper)
    b.medication("methotrexate", round(15 / 7, 2), b.day_after(start, 14, 30))
    b.cancer_screening(enhanced=True)


def _presentation(b: CaseBuilder, index: int, visit: dict) -> None:
    """Weak and dysphagic at the first two visits, recovering after."""
    day = date.fromisoformat(visit["date"])
    if index < 2:
        visit["weakness"] = ["neck_flexor", "proximal_lower", "proximal_upper"][: 3 - index]
        visit["symptoms"] = sorted({*visit["symptoms"], "dysphagia_moderate_severe"})
        visit["mmt8"] = b.rng.randint(58, 66) + 6 * index
        b.set_lab(day, "ck", round(b.uln("ck") * b.rng.uniform(3, 12) / (1 + 2 * index)))
    elif index == 2:
        visit["symptoms"] = sorted({*visit["symptoms"], "dysphagia_mild"})
        visit["mmt8"] = b.rng.randint(74, 78)
    else:
        visit["mmt8"] = b.rng.randint(77, 80)


PHENOTYPES = {
    "tif1g_positive": tif1g_positive,
    "nxp2_positive": nxp2_positive,
    "male": male,
    "refractory": refractory,
    "skin_ulceration": skin_ulceration,
    "dysphagia_moderate_severe": dysphagia_moderate_severe,
}
