"""Demo phenotypes around the lung: anti-MDA5 disease and interstitial lung disease.

Markers and thresholds follow clinical-reference.md §4 (ferritin ≥ 1500 ng/mL, KL-6 > 1600
U/mL) and §5 (FVC fall ≥ 5 points, DLCO fall ≥ 10 points within a year; 6MWT nadir ≤ 88 %).
"""

from __future__ import annotations

from datetime import date, timedelta

from .builder import CaseBuilder, add_months

HALLMARKS = ("heliotrope", "gottron_papules", "gottron_sign")
# Anti-MDA5 skin: palmar papules, mechanic's hands, ulceration (clinical-reference.md §4.3).
MDA5_EXTRAS = ("palmar_papules", "mechanics_hands", "periungual_erythema", "v_sign")
ILD_EXTRAS = ("mechanics_hands", "v_sign", "periungual_erythema")
NSIP = ("ground_glass", "reticulation")


def mda5_course(b: CaseBuilder, *, onset_months: tuple[int, int], last_within: int = 100,
                extras: tuple[str, ...] = MDA5_EXTRAS) -> date:
    """Anti-MDA5-positive amyopathic DM: visits, labs, panel, treatment. Returns the date of
    the first positive result."""
    b.start(sex=b.female(0.7), onset_age=(28, 62), onset_months=onset_months,
            recorded="amyopathic")
    b.set_skin(HALLMARKS, extras)
    b.symptom_pool = ("arthritis",)
    b.visits(last_within=last_within)
    b.routine_labs()
    ro52 = {"ro52": None} if b.rng.random() < 0.5 else {}
    positive = b.antibody_panel(b.day_after(b.diagnosis, 4, 21),
                                {"mda5": b.rng.randint(1, 3), **ro52})
    if b.rng.random() < 0.5:
        b.antibody(b.day_after(positive, 10, 30), "mda5", "positive")  # ELISA confirmation
    mda5_markers(b)
    mda5_treatment(b, positive)
    b.cancer_screening(enhanced=b.rng.random() < 0.7)
    return positive


def mda5_markers(b: CaseBuilder, *, rising_to: dict[str, float] | None = None) -> None:
    """Ferritin and KL-6 at each visit: raised at diagnosis, falling on treatment; or, with
    `rising_to`, climbing over the last visits to the given values."""
    days = b.visit_days()
    ferritin, kl6 = b.rng.uniform(350, 900), b.rng.uniform(500, 950)
    for index, day in enumerate(days):
        if rising_to and index >= len(days) - 2:
            share = 0.55 if index == len(days) - 2 else 1.0
            values = {test: max(start, rising_to.get(test, start * 1.3) * share)
                      for test, start in (("ferritin", ferritin), ("kl6", kl6))}
        else:
            fade = 0.75 ** index
            values = {"ferritin": max(ferritin * fade, b.rng.uniform(60, 160)),
                      "kl6": max(kl6 * fade, b.rng.uniform(250, 420))}
        b.lab(day, "ferritin", round(values["ferritin"]))
        b.lab(day, "kl6", round(values["kl6"]))


def mda5_treatment(b: CaseBuilder, positive: date) -> None:
    """Glucocorticoid taper plus a calcineurin inhibitor, and hydroxychloroquine for skin."""
    start = b.day_after(positive, 3, 14)
    taper = add_months(start, b.rng.randint(6, 10))
    dose = round(b.min_weight() * 0.5 / 5) * 5
    b.medication("prednisolone", dose, start, taper if taper < b.today else None)
    if taper < b.today:
        b.medication("prednisolone", 5, taper)
    b.medication("tacrolimus", b.rng.choice((2, 3, 4)), start)
    b.hcq(b.day_after(b.diagnosis, 0, 30))


def lung_baseline(b: CaseBuilder, after: date, *, ild: bool, fvc: float, dlco: float,
                  until: date | None = None, findings: tuple[str, ...] = NSIP) -> date:
    """HRCT and PFT with DLCO soon after `after`, then stable PFTs (ACR/CHEST 2023: every
    3–6 months in the first year, less often once stable)."""
    base = b.day_after(after, 7, 40)
    b.hrct(base, ild, findings if ild else ())
    b.pft_series(base, fvc, dlco, until=until)
    return base


def mda5_with_lung_baseline(b: CaseBuilder) -> None:
    positive = mda5_course(b, onset_months=(9, 54))
    ild = b.rng.random() < 0.4
    lung_baseline(b, positive, ild=ild, findings=("ground_glass",),
                  fvc=b.rng.uniform(80, 98), dlco=b.rng.uniform(62, 88))


def mda5_without_lung_tests(b: CaseBuilder) -> None:
    """Recently found anti-MDA5: no HRCT or PFT yet (the gap the lung alert is for)."""
    mda5_course(b, onset_months=(6, 9), last_within=40)


def mda5_rpild_markers(b: CaseBuilder) -> None:
    """Ferritin and/or KL-6 climbing over the last visits, dyspnoea or cough at the last."""
    positive = mda5_course(b, onset_months=(7, 20), last_within=45)
    mode = ("ferritin", "kl6", "both")[b.instance % 3]
    targets = {"ferritin": b.rng.uniform(1600, 3200), "kl6": b.rng.uniform(1700, 2800)}
    targets = targets if mode == "both" else {mode: targets[mode]}
    b.case["labs"] = [lab for lab in b.case["labs"] if lab["test"] not in ("ferritin", "kl6")]
    mda5_markers(b, rising_to=targets)
    last = b.case["visits"][-1]
    last["symptoms"] = sorted({*last["symptoms"], *b.rng.choice(
        (("dyspnea",), ("dry_cough",), ("dyspnea", "dry_cough")))})
    last_day = date.fromisoformat(last["date"])
    fvc, dlco = b.rng.uniform(78, 92), b.rng.uniform(60, 78)
    lung_baseline(b, positive, ild=True, findings=("ground_glass",), fvc=fvc, dlco=dlco,
                  until=last_day - timedelta(days=40))
    recent = b.day_after(last_day, 0, 7)
    b.hrct(recent, True, ("ground_glass", "consolidation"))
    b.pft(recent, fvc - b.rng.uniform(6, 12), dlco - b.rng.uniform(8, 18))
    b.walk(recent, b.rng.randint(330, 430), b.rng.randint(93, 96), b.rng.randint(86, 91))
    b.medication("tofacitinib", 10, recent)


def mda5_lung_decline(b: CaseBuilder) -> None:
    """ILD with a PPF physiological fall at the latest PFT (§5: FVC ≥ 5 or DLCO ≥ 10 points)."""
    positive = mda5_course(b, onset_months=(14, 40))
    fvc, dlco = b.rng.uniform(76, 90), b.rng.uniform(58, 76)
    latest = b.today - timedelta(days=b.rng.randint(10, 60))
    lung_baseline(b, positive, ild=True, fvc=fvc, dlco=dlco,
                  until=latest - timedelta(days=90))
    mode = b.instance % 3
    # Below every stable value (FVC ±2, DLCO ±4.5), so the fall holds against any of them.
    fvc_now = fvc - 2 - b.rng.uniform(5.5, 8) if mode in (0, 2) else fvc - b.rng.uniform(0, 1.5)
    dlco_now = dlco - 4.5 - b.rng.uniform(10.5, 13) if mode in (1, 2) else dlco - 2
    b.pft(latest, fvc_now, dlco_now)
    b.hrct(b.day_after(latest, 0, 10), True, (*NSIP, "traction_bronchiectasis"))
    b.medication("mycophenolate", 2000, b.day_after(latest, 0, 14))


def _ild_course(b: CaseBuilder, *, onset_months: tuple[int, int]) -> date:
    """DM with ILD and no anti-MDA5: anti-Ro52, a non-Jo-1 antisynthetase antibody, or none."""
    b.start(sex=b.female(0.65), onset_age=(35, 70), onset_months=onset_months,
            recorded="amyopathic")
    b.set_skin(HALLMARKS, ILD_EXTRAS)
    b.symptom_pool = ("arthritis", "raynaud")
    b.visits()
    b.routine_labs()
    positive = ({"ro52": None}, {"pl12": 2, "ro52": None}, {})[b.instance % 3]
    found = b.antibody_panel(b.day_after(b.diagnosis, 4, 21), positive)
    b.medication("mycophenolate", b.rng.choice((2000, 3000)), b.day_after(found, 20, 60))
    b.hcq(b.day_after(b.diagnosis, 0, 30))
    b.cancer_screening(enhanced=b.rng.random() < 0.5)
    return found


def ild_without_mda5(b: CaseBuilder) -> None:
    """Stable ILD; for some the PFTs stopped more than 6 months ago (monitoring overdue)."""
    # Long enough since onset that the overdue patient's last PFT is over 6 months old.
    found = _ild_course(b, onset_months=(18, 54))
    overdue = b.instance == 1
    until = b.today - timedelta(days=b.rng.randint(200, 300)) if overdue else None
    lung_baseline(b, found, ild=True, fvc=b.rng.uniform(70, 86), dlco=b.rng.uniform(55, 72),
                  until=until)


def exertional_desaturation(b: CaseBuilder) -> None:
    """ILD whose latest 6-minute walk falls to ≤ 88 % (Lama 2003, clinical-reference.md §5)."""
    found = _ild_course(b, onset_months=(12, 54))
    base = lung_baseline(b, found, ild=True, fvc=b.rng.uniform(66, 80),
                         dlco=b.rng.uniform(45, 62))
    day = b.day_after(base, 0, 14)
    while day < b.today - timedelta(days=200):
        b.walk(day, b.rng.randint(420, 520), b.rng.randint(95, 98), b.rng.randint(89, 93))
        day = add_months(day, b.rng.randint(6, 9))
    latest = b.today - timedelta(days=b.rng.randint(5, 90))
    b.walk(latest, b.rng.randint(300, 420), b.rng.randint(93, 96), b.rng.randint(83, 88))


PHENOTYPES = {
    "mda5_with_lung_baseline": mda5_with_lung_baseline,
    "mda5_without_lung_tests": mda5_without_lung_tests,
    "mda5_rpild_markers": mda5_rpild_markers,
    "mda5_lung_decline": mda5_lung_decline,
    "ild_without_mda5": ild_without_mda5,
    "exertional_desaturation": exertional_desaturation,
}
