"""Plausibility ranges and units of cadm.rules.measurements.

Expected ranges are typed here from clinical-reference.md §6.2 (an engineering proposal, not a
clinical source) and case-format.md, independently of the module, so a slip in either shows up.
"""

from decimal import Decimal as D

import pytest

from cadm.rules.measurements import (
    LAB_CODES,
    QUANTITIES,
    MeasurementError,
    NeedsConfirmation,
    OutOfRange,
    UnitNotAccepted,
    check,
    fmt,
    normalise,
    range_text,
)

# code: (label, canonical unit, hard_min, hard_max, soft_min, soft_max)
SPEC = {
    "ck": ("CK", "U/L", "0", "500000", None, "20000"),
    "aldolase": ("Aldolase", "U/L", "0", "1000", None, "100"),
    "ldh": ("LDH", "U/L", "0", "20000", None, "3000"),
    "ast": ("AST", "U/L", "0", "20000", None, "1000"),
    "alt": ("ALT", "U/L", "0", "20000", None, "1000"),
    "ferritin": ("Ferritin", "ng/mL", "0", "100000", None, "10000"),
    "crp": ("CRP", "mg/L", "0", "600", None, "300"),
    "esr": ("ESR", "mm/h", "0", "160", None, "120"),
    "kl6": ("KL-6", "U/mL", "0", "50000", None, "5000"),
    "fvc_l": ("FVC", "L", "0.2", "8.0", None, None),
    "fvc_pct_predicted": ("FVC % predicted", "%", "10", "160", "40", "130"),
    "dlco_pct_predicted": ("DLCO % predicted", "%", "5", "180", "30", "140"),
    "tlc_pct_predicted": ("TLC % predicted", "%", "10", "160", "40", "130"),
    "spo2": ("SpO2", "%", "50", "100", "88", None),
    "distance_m": ("6-minute walk distance", "m", "0", "1000", None, "800"),
    "weight_kg": ("Weight", "kg", "20", "350", None, None),
    "mmt8": ("MMT-8", "points", "0", "80", None, None),
}
STEPS = (D("0.01"), D("1"))


def _expected(code: str, v: D) -> str:
    _, _, hmin, hmax, smin, smax = SPEC[code]
    if v < D(hmin) or v > D(hmax):
        return "hard"
    if (smin is not None and v < D(smin)) or (smax is not None and v > D(smax)):
        return "soft"
    return "ok"


def _edge_cases():
    for code, (_, _, *edges) in SPEC.items():
        for name, edge in zip(("hard_min", "hard_max", "soft_min", "soft_max"), edges, strict=True):
            if edge is None:
                continue
            for step in STEPS:
                for where, v in (
                    ("below", D(edge) - step),
                    ("at", D(edge)),
                    ("above", D(edge) + step),
                ):
                    yield pytest.param(code, v, id=f"{code}-{name}-{where}-{step}")


EDGE_CASES = list(_edge_cases())


def test_codes_are_exactly_the_listed_ones():
    assert set(QUANTITIES) == set(SPEC)
    assert LAB_CODES == ("ck", "aldolase", "ldh", "ast", "alt", "ferritin", "crp", "esr", "kl6")


@pytest.mark.parametrize("code", SPEC)
def test_quantity_matches_spec(code):
    label, unit, hmin, hmax, smin, smax = SPEC[code]
    q = QUANTITIES[code]
    assert (q.code, q.label, q.unit) == (code, label, unit)
    assert (q.hard_min, q.hard_max) == (D(hmin), D(hmax))
    assert q.soft_min == (None if smin is None else D(smin))
    assert q.soft_max == (None if smax is None else D(smax))
    assert q.units[unit] == 1
    assert all(isinstance(x, D) for x in (q.hard_min, q.hard_max, *q.units.values()))


def test_extra_units_are_only_those_of_case_format():
    extra = {c: set(q.units) - {q.unit} for c, q in QUANTITIES.items() if set(q.units) != {q.unit}}
    assert extra == {"ferritin": {"ug/L"}, "crp": {"mg/dL"}}


@pytest.mark.parametrize(
    ("code", "loinc"),
    [
        ("ck", "2157-6"),
        ("aldolase", "1761-6"),
        ("ferritin", "2276-4"),
        ("crp", "1988-5"),
        ("fvc_pct_predicted", "19872-1"),
        ("dlco_pct_predicted", "98130-8"),
        ("kl6", None),
    ],
)
def test_loinc(code, loinc):
    assert QUANTITIES[code].loinc == loinc


def test_quantity_is_frozen():
    with pytest.raises(AttributeError):
        QUANTITIES["ck"].hard_max = D(1)
    with pytest.raises(TypeError):
        QUANTITIES["ck"].units["mg/L"] = D(1)


@pytest.mark.parametrize(("code", "value"), EDGE_CASES)
def test_edges_unconfirmed(code, value):
    expected = _expected(code, value)
    if expected == "ok":
        assert check(code, value) == value
    else:
        with pytest.raises(OutOfRange if expected == "hard" else NeedsConfirmation):
            check(code, value)


@pytest.mark.parametrize(("code", "value"), EDGE_CASES)
def test_edges_confirmed_passes_soft_never_hard(code, value):
    if _expected(code, value) == "hard":
        with pytest.raises(OutOfRange):
            check(code, value, confirmed=True)
    else:
        assert check(code, value, confirmed=True) == value


@pytest.mark.parametrize(
    ("code", "value", "expected"),
    [
        ("ck", "500000", "soft"),
        ("ck", "500000.01", "hard"),
        ("ck", "20000", "ok"),
        ("ck", "20000.01", "soft"),
        ("ck", "0", "ok"),
        ("ck", "-0.01", "hard"),
        ("fvc_l", "0.19", "hard"),
        ("fvc_l", "0.2", "ok"),
        ("fvc_l", "8", "ok"),
        ("fvc_l", "8.01", "hard"),
        ("fvc_pct_predicted", "39.99", "soft"),
        ("fvc_pct_predicted", "40", "ok"),
        ("fvc_pct_predicted", "130", "ok"),
        ("fvc_pct_predicted", "131", "soft"),
        ("fvc_pct_predicted", "9", "hard"),
        ("spo2", "87.99", "soft"),
        ("spo2", "88", "ok"),
        ("spo2", "100", "ok"),
        ("spo2", "100.01", "hard"),
        ("spo2", "49", "hard"),
        ("distance_m", "801", "soft"),
        ("weight_kg", "19.99", "hard"),
        ("mmt8", "80", "ok"),
        ("mmt8", "81", "hard"),
    ],
)
def test_hand_picked_values(code, value, expected):
    v = D(value)
    if expected == "hard":
        with pytest.raises(OutOfRange):
            check(code, v, confirmed=True)
    elif expected == "soft":
        with pytest.raises(NeedsConfirmation):
            check(code, v)
        assert check(code, v, confirmed=True) == v
    else:
        assert check(code, v) == v


@pytest.mark.parametrize(
    ("value", "unit", "normalised"),
    [("60", "mg/dL", "600"), ("0.5", "mg/dL", "5"), ("600", "mg/L", "600"), ("30", "mg/dL", "300")],
)
def test_crp_mg_dl_is_times_ten(value, unit, normalised):
    assert normalise("crp", D(value), unit) == D(normalised)
    assert check("crp", D(value), unit, confirmed=True) == D(normalised)


def test_crp_61_mg_dl_refused_as_610_mg_l():
    with pytest.raises(OutOfRange) as exc:
        check("crp", D(61), "mg/dL", confirmed=True)
    assert str(exc.value) == "CRP: 61 mg/dL (= 610 mg/L) is outside the accepted range 0–600 mg/L."


def test_crp_soft_zone_applies_to_normalised_value():
    with pytest.raises(NeedsConfirmation, match=r"31 mg/dL \(= 310 mg/L\) is above 300 mg/L"):
        check("crp", D(31), "mg/dL")
    assert check("crp", D(31), "mg/dL", confirmed=True) == D(310)


@pytest.mark.parametrize("value", ["0", "1500", "10000", "100000"])
def test_ferritin_ug_l_equals_ng_ml(value):
    v = D(value)
    assert normalise("ferritin", v, "ug/L") == normalise("ferritin", v, "ng/mL") == v
    assert check("ferritin", v, "ug/L", confirmed=True) == check("ferritin", v, confirmed=True)


def test_unit_none_means_canonical():
    assert check("crp", D(5)) == check("crp", D(5), "mg/L") == D(5)


@pytest.mark.parametrize(
    ("code", "unit", "accepted"),
    [
        ("ck", "mg/L", "U/L"),
        ("aldolase", "U/mL", "U/L"),
        ("ldh", "IU/L", "U/L"),
        ("ast", "u/l", "U/L"),
        ("alt", "", "U/L"),
        ("ferritin", "pmol/L", "ng/mL or ug/L"),
        ("crp", "mg/dl", "mg/L or mg/dL"),
        ("crp", "U/L", "mg/L or mg/dL"),
        ("esr", "mm", "mm/h"),
        ("kl6", "U/L", "U/mL"),
        ("fvc_l", "mL", "L"),
        ("spo2", "points", "%"),
        ("mmt8", "%", "points"),
    ],
)
def test_wrong_unit_refused_naming_accepted_units(code, unit, accepted):
    for fn in (normalise, check):
        with pytest.raises(UnitNotAccepted) as exc:
            fn(code, D(1), unit)
        err = exc.value
        assert str(err) == (
            f"{QUANTITIES[code].label}: unit {unit!r} is not accepted; use {accepted}."
        )
        assert (err.code, err.value, err.unit, err.message) == (code, D(1), unit, str(err))


def test_wrong_unit_also_refused_when_confirmed():
    with pytest.raises(UnitNotAccepted, match="CK: unit 'mg/L' is not accepted; use U/L."):
        check("ck", D(100), "mg/L", confirmed=True)


@pytest.mark.parametrize(
    ("args", "kwargs", "exc_type", "message"),
    [
        (
            ("ck", D(600000)),
            {},
            OutOfRange,
            "CK: 600000 U/L is outside the accepted range 0–500000 U/L.",
        ),
        (
            ("crp", D(70), "mg/dL"),
            {},
            OutOfRange,
            "CRP: 70 mg/dL (= 700 mg/L) is outside the accepted range 0–600 mg/L.",
        ),
        (
            ("ck", D(25000)),
            {},
            NeedsConfirmation,
            "CK: 25000 U/L is above 20000 U/L, unusual for CK; confirm the value to save it.",
        ),
        (
            ("fvc_pct_predicted", D(35)),
            {},
            NeedsConfirmation,
            "FVC % predicted: 35 % is below 40 %, unusual for FVC % predicted; "
            "confirm the value to save it.",
        ),
        (
            ("fvc_l", D("8.50")),
            {"confirmed": True},
            OutOfRange,
            "FVC: 8.5 L is outside the accepted range 0.2–8 L.",
        ),
        (
            ("ferritin", D("12000.0"), "ug/L"),
            {},
            NeedsConfirmation,
            "Ferritin: 12000 ug/L (= 12000 ng/mL) is above 10000 ng/mL, unusual for Ferritin; "
            "confirm the value to save it.",
        ),
        (
            ("spo2", D(80)),
            {},
            NeedsConfirmation,
            "SpO2: 80 % is below 88 %, unusual for SpO2; confirm the value to save it.",
        ),
        (
            ("kl6", D(-1)),
            {},
            OutOfRange,
            "KL-6: -1 U/mL is outside the accepted range 0–50000 U/mL.",
        ),
    ],
)
def test_messages(args, kwargs, exc_type, message):
    with pytest.raises(exc_type) as exc:
        check(*args, **kwargs)
    err = exc.value
    assert str(err) == err.message == message
    assert isinstance(err, MeasurementError) and isinstance(err, ValueError)
    code, value = args[0], args[1]
    unit = args[2] if len(args) > 2 else QUANTITIES[code].unit
    assert (err.code, err.value, err.unit) == (code, value, unit)


@pytest.mark.parametrize("code", SPEC)
def test_every_hard_message_names_label_value_range_and_unit(code):
    label, unit, _hmin, hmax, _smin, _smax = SPEC[code]
    too_big = D(hmax) + 1
    with pytest.raises(OutOfRange) as exc:
        check(code, too_big, confirmed=True)
    text = str(exc.value)
    assert text.startswith(f"{label}: {fmt(too_big)} {unit} ")
    assert range_text(code) in text
