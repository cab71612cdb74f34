"""MedicationInput, CourseStopInput, DoseChangeInput: one parser each, at each edge."""

import datetime as dt
from decimal import Decimal as D

import pytest

from cadm.inputs import Context, CourseStopInput, DoseChangeInput, InputInvalid, MedicationInput

TODAY = dt.date(2026, 6, 1)
BIRTH = dt.date(1980, 3, 3)
GUARD = {"entry.max_dose_mg_per_day.hydroxychloroquine": 1200}


def context(rules=True) -> Context:
    return Context(today=TODAY, birth_date=BIRTH, rule_params=GUARD if rules else {},
                   rule_set=1 if rules else None)


def refusal(parser=MedicationInput, rules=True, **raw) -> dict[str, list[str]]:
    with pytest.raises(InputInvalid) as caught:
        parser.parse(raw, context=context(rules))
    return caught.value.message_dict


@pytest.mark.parametrize(("dose", "message"), [
    ("-0.01", "Dose: -0.01 mg/day must be above 0 mg/day."),
    ("0", "Dose: 0 mg/day must be above 0 mg/day."),
    ("0.01", None),
    ("1200", None),
    ("1200.01", "Dose: 1200.01 mg/day is outside the accepted range for "
                "hydroxychloroquine: above 0 up to 1200 mg/day (rule set v1)."),
])
def test_dose_edges(dose, message):
    raw = {"drug": "hydroxychloroquine", "dose_mg_per_day": dose}
    if message is None:
        assert MedicationInput.parse(raw, context=context()).dose_mg_per_day == D(dose)
    else:
        assert refusal(**raw) == {"dose_mg_per_day": [message]}


def test_without_the_rule_set_only_the_lower_bound_applies():
    # The service applies the active version's guard to such an input (services.visits).
    raw = {"drug": "hydroxychloroquine", "dose_mg_per_day": "1300"}
    assert MedicationInput.parse(raw, context=context(rules=False)).dose_mg_per_day == D(1300)


def test_other_needs_its_name():
    assert refusal(drug="other", dose_mg_per_day="5") == {
        "drug_detail": ["Drug detail: name the drug when you choose 'Other'."]}
    assert MedicationInput.parse({"drug": "other", "drug_detail": "abatacept"},
                                 context=context()).drug_detail == "abatacept"


@pytest.mark.parametrize(("end", "message"), [
    ("2025-12-31", "End date: 2025-12-31 is before the start date (2026-01-01)."),
    ("2026-01-01", None), ("2026-06-01", None),
    ("2026-06-02", "End date: 2026-06-02 is in the future; leave it blank while the drug is "
                   "taken."),
])
def test_end_date_edges(end, message):
    raw = {"drug": "prednisolone", "observed_on": "2026-01-01", "end_on": end}
    if message is None:
        assert MedicationInput.parse(raw, context=context()).end_on == dt.date.fromisoformat(end)
    else:
        assert refusal(**raw) == {"end_on": [message]}


@pytest.mark.parametrize(("start", "field_message"), [
    ("1980-03-02", "before the patient's birth date"), ("1980-03-03", None),
    ("2026-06-01", None), ("2026-06-02", "is in the future"),
])
def test_start_date_edges(start, field_message):
    raw = {"drug": "prednisolone", "observed_on": start}
    if field_message is None:
        assert MedicationInput.parse(raw, context=context()).observed_on.isoformat() == start
    else:
        assert field_message in refusal(**raw)["observed_on"][0]


def test_a_start_key_without_a_date_is_refused_and_no_key_is_the_page_date():
    assert "observed_on" in refusal(drug="prednisolone", observed_on=None)
    row = MedicationInput.parse({"drug": "prednisolone"}, context=context())
    assert row.observed_on is None and "observed_on" not in row.record_fields()


@pytest.mark.parametrize(("end", "ok"), [("1980-03-02", False), ("1980-03-03", True),
                                         ("2026-06-01", True), ("2026-06-02", False)])
def test_stop_date_edges(end, ok):
    if ok:
        assert CourseStopInput.parse({"end_on": end}, context=context()).end_on.isoformat() == end
    else:
        assert list(refusal(CourseStopInput, end_on=end)) == ["end_on"]


@pytest.mark.parametrize(("dose", "ok"), [("0", False), ("0.01", True), ("1200", True),
                                          ("1200.01", False)])
def test_dose_change_edges(dose, ok):
    raw = {"dose": dose, "from_on": "2026-06-01"}
    if ok:
        assert DoseChangeInput.parse(raw, context=context(),
                                     drug="hydroxychloroquine").dose == D(dose)
        return
    with pytest.raises(InputInvalid) as caught:
        DoseChangeInput.parse(raw, context=context(), drug="hydroxychloroquine")
    assert list(caught.value.errors) == ["dose"]
    assert "hydroxychloroquine: above 0 up to 1200 mg/day (rule set v1)" in str(caught.value)


def test_dose_change_date_is_checked_and_named_from_on():
    with pytest.raises(InputInvalid) as caught:
        DoseChangeInput.parse({"dose": "200", "from_on": "2026-06-02"}, context=context(),
                              drug="prednisolone")
    assert caught.value.message_dict["from_on"][0].startswith("New dose from: 2026-06-02 is "
                                                             "in the future")
