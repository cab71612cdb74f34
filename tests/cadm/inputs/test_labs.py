"""LabInput: one parser for a lab result, at and around each edge of its ranges."""

import datetime as dt
from decimal import Decimal as D

import pytest

from cadm.inputs import Context, InputInvalid, LabInput

TODAY = dt.date(2026, 6, 1)
BIRTH = dt.date(1980, 3, 3)


def parse(confirmed=False, **raw):
    return LabInput.parse(raw, context=Context(today=TODAY, birth_date=BIRTH,
                                               confirmed=confirmed))


def refusal(confirmed=False, **raw) -> dict[str, list[str]]:
    with pytest.raises(InputInvalid) as caught:
        parse(confirmed, **raw)
    return caught.value.message_dict


def test_a_unit_is_normalised_with_its_loinc():
    lab = parse(analyte="crp", value="1.2", unit="mg/dL", upper_limit="0.5")
    assert (lab.value, lab.value_normalised, lab.unit_normalised, lab.loinc) == (
        D("1.2"), D("12.0"), "mg/L", "1988-5")
    assert lab.upper_limit_normalised == D("5.0")
    assert lab.record_fields()["value_normalised"] == D("12.0")
    assert "observed_on" not in lab.record_fields()


def test_a_json_number_is_read_as_its_decimal_text():
    assert parse(analyte="crp", value=0.1, unit="mg/L").value == D("0.1")


@pytest.mark.parametrize(("value", "outcome"), [
    ("0", "ok"), ("-0.001", "hard"),            # hard minimum 0
    ("20000", "ok"), ("20000.001", "soft"),     # soft maximum 20000 U/L
    ("500000", "soft"), ("500000.001", "hard"),  # hard maximum 500000 U/L
])
def test_ck_edges(value, outcome):
    if outcome == "ok":
        assert parse(analyte="ck", value=value, unit="U/L").value == D(value)
        return
    errors = refusal(analyte="ck", value=value, unit="U/L")
    if outcome == "soft":
        assert errors == {"value": [f"CK: {value} U/L is above 20000 U/L, unusual for CK; "
                                    "confirm the value to save it."]}
        assert parse(confirmed=True, analyte="ck", value=value, unit="U/L")
    else:
        assert errors == {"value": [f"CK: {value} U/L is outside the accepted range "
                                    "0–500000 U/L."]}
        assert refusal(confirmed=True, analyte="ck", value=value, unit="U/L") == errors


def test_the_range_applies_after_normalisation():
    # 61 mg/dL is 610 mg/L, above the 600 mg/L hard maximum of CRP.
    assert refusal(analyte="crp", value="61", unit="mg/dL") == {"value": [
        "CRP: 61 mg/dL (= 610 mg/L) is outside the accepted range 0–600 mg/L."]}
    assert parse(confirmed=True, analyte="crp", value="60", unit="mg/dL").value_normalised == 600


def test_a_unit_the_analyte_does_not_take_is_the_units_fault():
    assert refusal(analyte="kl6", value="800", unit="U/L") == {
        "unit": ["KL-6: unit 'U/L' is not accepted; use U/mL."]}


@pytest.mark.parametrize(("uln", "message"), [
    ("0", "ULN (CK): 0 U/L must be above 0 U/L."),
    ("0.001", None),
    ("20001", "ULN (CK): 20001 U/L is above 20000 U/L, unusual for CK; confirm the value to "
              "save it."),
    ("500001", "ULN (CK): 500001 U/L is outside the accepted range 0–500000 U/L."),
])
def test_uln_edges(uln, message):
    if message is None:
        assert parse(analyte="ck", value="100", unit="U/L", upper_limit=uln).upper_limit
    else:
        assert refusal(analyte="ck", value="100", unit="U/L", upper_limit=uln) == {
            "upper_limit": [message]}


def test_wrong_types_read_as_on_the_page():
    assert refusal(analyte="ferritin", unit="ng/mL", value="12,5") == {
        "value": ["Value: '12,5' is not a number; accepted: 0–100000 ng/mL."]}
    assert refusal(analyte="ck", unit="U/L") == {
        "value": ["Value: enter the result, or clear the row."]}
    assert list(refusal(analyte="nope", unit="U/L", value="1")) == ["analyte"]


@pytest.mark.parametrize(("day", "message"), [
    ("2026-06-01", None),
    ("2026-06-02", "Date of the results: 2026-06-02 is in the future; accepted: up to today "
                   "(2026-06-01)."),
    ("1980-03-03", None),
    ("1980-03-02", "Date of the results: 1980-03-02 is before the patient's birth date "
                   "(1980-03-03); accepted: 1980-03-03 to 2026-06-01."),
])
def test_date_edges(day, message):
    raw = {"analyte": "ck", "value": "100", "unit": "U/L", "observed_on": day}
    if message is None:
        assert parse(**raw).observed_on == dt.date.fromisoformat(day)
    else:
        assert refusal(**raw) == {"observed_on": [message]}


def test_every_problem_is_reported_at_once():
    errors = refusal(analyte="ck", value="600000", unit="U/L", observed_on="2030-01-01")
    assert set(errors) == {"value", "observed_on"}


def test_the_service_takes_only_the_typed_input(patient, rheumatologist):
    from cadm.sections import get_section
    from cadm.services.visits import results_add

    with pytest.raises(TypeError, match="LabInput"):
        results_add(actor=rheumatologist, patient=patient, observed_on=dt.date(2025, 1, 1),
                    rows=[(get_section("labs"), {"analyte": "ck", "value": D(100),
                                                  "unit": "U/L", "value_normalised": D(1)})],
                    evaluate=False)
