"""The API as a door of the door tables (test_doors*.py): each function posts one entry, in
the case file's words, as an EHR would, and returns the (input field, message) of the first
field refused. Values go as JSON values (numbers, booleans, lists), not as form text.

The API checks dates against its own today (cadm.api.entries.today, the one seam of every
API door): the tables pin it with `pin_api_today`. The patient is one of the caller's site
with the form door's birth date, so the same date messages apply."""

from __future__ import annotations

from tests.cadm.api.conftest import token_client
from tests.factories import PatientFactory

# The case file's kinds of results -> the API's (results/<kind>/).
API_KINDS = {"labs": "labs", "antibodies": "antibodies", "muscle_studies": "muscle",
             "skin_biopsies": "skin-biopsy", "eye_exams": "eye-exams",
             "medications": "medications", "pft": "pft", "hrct": "hrct",
             "six_minute_walk": "six-minute-walk", "cancer_screening": "cancer-screening",
             "ppf": "ppf"}
A_DAY = "2025-02-01"  # a valid date of the results when the entry gives none


def pin_api_today(monkeypatch, today) -> None:
    monkeypatch.setattr("cadm.api.entries.today", lambda: today)


def first_refusal(response) -> tuple[str, str]:
    assert response.status_code == 400, response.content
    field, messages = next(iter(response.json()["error"]["fields"].items()))
    return field, messages[0]


def post_for(actor, site, birth_date, tail: str, body: dict) -> tuple[str, str]:
    """POST `body` to /api/v1/patients/<a new patient of `site`>/<tail>."""
    mine = PatientFactory(site=site, created_by=actor, birth_date=birth_date)
    client = token_client(actor)
    return first_refusal(client.post(f"/api/v1/patients/{mine.public_id}/{tail}", body,
                                     format="json"))


def result_api_door(case_key: str, entry: dict, *, patient, actor, site,
                    keys: dict[str, str] | None = None, **_) -> tuple[str, str]:
    """One result of `case_key` to results/<kind>/; `keys` maps the case file's keys to the
    input's (the date key to observed_on); a case file's unusual values are confirmed."""
    keys = keys or {}
    body = {keys.get(k, "observed_on" if k == "date" else k): v for k, v in entry.items()}
    body.setdefault("observed_on", A_DAY)
    if case_key == "eye_exams":
        body.setdefault("finding", "normal")  # as the case loader records a retinal screening
    return post_for(actor, site, patient.birth_date, f"results/{API_KINDS[case_key]}/",
                    {**body, "confirm_unusual": True})


def visit_api_door(visit: dict, *, patient, actor, site, keys: dict[str, str],
                   **_) -> tuple[str, str]:
    body = {keys[k]: v for k, v in visit.items()}
    return post_for(actor, site, patient.birth_date, "visits/",
                    {**body, "confirm_unusual": True})


def patient_api_door(patient_fields: dict, *, actor, site, **_) -> tuple[str, str]:
    body = {"mrn": "DOOR-1", "family_name": "Door", "given_name": "Case", "site": site.code,
            **patient_fields}
    return first_refusal(token_client(actor).post("/api/v1/patients/", body, format="json"))
