"""The same bad lung result gets the same message whatever door it comes in by (issue 11, §1).

Each door takes one entry of a case file's lung list and returns (input field, message) of
its first refusal, as the other results' doors do (test_doors.py), the API's included.
"""

from __future__ import annotations

import pytest

from tests.cadm.inputs.api_doors import pin_api_today, result_api_door
from tests.cadm.inputs.test_doors import (  # noqa: F401  (north: a fixture)
    TODAY,
    _result_form_door,
    north,
    result_case_door,
)


@pytest.fixture(autouse=True)
def _api_today(monkeypatch):
    pin_api_today(monkeypatch, TODAY)


def lung_form_door(case_key: str, entry: dict, *, patient, **_) -> tuple[str, str]:
    """The row of the page; a date is the page's (its date form), not the row's. The page
    asks to confirm unusual values; a case file is confirmed by nature."""
    from cadm.forms.visits import ResultsDateForm
    from monitoring import forms as f

    if "date" in entry:
        return _result_form_door(ResultsDateForm, {"observed_on": entry["date"]}, patient)
    form_class = {"pft": f.PftForm, "hrct": f.HrctForm, "six_minute_walk": f.SixMinuteWalkForm,
                  "ppf": f.PpfAssessmentForm}[case_key]
    data = {k: ("yes" if val else "no") if isinstance(val, bool) else val
            for k, val in entry.items()}
    return _result_form_door(form_class, {**data, "confirm_unusual": "on"}, patient)


RESULT_DOORS = {"form": lung_form_door, "case_load": result_case_door,
                "api": result_api_door}
RESULT_BAD_VALUES = [
    ("pft", {"fvc_pct_predicted": 170}, "fvc_pct_predicted",
     "FVC % predicted: 170 % is outside the accepted range 10–160 %."),
    ("pft", {"fvc_pct_predicted": 80, "fvc_l": 12.345}, "fvc_l",
     "FVC (L): '12.345' has too many digits; accepted: 0.2–8 L, at most 4 digits, 2 after the "
     "decimal point."),
    ("hrct", {"ild": True, "findings": ["ground_glass", "bogus"]}, "findings",
     "Findings: 'bogus' is not one of the choices; accepted: any of: Ground-glass opacity, "
     "Consolidation, Reticulation, Traction bronchiectasis, Honeycombing."),
    ("hrct", {"date": "1980-03-02", "ild": False}, "observed_on",
     "Date of the results: 1980-03-02 is before the patient's birth date (1980-03-03); "
     "accepted: 1980-03-03 to 2026-06-01."),
    ("six_minute_walk", {"distance_m": 400, "spo2_rest": 95, "spo2_nadir": 96}, "spo2_nadir",
     "SpO₂ nadir: 96 % is above the resting value (95 %); the nadir is the lowest reading."),
    ("six_minute_walk", {"distance_m": 1000.1, "spo2_nadir": 90}, "distance_m",
     "6-minute walk distance: 1000.1 m is outside the accepted range 0–1000 m."),
    # The case format holds no PPF assessment: the page's row only.
    ("ppf", {"worsening_symptoms": "maybe", "radiological_progression": False},
     "worsening_symptoms", "Worsening respiratory symptoms: 'maybe' is not one of the "
                           "choices; accepted: one of: Yes, No."),
]
CASE_FORMAT_HAS_NO = {"ppf"}


@pytest.mark.parametrize(("door", "case_key", "entry", "field", "message"), [
    (door, *row) for row in RESULT_BAD_VALUES for door in RESULT_DOORS
    if not (door == "case_load" and row[0] in CASE_FORMAT_HAS_NO)
], ids=lambda value: value if isinstance(value, str) and len(value) < 20 else None)
def test_the_same_bad_lung_result_gets_the_same_message(door, case_key, entry, field, message,
                                                        north, patient):  # noqa: F811
    site, actor = north
    got = RESULT_DOORS[door](case_key, entry, patient=patient, actor=actor, site=site)
    assert got == (field, message)
