"""Building blocks of one synthetic patient's case file (../shared/case-format.md).

Every value stays inside the plausibility ranges of clinical-reference.md §6.2 and every date
between the birth date and `today`. Enzyme results always carry the reporting laboratory's
upper limit of normal, taken from the example reference intervals of §6.1.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from cadm.rules.vocabulary import HALLMARK_SKIN_SIGNS

# clinical-reference.md §6.1 example intervals: CK is sex-specific (Mayo: women 26–192, men
# 39–308 U/L); aldolase ARUP 1.2–7.6; LDH ~120–250; AST ~10–40; ALT ~7–56 U/L.
ULN = {
    "ck": {"female": 192, "male": 308},
    "aldolase": {"female": 7.6, "male": 7.6},
    "ldh": {"female": 250, "male": 250},
    "ast": {"female": 40, "male": 40},
    "alt": {"female": 56, "male": 56},
}
ENZYMES = tuple(ULN)
# Lower ends of the same intervals, so "normal" results look like normal results.
LLN = {
    "ck": {"female": 26, "male": 39},
    "aldolase": {"female": 1.2, "male": 1.2},
    "ldh": {"female": 120, "male": 120},
    "ast": {"female": 10, "male": 10},
    "alt": {"female": 7, "male": 7},
}
# Adult weights (kg) drawn by sex unless a phenotype asks for a range.
ADULT_WEIGHT = {"female": (50, 86), "male": (62, 102)}
# A commercial myositis line blot reports all of these at once (ENMC 239: MSA testing is part
# of the work-up, clinical-reference.md §3.2).
LINE_BLOT = ("mda5", "tif1g", "nxp2", "mi2", "sae1", "jo1", "pl7", "pl12", "ro52")
# South Clinic's laboratory reports CRP in mg/dL and ferritin in µg/L, so the demo shows the
# unit normalisation of case-format.md at work.
SITE_UNITS = {"north": {"crp": "mg/L", "ferritin": "ng/mL"},
              "south": {"crp": "mg/dL", "ferritin": "ug/L"}}
UNITS = {"crp": "mg/L", "ferritin": "ng/mL", "esr": "mm/h", "kl6": "U/mL", **dict.fromkeys(
    ENZYMES, "U/L")}
# Rough median weight (kg) by age for children; adults use the patient's own weight.
CHILD_WEIGHT = ((6, 21), (8, 26), (10, 32), (12, 40), (14, 50), (16, 56), (18, 60))


def add_months(day: date, months: int) -> date:
    """Calendar months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class CaseBuilder:
    """Accumulates one case file. Phenotype functions call `start()`, then the helpers."""

    def __init__(self, *, rng: random.Random, today: date, site_code: str, case_id: str,
                 instance: int = 0):
        # `instance`: which patient of its phenotype this is, so a phenotype can vary on it.
        self.rng, self.today, self.site_code, self.instance = rng, today, site_code, instance
        self.case: dict = {"case_id": case_id, "as_of": today.isoformat(), "patient": {}}
        for key in ("visits", "labs", "antibodies", "pft", "hrct", "six_minute_walk",
                    "muscle_studies", "medications", "eye_exams", "cancer_screening"):
            self.case[key] = []
        self.skin_signs: tuple[tuple[str, ...], tuple[str, ...]] = (("heliotrope",), ())
        self.symptom_pool: tuple[str, ...] = ()

    # --- demographics and course -------------------------------------------------------

    def start(self, *, sex: str, onset_age: tuple[int, int], onset_months: tuple[int, int],
              recorded: str | None, weight: tuple[int, int] | None = None,
              diagnosis_days: tuple[int, int] = (30, 120), refractory: bool = False) -> None:
        """Sex, birth, skin onset `onset_months` before today, diagnosis some weeks later."""
        rng = self.rng
        self.sex = sex
        self.onset = self.today - timedelta(days=rng.randint(onset_months[0] * 30 + 2,
                                                             onset_months[1] * 30 + 2))
        # Age at onset in completed years is exactly the drawn age.
        age = rng.randint(*onset_age)
        self.birth = add_months(self.onset, -12 * age - rng.randint(0, 11)) - timedelta(
            days=rng.randint(0, 27))
        self.diagnosis = self.day_after(self.onset, *diagnosis_days)
        self.adult_weight = float(rng.randint(*(weight or ADULT_WEIGHT[sex])))
        self.case["patient"] = {
            "sex": sex, "birth_date": self.birth.isoformat(),
            "skin_onset_date": self.onset.isoformat(),
            "diagnosis_date": self.diagnosis.isoformat(),
            "recorded_subtype": recorded, "refractory_disease": refractory,
        }

    def female(self, share: float = 0.7) -> str:
        """DM affects about twice as many women as men."""
        return "female" if self.rng.random() < share else "male"

    def day_after(self, day: date, low: int, high: int) -> date:
        """A day `low`–`high` days after `day`, never after today."""
        return min(day + timedelta(days=self.rng.randint(low, high)), self.today)

    def uln(self, test: str) -> float:
        return ULN[test][self.sex]

    def weight_on(self, day: date) -> float:
        age = age_on(self.birth, day)
        if age >= 18:
            return self.adult_weight
        for (a0, w0), (a1, w1) in zip(CHILD_WEIGHT, CHILD_WEIGHT[1:], strict=False):
            if age < a1:
                return w0 + (w1 - w0) * max(age - a0, 0) / (a1 - a0)
        return CHILD_WEIGHT[-1][1]

    # --- visits ------------------------------------------------------------------------

    def visit_dates(self, *, last_within: int = 100) -> list[date]:
        """Diagnosis visit, then one every 3–6 months, the last within `last_within` days.

        Built backwards from the last visit so the final visit is recent; a gap of at least
        45 days is kept after the diagnosis visit.
        """
        last = self.today - timedelta(days=self.rng.randint(3, last_within))
        dates: list[date] = []
        while last >= self.diagnosis + timedelta(days=45):
            dates.append(last)
            last = add_months(last, -self.rng.randint(3, 6)) - timedelta(
                days=self.rng.randint(-7, 7))
        return [self.diagnosis, *reversed(dates)]

    def visits(self, *, last_within: int = 100, mmt8: bool = True) -> list[dict]:
        """Routine visits: hallmark skin signs at each (fading but never gone), no weakness."""
        dates = self.visit_dates(last_within=last_within)
        for index, day in enumerate(dates):
            self.visit(day, early=index < 2, mmt8=80 if mmt8 and self.rng.random() < 0.8
                       else None)
        return self.case["visits"]

    def visit(self, day: date, *, early: bool = True, weakness: Sequence[str] = (),
              symptoms: Iterable[str] = (), mmt8: int | None = 80) -> dict:
        hallmarks, extras = self.skin_signs
        rng = self.rng
        skin = rng.sample(hallmarks, rng.randint(1, len(hallmarks)))
        skin += [sign for sign in extras if rng.random() < (0.7 if early else 0.4)]
        drawn = [s for s in self.symptom_pool if rng.random() < 0.3]
        weight = self.weight_on(day) + rng.uniform(-1.5, 1.5)
        visit = {
            "date": day.isoformat(), "weight_kg": round(max(weight, 20.0), 1),
            "skin": _ordered(skin), "weakness": list(weakness),
            "symptoms": _ordered([*drawn, *symptoms]),
        }
        if mmt8 is not None:
            visit["mmt8"] = mmt8
        self.case["visits"].append(visit)
        return visit

    def visit_days(self) -> list[date]:
        return [date.fromisoformat(v["date"]) for v in self.case["visits"]]

    def min_weight(self) -> float:
        return min(v["weight_kg"] for v in self.case["visits"])

    # --- laboratory ------------------------------------------------------------------

    def lab(self, day: date, test: str, value: float) -> None:
        """`value` in the canonical unit (case-format.md); reported in the site's unit."""
        unit = SITE_UNITS[self.site_code].get(test, UNITS[test])
        if unit == "mg/dL":
            value = value / 10
        entry = {"date": day.isoformat(), "test": test, "value": _num(value), "unit": unit}
        if test in ULN:
            entry["upper_limit"] = self.uln(test)
        self.case["labs"].append(entry)

    def enzymes(self, day: date, *, tests: Sequence[str] = ENZYMES) -> None:
        """Normal results: between the lower limit and 85 % of the upper limit."""
        for test in tests:
            value = self.rng.uniform(LLN[test][self.sex] * 1.2, self.uln(test) * 0.85)
            self.lab(day, test, round(value, 1) if test == "aldolase" else round(value))

    def inflammation(self, day: date, *, crp: tuple[float, float] = (0.5, 6),
                     esr: tuple[int, int] = (4, 25)) -> None:
        self.lab(day, "crp", round(self.rng.uniform(*crp), 1))
        self.lab(day, "esr", self.rng.randint(*esr))

    def routine_labs(self, *, full_panel_every: int = 3) -> None:
        """Full enzyme panel and inflammation markers at diagnosis, CK at every visit, the
        full panel again every few visits (drug monitoring asks for AST/ALT anyway)."""
        for index, day in enumerate(self.visit_days()):
            full = index % full_panel_every == 0
            self.enzymes(day, tests=ENZYMES if full else ("ck",))
            if full:
                self.inflammation(day)

    def antibody_panel(self, day: date, positive: dict[str, int | None],
                       *, equivocal: Sequence[str] = ()) -> date:
        """A line blot: every antigen reported, `positive` maps antibody -> grade (or None)."""
        for antibody in LINE_BLOT:
            result = ("positive" if antibody in positive
                      else "equivocal" if antibody in equivocal else "negative")
            entry = {"date": day.isoformat(), "antibody": antibody, "result": result,
                     "method": "line_blot"}
            if positive.get(antibody):
                entry["grade"] = positive[antibody]
            self.case["antibodies"].append(entry)
        return day

    def set_lab(self, day: date, test: str, value: float) -> None:
        """Replace the `test` result of `day` (or add one): a routine panel turned abnormal."""
        self.case["labs"] = [lab for lab in self.case["labs"]
                             if (lab["date"], lab["test"]) != (day.isoformat(), test)]
        self.lab(day, test, value)

    def antibody(self, day: date, antibody: str, result: str, method: str = "elisa") -> None:
        self.case["antibodies"].append({"date": day.isoformat(), "antibody": antibody,
                                        "result": result, "method": method})

    # --- lung ----------------------------------------------------------------------------

    def predicted_fvc_l(self) -> float:
        """Very rough predicted FVC (L) for the patient's sex and age; enough for a demo."""
        age = age_on(self.birth, self.today)
        if age < 18:
            return 1.2 + 0.17 * age
        return (4.6 - 0.025 * (age - 30)) if self.sex == "male" else (3.4 - 0.02 * (age - 30))

    def pft(self, day: date, fvc: float, dlco: float | None = None) -> None:
        entry = {"date": day.isoformat(), "fvc_pct_predicted": round(fvc, 1),
                 "fvc_l": round(self.predicted_fvc_l() * fvc / 100, 2)}
        if dlco is not None:
            entry["dlco_pct_predicted"] = round(dlco, 1)
        self.case["pft"].append(entry)

    def pft_series(self, first: date, fvc: float, dlco: float, *, until: date | None = None,
                   months: tuple[int, int] = (3, 6)) -> list[date]:
        """Stable PFTs from `first` (always done) up to `until`: every `months[0]` months in
        year 1, then every `months[1]`.

        FVC varies by < 2 points and DLCO by < 4.5 around the baseline, below the
        progression thresholds of clinical-reference.md §5 (5 and 10 points).
        """
        until = until or self.today
        dates, day = [first], first
        while True:
            step = months[0] if day < add_months(first, 12) else months[1]
            day = add_months(day, step) + timedelta(days=self.rng.randint(-5, 5))
            if day > until:
                break
            dates.append(day)
        for day in dates:
            self.pft(day, fvc + self.rng.uniform(-2, 2), dlco + self.rng.uniform(-4.5, 4.5))
        return dates

    def hrct(self, day: date, ild: bool, findings: Sequence[str] = ()) -> None:
        self.case["hrct"].append({"date": day.isoformat(), "ild": ild,
                                  "findings": list(findings)})

    def walk(self, day: date, distance: int, rest: int, nadir: int) -> None:
        self.case["six_minute_walk"].append({"date": day.isoformat(), "distance_m": distance,
                                             "spo2_rest": rest, "spo2_nadir": nadir})

    # --- other results -----------------------------------------------------------------

    def muscle(self, day: date, kind: str, abnormal: bool,
               findings: Sequence[str] = ()) -> None:
        self.case["muscle_studies"].append({"date": day.isoformat(), "kind": kind,
                                            "abnormal": abnormal, "findings": list(findings)})

    def medication(self, drug: str, dose: float, start: date, end: date | None = None) -> None:
        entry = {"drug": drug, "dose_mg_per_day": _num(dose), "start_date": start.isoformat()}
        if end is not None and end <= self.today:
            entry["end_date"] = max(end, start).isoformat()
        self.case["medications"].append(entry)

    def eye_exam(self, day: date) -> None:
        self.case["eye_exams"].append({"date": day.isoformat()})

    def hcq(self, start: date, *, dose: int | None = None, eyes: str = "screened") -> None:
        """Hydroxychloroquine from `start`; `eyes`: "screened" (AAO 2016: baseline within the
        first year, yearly from year 5), "annual" (baseline, then every year), "lapsed"
        (baseline only) or "none"."""
        if dose is None:
            # AAO 2016 (clinical-reference.md §7): at most 5.0 mg/kg of real body weight.
            dose = min(400, int(5.0 * self.min_weight() // 50 * 50))
        self.medication("hydroxychloroquine", dose, start)
        if eyes == "none":
            return
        self.eye_exam(self.day_after(start, 20, 200))
        if eyes == "lapsed":
            return
        year = 1 if eyes == "annual" else 5
        while add_months(start, 12 * year) <= self.today:
            self.eye_exam(self.day_after(add_months(start, 12 * year), 0, 40))
            year += 1

    def cancer_screening(self, *, enhanced: bool) -> None:
        """IMACS 2023 panels at diagnosis (clinical-reference.md §1.4). Kept in the case file
        for the screening app; the loader does not store them yet."""
        if age_on(self.birth, self.onset) < 18:
            return  # §1.1: juvenile-onset IIM needs no IIM-specific cancer screening
        panels = ["basic", "enhanced"] if enhanced else ["basic"]
        for panel in panels:
            day = self.day_after(self.diagnosis, 0, 45)
            self.case["cancer_screening"].append(
                {"date": day.isoformat(), "panel": panel, "result": "no_cancer"})

    def set_skin(self, hallmarks: Sequence[str], extras: Sequence[str] = ()) -> None:
        if not set(hallmarks) <= set(HALLMARK_SKIN_SIGNS) or not hallmarks:
            raise ValueError(f"not hallmark signs: {hallmarks}")
        self.skin_signs = (tuple(hallmarks), tuple(extras))


def _ordered(codes: Iterable[str]) -> list[str]:
    return sorted(set(codes))


def _num(value: float) -> float | int:
    """JSON number without float noise: whole numbers as int, others to 2 decimals."""
    rounded = round(value, 2)
    return int(rounded) if rounded == int(rounded) else rounded
