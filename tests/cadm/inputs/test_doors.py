"""The same bad value gets the same message whatever door it comes in by (issue 11, §1).

Each door takes one lab entry in the case file's words and returns (input field, message) of
its first refusal. The table names the bad value once; every door must give its message.
The API door (tests/cadm/inputs/api_doors.py) posts the same entry as JSON and reads the
error's `fields`; the FHIR import door joins next (issue 12).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

import pytest
from django.core.management import call_command

from cadm.forms.results import LabResultForm
from cadm.services.case_loader import CaseInvalid, case_load
from tests.cadm.inputs.api_doors import (
    patient_api_door,
    pin_api_today,
    result_api_door,
    visit_api_door,
)

TODAY = dt.date(2026, 6, 1)
CASE_KEYS = {"test": "analyte", "value": "value", "unit": "unit",
             "upper_limit": "upper_limit", "date": "observed_on"}


@pytest.fixture(autouse=True)
def _api_today(monkeypatch):
    pin_api_today(monkeypatch, TODAY)


def _case(entry: dict) -> dict:
    return {"case_id": "doors", "as_of": TODAY.isoformat(),
            "patient": {"sex": "female", "birth_date": "1980-03-03",
                        "skin_onset_date": "2024-12-01", "diagnosis_date": "2025-01-20"},
            "labs": [{"date": "2025-02-01", **entry}]}


def _field(path: str) -> str:
    """"labs[0].unit" or "$.labs[0].unit" -> "unit" (the input's name for the key)."""
    return CASE_KEYS[path.rsplit(".", 1)[1]]


def form_door(entry: dict, *, patient, **_) -> tuple[str, str]:
    data = {CASE_KEYS[k]: v for k, v in entry.items()}
    # The page asks to confirm unusual values; a case file is confirmed by nature.
    form = LabResultForm(data={**data, "confirm_unusual": "on"}, patient=patient, today=TODAY)
    assert not form.is_valid()
    field, errors = next(iter(form.errors.as_data().items()))
    return field, errors[0].messages[0]


def case_loader_door(entry: dict, *, actor, site, **_) -> tuple[str, str]:
    with pytest.raises(CaseInvalid) as caught:
        case_load(actor=actor, site=site, case=_case(entry), mrn="DOOR-1",
                  family_name="Door", given_name="Case", today=TODAY)
    return _field(caught.value.path), caught.value.message


def _command_door(command: str, entry: dict, tmp_path, capsys) -> tuple[str, str]:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(_case(entry)))
    with pytest.raises(SystemExit) as exit_info:
        call_command(command, str(path), *(["--site", "north"] if command == "import_case"
                                           else []))
    assert exit_info.value.code == 2
    message_line = capsys.readouterr().err.splitlines()[1]
    json_path, message = re.match(r"(\S+): (.*)", message_line).groups()
    return _field(json_path), message


def import_case_door(entry: dict, *, tmp_path, capsys, **_) -> tuple[str, str]:
    return _command_door("import_case", entry, tmp_path, capsys)


def evaluate_case_door(entry: dict, *, tmp_path, capsys, **_) -> tuple[str, str]:
    """Not a write, but it must refuse what import_case refuses, in the same words."""
    return _command_door("evaluate_case", entry, tmp_path, capsys)


DOORS: dict[str, Callable[..., tuple[str, str]]] = {
    "form": form_door,
    "case_load": case_loader_door,
    "import_case": import_case_door,
    "evaluate_case": evaluate_case_door,
    "api": lambda entry, **kw: result_api_door("labs", entry, keys=CASE_KEYS, **kw),
}

BAD_VALUES = [
    ({"test": "ck", "value": 600000, "unit": "U/L"},
     "value", "CK: 600000 U/L is outside the accepted range 0–500000 U/L."),
    ({"test": "crp", "value": 61, "unit": "mg/dL"},
     "value", "CRP: 61 mg/dL (= 610 mg/L) is outside the accepted range 0–600 mg/L."),
    ({"test": "kl6", "value": 800, "unit": "U/L"},
     "unit", "KL-6: unit 'U/L' is not accepted; use U/mL."),
    ({"test": "ck", "value": 100, "unit": "U/L", "upper_limit": 0},
     "upper_limit", "ULN (CK): 0 U/L must be above 0 U/L."),
    ({"test": "ck", "value": 100, "unit": "U/L", "upper_limit": 600000},
     "upper_limit", "ULN (CK): 600000 U/L is outside the accepted range 0–500000 U/L."),
]


# The case-file commands check the shared contract's JSON Schema before any parser: a value
# the schema itself bounds is refused there first, in JSON Schema's words (the schema is a
# copy of ../shared/case.schema.json, not ours to reword).
SCHEMA_FIRST = {
    (door, "ULN (CK): 0 U/L must be above 0 U/L."):
        "0 is less than or equal to the minimum of 0"
    for door in ("import_case", "evaluate_case")
}


@pytest.fixture
def north(db):
    from tests.factories import SiteFactory, UserFactory

    site = SiteFactory(code="north", name="North Clinic")
    actor = UserFactory(username="rheum-doors", role="rheumatologist", sites=[site])
    return site, actor


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize(("entry", "field", "message"), BAD_VALUES,
                         ids=[m for _, _, m in BAD_VALUES])
def test_the_same_bad_value_gets_the_same_message(door, entry, field, message, north,
                                                  patient, tmp_path, capsys):
    site, actor = north
    got = DOORS[door](entry, patient=patient, actor=actor, site=site, tmp_path=tmp_path,
                      capsys=capsys)
    assert got == (field, SCHEMA_FIRST.get((door, message), message))


# The patient's doors: the registration form, the case loader and the API.
def patient_form_door(patient_fields: dict, *, site, **_) -> tuple[str, str]:
    from cadm.forms.patients import PatientForm

    data = {"mrn": "DOOR-1", "family_name": "Door", "given_name": "Case", "site": site.pk,
            **patient_fields}
    form = PatientForm(data=data, sites=[site], today=TODAY)
    assert not form.is_valid()
    field, errors = next(iter(form.errors.as_data().items()))
    return field, errors[0].messages[0]


def patient_case_door(patient_fields: dict, *, actor, site, **_) -> tuple[str, str]:
    case = _case({"test": "ck", "value": 100, "unit": "U/L"})
    case["patient"].update(patient_fields)
    with pytest.raises(CaseInvalid) as caught:
        case_load(actor=actor, site=site, case=case, mrn="DOOR-1", family_name="Door",
                  given_name="Case", today=TODAY)
    return caught.value.path.removeprefix("patient."), caught.value.message


PATIENT_DOORS = {"form": patient_form_door, "case_load": patient_case_door,
                 "api": patient_api_door}
PATIENT_BASE = {"sex": "female", "birth_date": "1980-03-03", "skin_onset_date": "2024-12-01",
                "diagnosis_date": "2025-01-20"}
PATIENT_BAD_VALUES = [
    ({"sex": "x"}, "sex", "Sex: 'x' is not one of the choices; accepted: one of: Female, Male."),
    ({"skin_onset_date": "2026-06-02"}, "skin_onset_date",
     "Skin onset date: 2026-06-02 is in the future; accepted: up to today (2026-06-01)."),
    ({"diagnosis_date": "1980-03-02"}, "diagnosis_date",
     "Diagnosis date: 1980-03-02 is before the patient's birth date (1980-03-03); accepted: "
     "1980-03-03 to 2026-06-01."),
]


@pytest.mark.parametrize("door", PATIENT_DOORS)
@pytest.mark.parametrize(("fields", "field", "message"), PATIENT_BAD_VALUES,
                         ids=[f for _, f, _ in PATIENT_BAD_VALUES])
def test_the_same_bad_patient_value_gets_the_same_message(door, fields, field, message, north):
    site, actor = north
    got = PATIENT_DOORS[door]({**PATIENT_BASE, **fields}, actor=actor, site=site)
    assert got == (field, message)


# The rule set's dose guard: evaluate_case (rule set v1 from the code) and import_case (the
# active version, v1 in the test database) refuse the same dose in the same words.
DOSE_MESSAGE = ("Dose: 1300 mg/day is outside the accepted range for "
                "hydroxychloroquine: above 0 up to 1200 mg/day (rule set v1).")


@pytest.mark.parametrize("command", ["evaluate_case", "import_case"])
@pytest.mark.parametrize(("dose", "refused"), [(1200, False), (1300, True)])
def test_both_commands_apply_the_dose_guard(command, dose, refused, north, tmp_path, capsys):
    case = _case({"test": "ck", "value": 100, "unit": "U/L"})
    case["medications"] = [{"drug": "hydroxychloroquine", "dose_mg_per_day": dose,
                            "start_date": "2025-02-01"}]
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    args = [str(path), *(["--site", "north"] if command == "import_case" else [])]
    if not refused:
        call_command(command, *args)
        return
    with pytest.raises(SystemExit):
        call_command(command, *args)
    assert capsys.readouterr().err.splitlines()[1] == (
        f"$.medications[0].dose_mg_per_day: {DOSE_MESSAGE}")


# A new medication course: the visit/results page's row, the case loader and the API. The
# dose guard is the active rule set's (v1 in the test database).
MEDICATION_KEYS = {"drug": "drug", "dose_mg_per_day": "dose_mg_per_day",
                   "start_date": "observed_on", "end_date": "end_on"}


def medication_form_door(entry: dict, *, patient, **_) -> tuple[str, str]:
    from cadm.forms.results import MedicationForm

    data = {MEDICATION_KEYS[k]: v for k, v in entry.items()}
    form = MedicationForm(data=data, patient=patient, today=TODAY)
    assert not form.is_valid()
    field, errors = next(iter(form.errors.as_data().items()))
    return field, errors[0].messages[0]


def medication_case_door(entry: dict, *, actor, site, **_) -> tuple[str, str]:
    case = _case({"test": "ck", "value": 100, "unit": "U/L"})
    case["medications"] = [entry]
    with pytest.raises(CaseInvalid) as caught:
        case_load(actor=actor, site=site, case=case, mrn="DOOR-1", family_name="Door",
                  given_name="Case", today=TODAY)
    return MEDICATION_KEYS[caught.value.path.rsplit(".", 1)[1]], caught.value.message


MEDICATION_DOORS = {
    "form": medication_form_door, "case_load": medication_case_door,
    "api": lambda entry, **kw: result_api_door("medications", entry, keys=MEDICATION_KEYS,
                                               **kw)}
HCQ = {"drug": "hydroxychloroquine", "start_date": "2025-02-01"}
MEDICATION_BAD_VALUES = [
    ({**HCQ, "dose_mg_per_day": 0}, "dose_mg_per_day", "Dose: 0 mg/day must be above 0 mg/day."),
    ({**HCQ, "dose_mg_per_day": 1300}, "dose_mg_per_day", DOSE_MESSAGE),
    ({**HCQ, "dose_mg_per_day": 400, "end_date": "2025-01-31"}, "end_on",
     "End date: 2025-01-31 is before the start date (2025-02-01)."),
    ({**HCQ, "dose_mg_per_day": 400, "end_date": "2026-06-02"}, "end_on",
     "End date: 2026-06-02 is in the future; leave it blank while the drug is taken."),
    ({**HCQ, "dose_mg_per_day": 400, "start_date": "1980-03-02"}, "observed_on",
     "Start date: 1980-03-02 is before the patient's birth date (1980-03-03); accepted: "
     "1980-03-03 to 2026-06-01."),
]


@pytest.mark.parametrize("door", MEDICATION_DOORS)
@pytest.mark.parametrize(("entry", "field", "message"), MEDICATION_BAD_VALUES,
                         ids=[m[:40] for _, _, m in MEDICATION_BAD_VALUES])
def test_the_same_bad_medication_gets_the_same_message(door, entry, field, message, north,
                                                       patient):
    site, actor = north
    got = MEDICATION_DOORS[door](entry, patient=patient, actor=actor, site=site)
    assert got == (field, message)


# A visit's examination: the visit page's form, the case loader and the API.
VISIT_KEYS = {"date": "visit_on", "weight_kg": "weight_kg", "skin": "skin",
              "weakness": "weakness", "symptoms": "symptoms", "mmt8": "mmt8"}


def visit_form_door(visit: dict, *, patient, **_) -> tuple[str, str]:
    from django.http import QueryDict

    from cadm.forms.visits import VisitForm

    data = QueryDict(mutable=True)
    for key, value in visit.items():
        if isinstance(value, list):
            data.setlist(VISIT_KEYS[key], value)
        else:
            data[VISIT_KEYS[key]] = str(value)
    data["confirm_unusual"] = "on"  # a case file is confirmed by nature
    form = VisitForm(data=data, patient=patient, today=TODAY)
    assert not form.is_valid()
    field, errors = next(iter(form.errors.as_data().items()))
    return field, errors[0].messages[0]


def visit_case_door(visit: dict, *, actor, site, **_) -> tuple[str, str]:
    case = _case({"test": "ck", "value": 100, "unit": "U/L"})
    case["visits"] = [visit]
    with pytest.raises(CaseInvalid) as caught:
        case_load(actor=actor, site=site, case=case, mrn="DOOR-1", family_name="Door",
                  given_name="Case", today=TODAY)
    return VISIT_KEYS[caught.value.path.rsplit(".", 1)[1]], caught.value.message


VISIT_DOORS = {"form": visit_form_door, "case_load": visit_case_door,
               "api": lambda visit, **kw: visit_api_door(visit, keys=VISIT_KEYS, **kw)}
VISIT_BAD_VALUES = [
    {"date": "2026-06-02"}, {"date": "1980-03-02"}, {"date": "2025-02-01", "mmt8": 81},
    {"date": "2025-02-01", "weight_kg": 0.5}, {"date": "2025-02-01", "skin": ["scales"]},
]


@pytest.mark.parametrize("visit", VISIT_BAD_VALUES, ids=[str(v) for v in VISIT_BAD_VALUES])
def test_the_same_bad_visit_value_gets_the_same_message(visit, north, patient):
    """Every door gives the same (field, message); the form's is the reference."""
    site, actor = north
    got = {door: VISIT_DOORS[door](visit, patient=patient, actor=actor, site=site)
           for door in VISIT_DOORS}
    assert len(set(got.values())) == 1, got
    field, message = got["form"]
    assert message.startswith(("Visit date:", "MMT-8", "Weight", "Skin findings:")), message


# The other results of a day: the row of the visit/results page, the case loader and the
# API. One bad value of each kind.
def _result_form_door(form_class, data: dict, patient) -> tuple[str, str]:
    form = form_class(data=data, patient=patient, today=TODAY)
    assert not form.is_valid()
    field, errors = next(iter(form.errors.as_data().items()))
    return field, errors[0].messages[0]


def result_form_door(case_key: str, entry: dict, *, patient, **_) -> tuple[str, str]:
    """The row of the page; a date is the page's (its date form), not the row's."""
    from cadm.forms import results as f
    from cadm.forms.visits import ResultsDateForm

    if "date" in entry:
        return _result_form_door(ResultsDateForm, {"observed_on": entry["date"]}, patient)
    form_class = {"antibodies": f.AutoantibodyForm, "muscle_studies": f.MuscleStudyForm,
                  "skin_biopsies": f.SkinBiopsyForm, "eye_exams": f.EyeExamForm}[case_key]
    data = {k: ("yes" if val else "no") if isinstance(val, bool) else val
            for k, val in entry.items()}
    return _result_form_door(form_class, data, patient)


def result_case_door(case_key: str, entry: dict, *, actor, site, **_) -> tuple[str, str]:
    case = _case({"test": "ck", "value": 100, "unit": "U/L"})
    case[case_key] = [{"date": "2025-02-01", **entry}]
    with pytest.raises(CaseInvalid) as caught:
        case_load(actor=actor, site=site, case=case, mrn="DOOR-1", family_name="Door",
                  given_name="Case", today=TODAY)
    key = caught.value.path.rsplit(".", 1)[1]
    return ("observed_on" if key == "date" else key), caught.value.message


RESULT_DOORS = {"form": result_form_door, "case_load": result_case_door,
                "api": result_api_door}
RESULT_BAD_VALUES = [
    ("antibodies", {"antibody": "mda5", "result": "positive", "method": "line_blot",
                    "grade": 4}, "grade", "Grade: 4 is outside the accepted range 1–3."),
    ("muscle_studies", {"kind": "mri", "abnormal": True,
                        "findings": ["perifascicular_atrophy"]}, "findings",
     "Findings: histology findings apply to a muscle biopsy only; choose 'Muscle biopsy' or "
     "clear them."),
    # The case format holds no skin biopsy: the page's row only.
    ("skin_biopsies", {"consistent_with_dm": "maybe"}, "consistent_with_dm",
     "Consistent with dermatomyositis: 'maybe' is not one of the choices; accepted: one of: "
     "Yes, No."),
    # The case format holds a retinal screening's date only (its finding is "normal").
    ("eye_exams", {"date": "2026-06-02"}, "observed_on",
     "Date of the results: 2026-06-02 is in the future; accepted: up to today (2026-06-01)."),
]
CASE_FORMAT_HAS_NO = {"skin_biopsies"}


@pytest.mark.parametrize(("door", "case_key", "entry", "field", "message"), [
    (door, *row) for row in RESULT_BAD_VALUES for door in RESULT_DOORS
    if not (door == "case_load" and row[0] in CASE_FORMAT_HAS_NO)
], ids=lambda value: value if isinstance(value, str) and len(value) < 20 else None)
def test_the_same_bad_result_gets_the_same_message(door, case_key, entry, field, message,
                                                   north, patient):
    site, actor = north
    got = RESULT_DOORS[door](case_key, entry, patient=patient, actor=actor, site=site)
    assert got == (field, message)
