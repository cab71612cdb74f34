"""Case files (../shared/case-format.md) to PatientFacts, with the semantic checks that JSON
Schema cannot express: units that fit the analyte, plausibility ranges after normalisation
(§6.2), and dates between birth and `as_of`. Pure: the caller reads the file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from . import facts as f
from . import measurements


class CaseError(ValueError):
    def __init__(self, path: str, message: str):
        self.path, self.message = path, message
        super().__init__(f"{path}: {message}")


def _date(value, path: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CaseError(path, f"{value!r} is not a date (YYYY-MM-DD)") from None


class _Reader:
    def __init__(self, case: dict):
        self.as_of = _date(case.get("as_of"), "$.as_of")
        p = case["patient"]
        self.birth = _date(p["birth_date"], "$.patient.birth_date")
        if self.birth > self.as_of:
            raise CaseError("$.patient.birth_date", f"{self.birth} is after as_of "
                                                    f"({self.as_of}); nothing dated later exists")

    def day(self, value, path: str) -> date:
        d = _date(value, path)
        if d > self.as_of:
            raise CaseError(path, f"{d} is after as_of ({self.as_of}); nothing dated later "
                                  f"exists")
        if d < self.birth:
            raise CaseError(path, f"{d} is before birth_date ({self.birth})")
        return d

    @staticmethod
    def value(code: str, value, unit: str | None, path: str) -> float:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise CaseError(path, f"{value!r} is not a number") from None
        try:
            return float(measurements.check(code, number, unit, confirmed=True))
        except measurements.UnitNotAccepted as exc:
            raise CaseError(path.rsplit(".", 1)[0] + ".unit", exc.message) from None
        except measurements.MeasurementError as exc:
            raise CaseError(path, exc.message) from None


def facts_from_case(case: dict) -> tuple[f.PatientFacts, date]:
    """(facts, as_of). Raises CaseError naming the JSON path, the value and what is accepted."""
    r = _Reader(case)
    p = case["patient"]
    patient = f.PatientInfo(
        sex=p["sex"], birth_date=r.birth,
        skin_onset_date=r.day(p["skin_onset_date"], "$.patient.skin_onset_date"),
        diagnosis_date=r.day(p["diagnosis_date"], "$.patient.diagnosis_date"),
        recorded_subtype=p.get("recorded_subtype") or None,
        refractory_disease=bool(p.get("refractory_disease", False)),
    )
    return f.PatientFacts(
        patient=patient,
        visits=tuple(_visit(r, v, f"$.visits[{i}]") for i, v in enumerate(case.get("visits", []))),
        labs=tuple(_lab(r, x, f"$.labs[{i}]") for i, x in enumerate(case.get("labs", []))),
        antibodies=tuple(
            f.AntibodyFact(r.day(a["date"], f"$.antibodies[{i}].date"), a["antibody"],
                           a["result"], a["method"], a.get("grade"))
            for i, a in enumerate(case.get("antibodies", []))),
        pft=tuple(_pft(r, x, f"$.pft[{i}]") for i, x in enumerate(case.get("pft", []))),
        hrct=tuple(f.HrctFact(r.day(h["date"], f"$.hrct[{i}].date"), bool(h["ild"]),
                              frozenset(h.get("findings", [])))
                   for i, h in enumerate(case.get("hrct", []))),
        six_minute_walk=tuple(_walk(r, w, f"$.six_minute_walk[{i}]")
                              for i, w in enumerate(case.get("six_minute_walk", []))),
        muscle_studies=tuple(
            f.MuscleStudyFact(r.day(m["date"], f"$.muscle_studies[{i}].date"), m["kind"],
                              bool(m["abnormal"]), frozenset(m.get("findings", [])))
            for i, m in enumerate(case.get("muscle_studies", []))),
        medications=tuple(_medication(r, m, f"$.medications[{i}]")
                          for i, m in enumerate(case.get("medications", []))),
        eye_exams=tuple(f.EyeExamFact(r.day(e["date"], f"$.eye_exams[{i}].date"))
                        for i, e in enumerate(case.get("eye_exams", []))),
        cancer_screening=tuple(
            f.ScreeningRecordFact(r.day(s["date"], f"$.cancer_screening[{i}].date"),
                                  s["panel"], s["result"])
            for i, s in enumerate(case.get("cancer_screening", []))),
    ), r.as_of


def _visit(r: _Reader, v: dict, path: str) -> f.VisitFact:
    weight = v.get("weight_kg")
    mmt8 = v.get("mmt8")
    return f.VisitFact(
        date=r.day(v["date"], f"{path}.date"),
        weight_kg=None if weight is None else r.value("weight_kg", weight, None,
                                                      f"{path}.weight_kg"),
        skin=frozenset(v.get("skin", [])), weakness=frozenset(v.get("weakness", [])),
        symptoms=frozenset(v.get("symptoms", [])),
        mmt8=None if mmt8 is None else int(r.value("mmt8", mmt8, None, f"{path}.mmt8")),
    )


def _lab(r: _Reader, x: dict, path: str) -> f.LabFact:
    value = r.value(x["test"], x["value"], x["unit"], f"{path}.value")
    uln = x.get("upper_limit")
    if uln is not None:  # same unit as the value, so the same conversion and hard range
        try:
            uln = float(measurements.check_uln(x["test"], Decimal(str(uln)), x["unit"],
                                               confirmed=True))
        except measurements.MeasurementError as exc:
            raise CaseError(f"{path}.upper_limit", exc.message) from None
    return f.LabFact(r.day(x["date"], f"{path}.date"), x["test"], value, uln)


def _pft(r: _Reader, x: dict, path: str) -> f.PftFact:
    opt = {k: r.value(k, x[k], None, f"{path}.{k}") for k in ("dlco_pct_predicted", "fvc_l")
           if x.get(k) is not None}
    return f.PftFact(r.day(x["date"], f"{path}.date"),
                     r.value("fvc_pct_predicted", x["fvc_pct_predicted"], None,
                             f"{path}.fvc_pct_predicted"), **opt)


def _walk(r: _Reader, w: dict, path: str) -> f.WalkFact:
    rest = w.get("spo2_rest")
    return f.WalkFact(r.day(w["date"], f"{path}.date"),
                      r.value("distance_m", w["distance_m"], None, f"{path}.distance_m"),
                      r.value("spo2", w["spo2_nadir"], None, f"{path}.spo2_nadir"),
                      None if rest is None else r.value("spo2", rest, None, f"{path}.spo2_rest"))


def _medication(r: _Reader, m: dict, path: str) -> f.MedicationFact:
    end = m.get("end_date")
    start = r.day(m["start_date"], f"{path}.start_date")
    # Contract reading: "a date after as_of" makes the file invalid, a planned end date too.
    end_day = None if end is None else r.day(end, f"{path}.end_date")
    if end_day and end_day < start:
        raise CaseError(f"{path}.end_date", f"{end_day} is before start_date ({start})")
    dose = m.get("dose_mg_per_day")
    if dose is not None and dose <= 0:
        raise CaseError(f"{path}.dose_mg_per_day", f"{dose} must be above 0 mg/day")
    return f.MedicationFact(m["drug"], start, None if dose is None else float(dose), end_day)
