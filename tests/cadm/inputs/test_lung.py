"""The lung results' inputs (cadm.inputs.lung): at and around each edge."""

import datetime as dt
from decimal import Decimal as D

import pytest

from cadm.inputs import (
    Context,
    HrctInput,
    InputInvalid,
    PftInput,
    PpfAssessmentInput,
    SixMinuteWalkInput,
)
from cadm.rules.measurements import QUANTITIES

TODAY = dt.date(2026, 6, 1)
BIRTH = dt.date(1980, 3, 3)
CONTEXT = Context(today=TODAY, birth_date=BIRTH)
CONFIRMED = Context(today=TODAY, birth_date=BIRTH, confirmed=True)
PFT = {"fvc_pct_predicted": "80"}
WALK = {"distance_m": "400", "spo2_nadir": "90"}
HRCT = {"ild": True}
PPF = {"worsening_symptoms": "yes", "radiological_progression": "no"}


def refusal(input_class, raw, context=CONTEXT) -> dict[str, list[str]]:
    with pytest.raises(InputInvalid) as caught:
        input_class.parse(raw, context=context)
    return caught.value.message_dict


def field_refusal(input_class, raw, field, context) -> list[str]:
    """The refusals of one field only: the row's other values are not under test."""
    try:
        input_class.parse(raw, context=context)
    except InputInvalid as exc:
        return exc.message_dict.get(field, [])
    return []


def edges(quantity: str, step: D) -> list[tuple[D, str]]:
    """Each limit of §6.2 and the value one step beyond it: "refused" outside the hard
    range, "confirm" in the soft zone, else "ok"."""
    q = QUANTITIES[quantity]
    rows = [(q.hard_min - step, "refused"), (q.hard_max + step, "refused")]
    soft_min, soft_max = q.soft_min, q.soft_max
    rows += [(q.hard_min, "confirm" if soft_min is not None else "ok"),
             (q.hard_max, "confirm" if soft_max is not None else "ok")]
    if soft_min is not None:
        rows += [(soft_min - step, "confirm"), (soft_min, "ok")]
    if soft_max is not None:
        rows += [(soft_max, "ok"), (soft_max + step, "confirm")]
    return rows


# (input, base row, field, quantity, smallest step its column stores)
MEASURED = [
    (PftInput, PFT, "fvc_l", "fvc_l", D("0.01")),
    (PftInput, PFT, "fvc_pct_predicted", "fvc_pct_predicted", D("0.1")),
    (PftInput, PFT, "dlco_pct_predicted", "dlco_pct_predicted", D("0.1")),
    (PftInput, PFT, "tlc_pct_predicted", "tlc_pct_predicted", D("0.1")),
    (SixMinuteWalkInput, WALK, "distance_m", "distance_m", D("0.1")),
    (SixMinuteWalkInput, {"distance_m": "400"}, "spo2_nadir", "spo2", D("0.1")),
    # The nadir at the lowest value that needs no confirmation, so it is never above rest
    # while rest is in range unconfirmed.
    (SixMinuteWalkInput, {**WALK, "spo2_nadir": "88"}, "spo2_rest", "spo2", D("0.1")),
]


@pytest.mark.parametrize(("input_class", "base", "field", "value", "expected"), [
    (input_class, base, field, value, expected)
    for input_class, base, field, quantity, step in MEASURED
    for value, expected in edges(quantity, step)
], ids=lambda value: str(value) if not isinstance(value, dict | type) else None)
def test_each_range_at_and_beyond_its_limits(input_class, base, field, value, expected):
    raw = {**base, field: str(value)}
    unconfirmed = field_refusal(input_class, raw, field, CONTEXT)
    confirmed = field_refusal(input_class, raw, field, CONFIRMED)
    if expected == "ok":
        assert unconfirmed == confirmed == []
    elif expected == "confirm":
        (message,) = unconfirmed
        assert message.endswith("confirm the value to save it.")
        assert confirmed == []
    else:
        assert unconfirmed == confirmed
        assert "is outside the accepted range" in unconfirmed[0]


@pytest.mark.parametrize(("input_class", "raw", "field", "message"), [
    (PftInput, {"fvc_pct_predicted": "9.9"}, "fvc_pct_predicted",
     "FVC % predicted: 9.9 % is outside the accepted range 10–160 %."),
    (PftInput, {"fvc_pct_predicted": "39.9"}, "fvc_pct_predicted",
     "FVC % predicted: 39.9 % is below 40 %, unusual for FVC % predicted; confirm the value "
     "to save it."),
    (PftInput, {**PFT, "fvc_l": "8.01"}, "fvc_l",
     "FVC: 8.01 L is outside the accepted range 0.2–8 L."),
    (PftInput, {**PFT, "dlco_pct_predicted": "140.1"}, "dlco_pct_predicted",
     "DLCO % predicted: 140.1 % is above 140 %, unusual for DLCO % predicted; confirm the "
     "value to save it."),
    (PftInput, {**PFT, "fvc_l": "12.345"}, "fvc_l",
     "FVC (L): '12.345' has too many digits; accepted: 0.2–8 L, at most 4 digits, 2 after "
     "the decimal point."),
    (PftInput, {}, "fvc_pct_predicted", "FVC % predicted: required; accepted: 10–160 %."),
    (SixMinuteWalkInput, {**WALK, "distance_m": "800.1"}, "distance_m",
     "6-minute walk distance: 800.1 m is above 800 m, unusual for 6-minute walk distance; "
     "confirm the value to save it."),
    (SixMinuteWalkInput, {**WALK, "spo2_nadir": "87.9"}, "spo2_nadir",
     "SpO2: 87.9 % is below 88 %, unusual for SpO2; confirm the value to save it."),
    (SixMinuteWalkInput, {**WALK, "spo2_rest": "abc"}, "spo2_rest",
     "SpO₂ at rest (%): 'abc' is not a number; accepted: 50–100 %."),
], ids=lambda value: value if isinstance(value, str) and "_" in value else None)
def test_the_forms_messages(input_class, raw, field, message):
    assert refusal(input_class, raw)[field] == [message]


NADIR_MESSAGE = ("SpO₂ nadir: 96 % is above the resting value (95 %); the nadir is the lowest "
                 "reading.")


@pytest.mark.parametrize(("rest", "nadir", "errors"), [
    ("95", "96", {"spo2_nadir": [NADIR_MESSAGE]}),
    ("95", "95", {}),
    ("95", "94.9", {}),
    (None, "96", {}),
    # A value refused by its own range is not compared: its message says enough.
    ("101", "99", {"spo2_rest": ["SpO2: 101 % is outside the accepted range 50–100 %."]}),
])
def test_the_nadir_is_not_above_rest(rest, nadir, errors):
    raw = {"distance_m": "400", "spo2_rest": rest, "spo2_nadir": nadir}
    if errors:
        assert refusal(SixMinuteWalkInput, raw) == errors
        return
    parsed = SixMinuteWalkInput.parse(raw, context=CONTEXT)
    assert parsed.record_fields() == {"distance_m": D("400"), "spo2_nadir": D(nadir),
                                      "spo2_rest": None if rest is None else D(rest)}


def test_an_unusual_rest_confirmed_is_still_compared_with_the_nadir():
    raw = {"distance_m": "400", "spo2_rest": "87", "spo2_nadir": "88"}
    assert refusal(SixMinuteWalkInput, raw, CONFIRMED) == {"spo2_nadir": [
        "SpO₂ nadir: 88 % is above the resting value (87 %); the nadir is the lowest reading."]}


def test_a_pft_keeps_its_values():
    parsed = PftInput.parse({"fvc_pct_predicted": 88.5, "fvc_l": "3.10",
                             "dlco_pct_predicted": 71}, context=CONTEXT)
    assert parsed.record_fields() == {"fvc_pct_predicted": D("88.5"), "fvc_l": D("3.10"),
                                      "dlco_pct_predicted": D("71"), "tlc_pct_predicted": None}


HRCT_FINDINGS_ACCEPTED = ("accepted: any of: Ground-glass opacity, Consolidation, Reticulation, "
                          "Traction bronchiectasis, Honeycombing.")


@pytest.mark.parametrize(("raw", "field", "message"), [
    ({**HRCT, "findings": ["ground_glass", "bogus"]}, "findings",
     f"Findings: 'bogus' is not one of the choices; {HRCT_FINDINGS_ACCEPTED}"),
    ({**HRCT, "findings": "ground_glass"}, "findings",
     f"Findings: 'ground_glass' is not a list of choices; {HRCT_FINDINGS_ACCEPTED}"),
    ({"ild": "maybe"}, "ild",
     "Interstitial lung disease: 'maybe' is not one of the choices; accepted: one of: Yes, No."),
    ({"findings": ["ground_glass"]}, "ild",
     "Interstitial lung disease: required; choose one of: Yes, No."),
    ({**HRCT, "extent_score": "-1"}, "extent_score",
     "Extent score (optional): '-1' is below the minimum; accepted: a whole number, ≥ 0."),
    ({**HRCT, "extent_score": "1.5"}, "extent_score",
     "Extent score (optional): '1.5' is not a whole number; accepted: a whole number, ≥ 0."),
])
def test_hrct_vocabulary_answer_and_extent_score(raw, field, message):
    assert refusal(HrctInput, raw) == {field: [message]}


@pytest.mark.parametrize("ild", [True, "yes"])
def test_an_hrct_keeps_its_findings_as_a_list(ild):
    parsed = HrctInput.parse({"ild": ild, "findings": ["ground_glass", "reticulation"],
                              "extent_score": "0", "report": "Basal GGO."}, context=CONTEXT)
    assert parsed.findings == ("ground_glass", "reticulation")
    assert parsed.record_fields() == {"ild": True, "findings": ["ground_glass", "reticulation"],
                                      "extent_score": 0, "report": "Basal GGO."}


def test_the_ppf_answers_are_both_required():
    assert refusal(PpfAssessmentInput, {"note": "Looks worse"}) == {
        "worsening_symptoms": ["Worsening respiratory symptoms: required; choose one of: Yes, "
                               "No."],
        "radiological_progression": ["Radiological progression on HRCT: required; choose one "
                                     "of: Yes, No."]}
    assert refusal(PpfAssessmentInput, {**PPF, "worsening_symptoms": "maybe"}) == {
        "worsening_symptoms": ["Worsening respiratory symptoms: 'maybe' is not one of the "
                               "choices; accepted: one of: Yes, No."]}


@pytest.mark.parametrize("answers", [PPF, {"worsening_symptoms": True,
                                           "radiological_progression": False}])
def test_the_ppf_answers_as_text_or_booleans(answers):
    parsed = PpfAssessmentInput.parse({**answers, "note": "Stable"}, context=CONTEXT)
    assert parsed.record_fields() == {"worsening_symptoms": True,
                                      "radiological_progression": False, "note": "Stable"}


DATE_EDGES = [(TODAY, None), (TODAY + dt.timedelta(days=1), "future"), (BIRTH, None),
              (BIRTH - dt.timedelta(days=1), "birth")]
KINDS = [("pft", PftInput, PFT), ("hrct", HrctInput, HRCT),
         ("six-minute-walk", SixMinuteWalkInput, WALK), ("ppf", PpfAssessmentInput, PPF)]


@pytest.mark.parametrize(("day", "problem"), DATE_EDGES)
@pytest.mark.parametrize(("input_class", "raw"), [(c, raw) for _, c, raw in KINDS])
def test_dates_against_birth_and_today(input_class, raw, day, problem):
    if problem is None:
        assert input_class.parse({**raw, "observed_on": day}, context=CONTEXT
                                 ).observed_on == day
        return
    (message,) = refusal(input_class, {**raw, "observed_on": day})["observed_on"]
    assert message.startswith(f"Date of the results: {day.isoformat()}")
    assert ("in the future" if problem == "future" else "before the patient's birth date"
            ) in message


def test_a_page_row_has_no_date_of_its_own():
    assert PftInput.parse(PFT, context=CONTEXT).observed_on is None
    assert "observed_on" not in PftInput.parse(PFT, context=CONTEXT).record_fields()


@pytest.mark.parametrize(("section_key", "input_class", "raw"), KINDS)
def test_the_service_takes_only_the_typed_input(section_key, input_class, raw, patient,
                                                rheumatologist):
    from cadm.sections import get_section
    from cadm.services.visits import results_add

    section = get_section(section_key)
    with pytest.raises(TypeError, match=input_class.__name__):
        results_add(actor=rheumatologist, patient=patient, observed_on=dt.date(2025, 1, 1),
                    rows=[(section, dict(raw))], evaluate=False)
    (record,) = results_add(actor=rheumatologist, patient=patient,
                            observed_on=dt.date(2025, 1, 1),
                            rows=[(section, input_class.parse(raw, context=CONTEXT))],
                            evaluate=False)
    assert record.observed_on == dt.date(2025, 1, 1)
    assert isinstance(record, section.model)
