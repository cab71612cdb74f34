"""Demo phenotypes around the subtype (Sontheimer, clinical-reference.md §3): stable
amyopathic disease, early skin-only disease, juvenile onset, and the three ways a recorded
"amyopathic" label stops fitting (a CK rise, MRI oedema, weakness on examination)."""

from __future__ import annotations

from datetime import date, timedelta

from .builder import CaseBuilder

HALLMARKS = ("heliotrope", "gottron_papules", "gottron_sign")
EXTRAS = ("v_sign", "shawl_sign", "periungual_erythema", "scalp_involvement")
WEAKNESS = ("proximal_upper", "proximal_lower", "neck_flexor", "proximal_leg_over_distal")


def amyopathic_course(b: CaseBuilder, *, onset_months: tuple[int, int],
                      recorded: str | None = "amyopathic", last_within: int = 100,
                      onset_age: tuple[int, int] = (25, 68), sex: str | None = None,
                      positive: dict[str, int | None] | None = None,
                      extras: tuple[str, ...] = EXTRAS, hcq: bool = True,
                      enhanced: bool | None = None, **start) -> None:
    """Skin disease with normal enzymes and strength: visits, labs, a negative (or given)
    line blot, hydroxychloroquine with retinal screening, cancer screening at diagnosis.
    `start` goes to CaseBuilder.start (weight, refractory)."""
    b.start(sex=sex or b.female(), onset_age=onset_age, onset_months=onset_months,
            recorded=recorded, **start)
    b.set_skin(HALLMARKS, extras)
    b.symptom_pool = ("arthritis", "raynaud")
    b.visits(last_within=last_within)
    b.routine_labs()
    b.antibody_panel(b.day_after(b.diagnosis, 4, 21), positive or {})
    if hcq:
        b.hcq(b.day_after(b.diagnosis, 0, 30))
    b.cancer_screening(enhanced=b.rng.random() < 0.4 if enhanced is None else enhanced)


def _last_visit(b: CaseBuilder) -> tuple[dict, date]:
    visit = b.case["visits"][-1]
    return visit, date.fromisoformat(visit["date"])


def ck_rise_amyopathic(b: CaseBuilder) -> None:
    """Recorded amyopathic; CK normal for a year or more, then above the lab's ULN."""
    amyopathic_course(b, onset_months=(14, 42), last_within=50)
    _, day = _last_visit(b)
    b.set_lab(day, "ck", round(b.uln("ck") * b.rng.uniform(1.6, 3.5)))
    if b.instance != 2:
        # A repeat a few weeks later, as a clinician would ask for after a first rise.
        b.lab(b.day_after(day, 10, 25), "ck", round(b.uln("ck") * b.rng.uniform(1.4, 3.0)))


def mri_oedema_amyopathic(b: CaseBuilder) -> None:
    """Recorded amyopathic, normal CK, thigh MRI showing muscle oedema (subclinical myositis,
    §3.1: hypomyopathic)."""
    amyopathic_course(b, onset_months=(12, 48))
    if b.instance == 0:
        b.muscle(b.day_after(b.diagnosis, 10, 40), "emg", False)
    b.muscle(b.today - timedelta(days=b.rng.randint(20, 150)), "mri", True)


def weakness_appeared(b: CaseBuilder) -> None:
    """Recorded amyopathic; proximal weakness found at the last visit(s), with CK raised:
    now classic DM."""
    amyopathic_course(b, onset_months=(12, 42), last_within=60)
    weak = b.case["visits"][-2:] if b.instance == 1 else b.case["visits"][-1:]
    for visit in weak:
        visit["weakness"] = sorted(b.rng.sample(WEAKNESS[:3], b.rng.randint(1, 3)))
        visit["mmt8"] = b.rng.randint(62, 74)
        day = date.fromisoformat(visit["date"])
        b.set_lab(day, "ck", round(b.uln("ck") * b.rng.uniform(2, 8)))
        b.set_lab(day, "aldolase", round(b.uln("aldolase") * b.rng.uniform(1.3, 2.5), 1))


def stable_amyopathic(b: CaseBuilder) -> None:
    """Over two years of skin-only disease, enzymes and strength normal throughout: confirmed
    amyopathic DM. Baseline lung screening and a normal MRI for some."""
    amyopathic_course(b, onset_months=(26, 58))
    if b.instance != 1:
        b.muscle(b.day_after(b.diagnosis, 10, 45), "mri", False)
    base = b.day_after(b.diagnosis, 10, 45)
    b.hrct(base, False)
    b.pft(base, b.rng.uniform(88, 105), b.rng.uniform(80, 100))


def skin_only_recent(b: CaseBuilder) -> None:
    """Hallmark skin disease for under 6 months: too early to call it amyopathic."""
    b.start(sex=b.female(), onset_age=(25, 65), onset_months=(1, 5), recorded=None,
            diagnosis_days=(10, 40))
    b.set_skin(HALLMARKS, EXTRAS)
    b.visits(last_within=30)
    b.routine_labs()
    if b.today - b.diagnosis > timedelta(days=14):
        b.antibody_panel(b.day_after(b.diagnosis, 4, 14), {})


def juvenile_onset(b: CaseBuilder) -> None:
    """Onset before 18 (IMACS cancer screening does not apply, §1.1); calcinosis and nailfold
    changes are common in juvenile DM, as are anti-NXP2 and anti-TIF1-γ."""
    positive = ({"nxp2": None}, {}, {"tif1g": 1})[b.instance % 3]
    amyopathic_course(b, onset_months=(8, 40), onset_age=(6, 15), positive=positive,
                      extras=("periungual_erythema", "calcinosis", "v_sign"))


PHENOTYPES = {
    "ck_rise_amyopathic": ck_rise_amyopathic,
    "mri_oedema_amyopathic": mri_oedema_amyopathic,
    "weakness_appeared": weakness_appeared,
    "stable_amyopathic": stable_amyopathic,
    "skin_only_recent": skin_only_recent,
    "juvenile_onset": juvenile_onset,
}
