"""Cancer screening: the same bad value gets the same message whatever door it comes in by
(issue 11, §1). Each door returns (input field, message) of its first refusal.

- A panel's result row: the results page's row (its date: the page's date form), the case
  file (`cancer_screening[]`) and the API (POST results/cancer-screening/).
- A test of a plan item done, the outcome of a finding, ending and resuming screening: the plan
  page's forms and the API (patients/<id>/screening/...).
"""

from __future__ import annotations

import datetime as dt

import pytest

from cadm.services.case_loader import CaseInvalid, case_load
from screening.models import ScreeningPlan
from tests.cadm.api.conftest import token_client

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)
CASE_KEYS = {"panel": "panel", "result": "result", "date": "observed_on"}


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    """The API's dates are checked against TODAY, as the forms' and the case loader's."""
    monkeypatch.setattr("cadm.api.entries.today", lambda: TODAY)


@pytest.fixture
def north(db):
    from tests.factories import SiteFactory, UserFactory

    site = SiteFactory(code="north", name="North Clinic")
    actor = UserFactory(username="rheum-doors", role="rheumatologist", sites=[site])
    return site, actor


@pytest.fixture
def born_1980(north):
    from tests.factories import PatientFactory

    site, actor = north
    return PatientFactory(site=site, created_by=actor, birth_date=dt.date(1980, 3, 3))


def _first(form) -> tuple[str, str]:
    assert not form.is_valid()
    field, errors = next(iter(form.errors.as_data().items()))
    return field, errors[0].messages[0]


def _api_first(response) -> tuple[str, str]:
    assert response.status_code == 400, response.content
    field, messages = next(iter(response.json()["error"]["fields"].items()))
    return field, messages[0]


# ---------------------------------------------------------------- the result row


def row_form_door(entry: dict, *, patient, **_) -> tuple[str, str]:
    """The row of the page; a date is the page's (its date form), not the row's."""
    from cadm.forms.visits import ResultsDateForm
    from screening.forms import CancerScreeningForm

    if "date" in entry:
        return _first(ResultsDateForm(data={"observed_on": entry["date"]}, patient=patient,
                                      today=TODAY))
    row = {"panel": "basic", "result": "no_cancer", **entry}
    return _first(CancerScreeningForm(data=row, patient=patient, today=TODAY))


def row_case_door(entry: dict, *, actor, site, **_) -> tuple[str, str]:
    case = {"case_id": "doors", "as_of": TODAY.isoformat(),
            "patient": {"sex": "female", "birth_date": "1980-03-03",
                        "skin_onset_date": "2024-12-01", "diagnosis_date": "2025-01-20"},
            "cancer_screening": [{"date": "2025-02-01", "panel": "basic",
                                  "result": "no_cancer", **entry}]}
    with pytest.raises(CaseInvalid) as caught:
        case_load(actor=actor, site=site, case=case, mrn="DOOR-1", family_name="Door",
                  given_name="Case", today=TODAY)
    return CASE_KEYS[caught.value.path.rsplit(".", 1)[1]], caught.value.message


def row_api_door(entry: dict, *, actor, patient, **_) -> tuple[str, str]:
    body = {"observed_on": "2025-02-01", "panel": "basic", "result": "no_cancer",
            **{CASE_KEYS[k]: v for k, v in entry.items()}}
    response = token_client(actor).post(
        f"/api/v1/patients/{patient.public_id}/results/cancer-screening/", body, format="json")
    return _api_first(response)


ROW_DOORS = {"form": row_form_door, "case_load": row_case_door, "api": row_api_door}
ROW_BAD_VALUES = [
    ({"panel": "mri"}, "panel", "Panel: 'mri' is not one of the choices; accepted: one of: "
                                "Basic panel, Enhanced panel, PET-CT, GI endoscopy, "
                                "Nasoendoscopy."),
    ({"result": "maybe"}, "result", "Result: 'maybe' is not one of the choices; accepted: one "
                                    "of: No cancer found, Finding needing work-up, Cancer "
                                    "found, Results pending."),
    ({"date": "2026-06-02"}, "observed_on",
     "Date of the results: 2026-06-02 is in the future; accepted: up to today (2026-06-01)."),
    ({"date": "1980-03-02"}, "observed_on",
     "Date of the results: 1980-03-02 is before the patient's birth date (1980-03-03); "
     "accepted: 1980-03-03 to 2026-06-01."),
]


@pytest.mark.parametrize("door", ROW_DOORS)
@pytest.mark.parametrize(("entry", "field", "message"), ROW_BAD_VALUES,
                         ids=[m[:30] for _, _, m in ROW_BAD_VALUES])
def test_the_same_bad_screening_result_gets_the_same_message(door, entry, field, message,
                                                             north, born_1980):
    site, actor = north
    got = ROW_DOORS[door](entry, patient=born_1980, actor=actor, site=site)
    assert got == (field, message)


# ---------------------------------------------------------------- the plan's writes


@pytest.fixture
def plan(north):
    from tests.screening.plans import patient_with_tier

    site, actor = north
    patient = patient_with_tier(site, actor, "high")  # born 1967-02-11
    return ScreeningPlan.objects.get(patient=patient)


def _enhanced(plan):
    return plan.items.get(panel="enhanced")


def _form_door(form_class, data: dict, plan) -> tuple[str, str]:
    return _first(form_class(data=data, patient=plan.patient, today=TODAY))


def _api_door(actor, plan, tail: str, body: dict) -> tuple[str, str]:
    response = token_client(actor).post(
        f"/api/v1/patients/{plan.patient.public_id}/screening/{tail}", body, format="json")
    return _api_first(response)


def plan_form_door(what: str, body: dict, *, plan, **_) -> tuple[str, str]:
    from screening import forms

    if what == "record":
        component = _enhanced(plan).components.first()
        return _form_door(forms.ComponentForm, {"component_id": component.pk, **body}, plan)
    form_class = {"outcome": forms.OutcomeForm, "close": forms.EndScreeningForm,
                  "reopen": forms.ReopenForm}[what]
    return _form_door(form_class, body, plan)


def plan_api_door(what: str, body: dict, *, plan, actor, **_) -> tuple[str, str]:
    if what == "record":
        item = _enhanced(plan)
        return _api_door(actor, plan, f"items/{item.public_id}/record/",
                         {"component": item.components.first().code, **body})
    return _api_door(actor, plan, f"{what}/", body)


PLAN_DOORS = {"form": plan_form_door, "api": plan_api_door}
BIRTH_REFUSED = "is before the patient's birth date (1967-02-11); accepted: 1967-02-11 to " \
                "2026-06-01."
REASON = "Reason: required; accepted: text of at most 2000 characters, without NUL characters."
PLAN_BAD_VALUES = [
    ("record", {"done_on": "2026-06-02", "result": "no_cancer"}, "done_on",
     "Date done: 2026-06-02 is in the future; accepted: up to today (2026-06-01)."),
    ("record", {"done_on": "1967-02-10", "result": "no_cancer"}, "done_on",
     f"Date done: 1967-02-10 {BIRTH_REFUSED}"),
    ("record", {"result": "finding"}, "done_on", "Date done: enter the date of this result."),
    ("record", {"done_on": "2026-05-01"}, "result",
     "Result: choose the result of the test done on 2026-05-01."),
    ("record", {"done_on": "2026-05-01", "result": "pending"}, "result",
     "Result: 'pending' is not one of the choices; accepted: one of: No cancer found, Finding "
     "needing work-up, Cancer found."),
    ("outcome", {"outcome": "healed", "outcome_on": "2026-05-01"}, "outcome",
     "Outcome: 'healed' is not one of the choices; accepted: one of: Work-up found no cancer, "
     "Cancer diagnosed, Other (see reason)."),
    ("outcome", {"outcome": "no_cancer", "outcome_on": "1967-02-10"}, "outcome_on",
     f"Date of the outcome: 1967-02-10 {BIRTH_REFUSED}"),
    ("outcome", {"outcome": "no_cancer"}, "outcome_on",
     "Date of the outcome: required; enter a date as YYYY-MM-DD."),
    ("close", {"closed_on": "2026-06-02", "reason": "declined"}, "closed_on",
     "Screening ends on: 2026-06-02 is in the future; accepted: up to today (2026-06-01)."),
    ("close", {"closed_on": "2026-05-01", "reason": "   "}, "reason", REASON),
    ("close", {"closed_on": "2026-05-01", "reason": "x" * 2001}, "reason",
     "Reason: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' is 2001 characters long; accepted: "
     "text of at most 2000 characters, without NUL characters."),
    ("reopen", {"reason": ""}, "reason", REASON),
]


@pytest.mark.parametrize("door", PLAN_DOORS)
@pytest.mark.parametrize(("what", "body", "field", "message"), PLAN_BAD_VALUES,
                         ids=[f"{w}-{m[:30]}" for w, _, _, m in PLAN_BAD_VALUES])
def test_the_same_bad_plan_value_gets_the_same_message(door, what, body, field, message,
                                                       north, plan):
    site, actor = north
    got = PLAN_DOORS[door](what, body, plan=plan, actor=actor)
    assert got == (field, message)
