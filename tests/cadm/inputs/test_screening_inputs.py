"""The cancer-screening inputs (cadm.inputs.screening): at and around each edge, in the words
of the screening forms; the services take them (or a mapping parsed the same way) and refuse
anything else."""

import datetime as dt

import pytest

from cadm.inputs import (
    CancerScreeningInput,
    Context,
    InputInvalid,
    ScreeningCloseInput,
    ScreeningOutcomeInput,
    ScreeningReopenInput,
    ScreeningTestInput,
)

TODAY = dt.date(2026, 6, 1)
BIRTH = dt.date(1980, 3, 3)
CONTEXT = Context(today=TODAY, birth_date=BIRTH)
RESULTS = "No cancer found, Finding needing work-up, Cancer found"
OUTCOMES = "Work-up found no cancer, Cancer diagnosed, Other (see reason)"
REASON_REQUIRED = "Reason: required; accepted: text of at most 2000 characters, without NUL " \
                  "characters."


def refusal(input_class, raw) -> dict[str, list[str]]:
    with pytest.raises(InputInvalid) as caught:
        input_class.parse(raw, context=CONTEXT)
    return caught.value.message_dict


# ---------------------------------------------------------------- the result row

def test_a_result_row_takes_its_vocabularies_and_keeps_the_date_for_the_service():
    row = CancerScreeningInput.parse({"panel": "enhanced", "result": "pending", "note": "CT",
                                      "observed_on": "2026-06-01"}, context=CONTEXT)
    assert row.observed_on == TODAY
    assert row.record_fields() == {"panel": "enhanced", "result": "pending", "note": "CT"}
    # A page gives the date of the results itself: the row then has none.
    assert CancerScreeningInput.parse({"panel": "basic", "result": "finding"},
                                      context=CONTEXT).observed_on is None


def test_a_result_row_refuses_values_outside_its_vocabularies():
    errors = refusal(CancerScreeningInput, {"panel": "mri", "result": "maybe"})
    assert errors["panel"] == ["Panel: 'mri' is not one of the choices; accepted: one of: "
                               "Basic panel, Enhanced panel, PET-CT, GI endoscopy, "
                               "Nasoendoscopy."]
    assert errors["result"][0].startswith("Result: 'maybe' is not one of the choices; "
                                          "accepted: one of: No cancer found,")
    assert refusal(CancerScreeningInput, {"result": "finding"}) == {"panel": [
        "Panel: required; choose one of: Basic panel, Enhanced panel, PET-CT, GI endoscopy, "
        "Nasoendoscopy."]}


# ---------------------------------------------------------------- dates at their edges

DATE_EDGES = [(TODAY, None), (TODAY + dt.timedelta(days=1), "future"), (BIRTH, None),
              (BIRTH - dt.timedelta(days=1), "birth")]
DATED = [
    (CancerScreeningInput, {"panel": "basic", "result": "no_cancer"}, "observed_on",
     "Date of the results"),
    (ScreeningTestInput, {"result": "no_cancer"}, "done_on", "Date done"),
    (ScreeningOutcomeInput, {"outcome": "no_cancer"}, "outcome_on", "Date of the outcome"),
    (ScreeningCloseInput, {"reason": "declined"}, "closed_on", "Screening ends on"),
]


@pytest.mark.parametrize(("day", "problem"), DATE_EDGES)
@pytest.mark.parametrize(("input_class", "raw", "name", "label"), DATED,
                         ids=[d[0].__name__ for d in DATED])
def test_dates_against_birth_and_today(input_class, raw, name, label, day, problem):
    raw = {**raw, name: day.isoformat()}
    if problem is None:
        assert getattr(input_class.parse(raw, context=CONTEXT), name) == day
        return
    message = {
        "future": f"{label}: {day.isoformat()} is in the future; accepted: up to today "
                  f"(2026-06-01).",
        "birth": f"{label}: {day.isoformat()} is before the patient's birth date "
                 f"(1980-03-03); accepted: 1980-03-03 to 2026-06-01.",
    }[problem]
    assert refusal(input_class, raw) == {name: [message]}


@pytest.mark.parametrize("input_class,raw,name,label", DATED[1:],
                         ids=[d[0].__name__ for d in DATED[1:]])
def test_a_date_is_required_and_must_be_a_date(input_class, raw, name, label):
    if input_class is not ScreeningTestInput:  # a test's missing date: see below
        assert refusal(input_class, raw) == {
            name: [f"{label}: required; enter a date as YYYY-MM-DD."]}
    assert refusal(input_class, {**raw, name: "2026-02-30"}) == {
        name: [f"{label}: '2026-02-30' is not a valid date; accepted: a date as YYYY-MM-DD."]}


# ---------------------------------------------------------------- a test done

def test_a_test_needs_its_date_and_its_result_together():
    assert refusal(ScreeningTestInput, {"result": "no_cancer"}) == {
        "done_on": ["Date done: enter the date of this result."]}
    assert refusal(ScreeningTestInput, {"done_on": "2026-05-01"}) == {
        "result": ["Result: choose the result of the test done on 2026-05-01."]}
    # Neither: the date is what is missing (the result's own problem follows from it).
    assert refusal(ScreeningTestInput, {}) == {
        "done_on": ["Date done: required; enter a date as YYYY-MM-DD."]}
    # A refused date does not also make the result "missing".
    assert refusal(ScreeningTestInput, {"done_on": "soon"}) == {
        "done_on": ["Date done: 'soon' is not a valid date; accepted: a date as YYYY-MM-DD."]}


def test_a_test_result_from_its_vocabulary_and_a_short_note():
    test = ScreeningTestInput.parse({"done_on": dt.date(2026, 5, 1), "result": "finding",
                                     "note": "nodule"}, context=CONTEXT)
    assert test == ScreeningTestInput(done_on=dt.date(2026, 5, 1), result="finding",
                                      note="nodule")
    errors = refusal(ScreeningTestInput, {"done_on": "2026-05-01", "result": "pending",
                                          "note": "x" * 501})
    assert errors == {
        "result": [f"Result: 'pending' is not one of the choices; accepted: one of: "
                   f"{RESULTS}."],
        "note": ["Note: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' is 501 characters long; "
                 "accepted: text of at most 500 characters, without NUL characters."]}


# ---------------------------------------------------------------- decisions

def test_an_outcome_from_its_vocabulary():
    outcome = ScreeningOutcomeInput.parse({"outcome": "cancer_diagnosed",
                                           "outcome_on": "2026-05-01"}, context=CONTEXT)
    assert (outcome.outcome, outcome.note) == ("cancer_diagnosed", "")
    assert refusal(ScreeningOutcomeInput, {"outcome": "healed", "outcome_on": "2026-05-01"}) \
        == {"outcome": [f"Outcome: 'healed' is not one of the choices; accepted: one of: "
                        f"{OUTCOMES}."]}
    assert refusal(ScreeningOutcomeInput, {"outcome_on": "2026-05-01"}) == {
        "outcome": [f"Outcome: required; choose one of: {OUTCOMES}."]}


@pytest.mark.parametrize("input_class", [ScreeningCloseInput, ScreeningReopenInput])
@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_ending_or_resuming_needs_a_reason(input_class, reason):
    raw = {"closed_on": "2026-05-01", "reason": reason}
    assert refusal(input_class, raw) == {"reason": [REASON_REQUIRED]}


def test_a_reason_is_kept_without_its_surrounding_spaces_and_within_its_length():
    closing = ScreeningCloseInput.parse({"closed_on": "2026-05-01", "reason": "  declined "},
                                        context=CONTEXT)
    assert closing == ScreeningCloseInput(closed_on=dt.date(2026, 5, 1), reason="declined")
    assert ScreeningReopenInput.parse({"reason": "by mistake"}, context=CONTEXT).reason == \
        "by mistake"
    errors = refusal(ScreeningReopenInput, {"reason": "y" * 2001})
    assert errors["reason"][0].endswith("is 2001 characters long; accepted: text of at most "
                                        "2000 characters, without NUL characters.")


# ---------------------------------------------------------------- the services' side

@pytest.fixture
def high(db, site, rheumatologist):
    from screening.models import ScreeningPlan
    from tests.screening.plans import patient_with_tier

    patient = patient_with_tier(site, rheumatologist, "high", as_of=dt.date(2025, 3, 1))
    return patient, ScreeningPlan.objects.get(patient=patient)


def test_the_services_parse_a_mapping_with_the_same_parser_and_refuse_other_types(
        high, rheumatologist):
    from screening.services import screening_component_record, screening_plan_close

    patient, plan = high
    component = plan.items.get(panel="enhanced").components.first()
    with pytest.raises(InputInvalid) as caught:
        screening_component_record(actor=rheumatologist, component=component,
                                   data={"result": "no_cancer"}, today=dt.date(2025, 3, 1))
    assert caught.value.message_dict == {"done_on": ["Date done: enter the date of this "
                                                     "result."]}
    with pytest.raises(InputInvalid) as caught:
        screening_plan_close(actor=rheumatologist, plan=plan, today=dt.date(2025, 3, 1),
                             data={"closed_on": "1960-01-01", "reason": "declined"})
    assert caught.value.message_dict["closed_on"][0].startswith(
        "Screening ends on: 1960-01-01 is before the patient's birth date")
    with pytest.raises(TypeError, match="ScreeningCloseInput"):
        screening_plan_close(actor=rheumatologist, plan=plan, today=dt.date(2025, 3, 1),
                             data=("2025-03-01", "declined"))


def test_the_services_refuse_another_sites_patient_and_a_test_recorded_twice(
        high, rheumatologist, outsider):
    from django.core.exceptions import PermissionDenied

    from cadm.exceptions import DomainError
    from screening.services import screening_component_record, screening_plan_reopen

    patient, plan = high
    component = plan.items.get(panel="enhanced").components.first()
    test = ScreeningTestInput(done_on=dt.date(2025, 3, 1), result="no_cancer")
    with pytest.raises(PermissionDenied, match="not at one of your sites"):
        screening_component_record(actor=outsider, component=component, data=test,
                                   today=dt.date(2025, 3, 1))
    with pytest.raises(PermissionDenied, match="not at one of your sites"):
        screening_plan_reopen(actor=outsider, plan=plan, data={"reason": "x"})
    screening_component_record(actor=rheumatologist, component=component, data=test,
                               today=dt.date(2025, 3, 1))
    with pytest.raises(DomainError, match="already recorded as done on 2025-03-01"):
        screening_component_record(actor=rheumatologist, component=component, data=test,
                                   today=dt.date(2025, 3, 1))


def test_a_cancer_screening_row_must_be_its_typed_input(high, rheumatologist):
    from cadm.sections import get_section
    from cadm.services.visits import results_add

    patient, _ = high
    with pytest.raises(TypeError, match="CancerScreeningInput"):
        results_add(actor=rheumatologist, patient=patient, observed_on=dt.date(2025, 3, 1),
                    rows=[(get_section("cancer-screening"),
                           {"panel": "basic", "result": "no_cancer"})])
