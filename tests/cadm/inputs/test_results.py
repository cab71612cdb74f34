"""The other results' inputs (cadm.inputs.results): at and around each edge."""

import datetime as dt

import pytest

from cadm.inputs import (
    AutoantibodyInput,
    Context,
    EyeExamInput,
    InputInvalid,
    MuscleStudyInput,
    SkinBiopsyInput,
)

TODAY = dt.date(2026, 6, 1)
BIRTH = dt.date(1980, 3, 3)
CONTEXT = Context(today=TODAY, birth_date=BIRTH)
MDA5 = {"antibody": "mda5", "result": "positive", "method": "line_blot"}
MRI = {"kind": "mri", "abnormal": True}
SKIN = {"consistent_with_dm": True}
EYE = {"finding": "normal"}


def refusal(input_class, raw) -> dict[str, list[str]]:
    with pytest.raises(InputInvalid) as caught:
        input_class.parse(raw, context=CONTEXT)
    return caught.value.message_dict


@pytest.mark.parametrize(("grade", "ok"), [(0, False), (1, True), (2, True), (3, True),
                                           (4, False), ("3", True), (None, True)])
def test_antibody_grade_edges(grade, ok):
    if ok:
        parsed = AutoantibodyInput.parse({**MDA5, "grade": grade}, context=CONTEXT)
        assert parsed.grade == (None if grade is None else int(grade))
        assert parsed.record_fields() == {**MDA5, "grade": parsed.grade, "titre": "",
                                          "lab_name": ""}
        return
    assert refusal(AutoantibodyInput, {**MDA5, "grade": grade}) == {
        "grade": [f"Grade: {grade} is outside the accepted range 1–3."]}


def test_antibody_vocabulary():
    errors = refusal(AutoantibodyInput, {**MDA5, "antibody": "xyz"})
    assert list(errors) == ["antibody"]
    assert errors["antibody"][0].startswith("Antibody: 'xyz' is not one of the choices")
    assert list(refusal(AutoantibodyInput, {"antibody": "mda5"})) == ["result", "method"]


DATE_EDGES = [(TODAY, None), (TODAY + dt.timedelta(days=1), "future"), (BIRTH, None),
              (BIRTH - dt.timedelta(days=1), "birth")]


@pytest.mark.parametrize(("day", "problem"), DATE_EDGES)
@pytest.mark.parametrize(("input_class", "raw"), [
    (AutoantibodyInput, MDA5), (MuscleStudyInput, MRI), (SkinBiopsyInput, SKIN),
    (EyeExamInput, EYE),
])
def test_dates_against_birth_and_today(input_class, raw, day, problem):
    if problem is None:
        assert input_class.parse({**raw, "observed_on": day}, context=CONTEXT
                                 ).observed_on == day
        return
    (message,) = refusal(input_class, {**raw, "observed_on": day})["observed_on"]
    assert message.startswith(f"Date of the results: {day.isoformat()}")
    assert ("in the future" if problem == "future" else "before the patient's birth date"
            ) in message


FINDINGS_MESSAGE = ("Findings: histology findings apply to a muscle biopsy only; choose "
                    "'Muscle biopsy' or clear them.")


@pytest.mark.parametrize("kind", ["mri", "emg"])
def test_a_biopsy_only_finding_is_refused_on_another_study(kind):
    raw = {"kind": kind, "abnormal": "yes", "findings": ["perifascicular_atrophy"]}
    assert refusal(MuscleStudyInput, raw) == {"findings": [FINDINGS_MESSAGE]}


def test_a_biopsy_keeps_its_findings_as_a_list():
    parsed = MuscleStudyInput.parse({"kind": "biopsy", "abnormal": "no",
                                     "findings": ["perifascicular_atrophy"]}, context=CONTEXT)
    assert (parsed.abnormal, parsed.findings) == (False, ("perifascicular_atrophy",))
    assert parsed.record_fields() == {"kind": "biopsy", "abnormal": False,
                                      "findings": ["perifascicular_atrophy"], "report": ""}


def test_muscle_study_yes_no_and_vocabulary():
    errors = refusal(MuscleStudyInput, {"kind": "ct", "abnormal": "maybe",
                                        "findings": ["scales"]})
    assert set(errors) == {"kind", "abnormal", "findings"}
    assert errors["findings"][0].startswith("Findings: 'scales'")
    assert errors["abnormal"][0].startswith("Abnormal: 'maybe'")


def test_skin_biopsy_and_eye_exam_need_their_answer():
    assert set(refusal(SkinBiopsyInput, {})) == {"consistent_with_dm"}
    assert SkinBiopsyInput.parse({"consistent_with_dm": "no"}, context=CONTEXT
                                 ).consistent_with_dm is False
    errors = refusal(EyeExamInput, {"finding": "blurry"})
    assert errors["finding"][0].startswith("Finding: 'blurry' is not one of the choices")


def test_a_page_row_has_no_date_of_its_own():
    assert AutoantibodyInput.parse(MDA5, context=CONTEXT).observed_on is None


@pytest.mark.parametrize(("section_key", "input_class", "raw"), [
    ("antibodies", AutoantibodyInput, MDA5), ("muscle", MuscleStudyInput, MRI),
    ("skin-biopsy", SkinBiopsyInput, SKIN), ("eye-exams", EyeExamInput, EYE),
])
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


@pytest.mark.parametrize(("offset", "refused"), [(-1, False), (0, False), (1, True)])
def test_the_date_of_results_against_today(offset, refused):
    from cadm.inputs.results import ResultsDateInput

    raw = {"observed_on": (TODAY + dt.timedelta(days=offset)).isoformat()}
    if refused:
        assert refusal(ResultsDateInput, raw) == {"observed_on": [
            "Date of the results: 2026-06-02 is in the future; accepted: up to today "
            "(2026-06-01)."]}
    else:
        assert ResultsDateInput.parse(raw, context=CONTEXT).observed_on == \
            TODAY + dt.timedelta(days=offset)


@pytest.mark.parametrize("raw", [{"observed_on": BIRTH - dt.timedelta(days=1)},
                                 {"observed_on": 20250101}, {"observed_on": None}, {}])
def test_the_date_of_results_is_a_date_from_birth(raw):
    from cadm.inputs.results import ResultsDateInput

    assert list(refusal(ResultsDateInput, raw)) == ["observed_on"]
    assert ResultsDateInput.parse({"observed_on": BIRTH}, context=CONTEXT).observed_on == BIRTH


def test_the_service_checks_the_date_of_results_whoever_calls(patient, rheumatologist):
    """A script that bypasses every form still cannot date results tomorrow."""
    from django.utils import timezone

    from cadm.models import AutoantibodyResult
    from cadm.sections import get_section
    from cadm.services.visits import results_add

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    row = (get_section("antibodies"), AutoantibodyInput.parse(MDA5, context=CONTEXT))
    with pytest.raises(InputInvalid) as caught:
        results_add(actor=rheumatologist, patient=patient, observed_on=tomorrow, rows=[row],
                    evaluate=False)
    assert list(caught.value.message_dict) == ["observed_on"]
    assert not AutoantibodyResult.objects.filter(patient=patient).exists()
