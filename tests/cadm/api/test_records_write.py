"""Writing visits and results through the API: the typed inputs' messages by body path, the
services' permissions and site, Idempotency-Key, If-Match on a visit's correction, and the
entered-in-error marks (visit and result)."""

import datetime as dt

import pytest

from cadm.models import AuditEvent, AutoantibodyResult, LabResult, RecordStatus, Visit
from tests.factories import LabResultFactory, PatientFactory, VisitFactory

from .conftest import token_client

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)
CK = {"kind": "labs", "analyte": "ck", "value": 180, "unit": "U/L", "upper_limit": 170}
MDA5 = {"kind": "antibodies", "antibody": "mda5", "result": "positive",
        "method": "line_blot", "grade": 3}
VISIT = {"visit_on": "2026-05-20", "skin": ["heliotrope", "gottron_papules"], "mmt8": 80,
         "results": [CK, MDA5]}


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("cadm.api.entries.today", lambda: TODAY)


@pytest.fixture
def patient(site, rheumatologist):
    return PatientFactory(site=site, created_by=rheumatologist,
                          birth_date=dt.date(1980, 3, 3))


def _url(patient, tail=""):
    return f"/api/v1/patients/{patient.public_id}/{tail}"


def _fields(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["error"]["fields"]


# ---------------------------------------------------------------- a visit with its results


def test_a_visit_is_recorded_with_its_results(patient, rheumatologist):
    response = token_client(rheumatologist).post(_url(patient, "visits/"), VISIT,
                                                 format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    visit = Visit.objects.get(public_id=body["id"])
    assert (visit.clinician, visit.visit_on) == (rheumatologist, dt.date(2026, 5, 20))
    assert set(visit.assessed) >= {"skin", "strength"}
    assert [row["kind"] for row in body["results"]] == ["labs", "antibodies"]
    lab = LabResult.objects.get(public_id=body["results"][0]["id"])
    assert (lab.visit, lab.observed_on, lab.value_normalised, lab.loinc) == (
        visit, visit.visit_on, 180, "2157-6")
    assert AutoantibodyResult.objects.get(public_id=body["results"][1]["id"]).grade == 3
    assert response["Location"].endswith(_url(patient, f"visits/{visit.public_id}/"))
    assert AuditEvent.objects.filter(action="visit.record", patient=patient).count() == 1


@pytest.mark.parametrize(("change", "path", "message"), [
    ({"visit_on": "2026-06-02"}, "visit_on",
     "Visit date: 2026-06-02 is in the future; accepted: up to today (2026-06-01)."),
    ({"mmt8": 81}, "mmt8", "MMT-8: 81 points is outside the accepted range 0–80 points."),
    ({"results": [CK, {**CK, "value": 600000}]}, "results[1].value",
     "CK: 600000 U/L is outside the accepted range 0–500000 U/L."),
    ({"results": [{**MDA5, "grade": 4}]}, "results[0].grade",
     "Grade: 4 is outside the accepted range 1–3."),
    ({"results": [{**CK, "kind": "x"}]}, "results[0].kind", None),
    ({"results": [{**CK, "observed_on": "2026-05-01"}]}, "results[0].observed_on", None),
    ({"results": {"kind": "labs"}}, "results", None),
    ({"colour": "red"}, "colour", None),
    ({"visit_on": 20260520}, "visit_on", None),
    ({"notes": ["a", "b"]}, "notes",
     "Notes: a list or an object is not accepted; send one value."),
])
def test_a_bad_visit_saves_nothing_and_names_the_path(change, path, message, patient,
                                                      rheumatologist):
    response = token_client(rheumatologist).post(_url(patient, "visits/"), {**VISIT, **change},
                                                 format="json")
    fields = _fields(response)
    assert path in fields, fields
    if message:
        assert fields[path] == [message]
    assert not Visit.objects.filter(patient=patient).exists()
    assert not LabResult.objects.filter(patient=patient).exists()


def test_the_soft_range_needs_the_confirmation(patient, rheumatologist):
    client = token_client(rheumatologist)
    high = {**VISIT, "results": [{**CK, "value": 150000}]}
    assert "results[0].value" in _fields(client.post(_url(patient, "visits/"), high,
                                                     format="json"))
    confirmed = client.post(_url(patient, "visits/"), {**high, "confirm_unusual": True},
                            format="json")
    assert confirmed.status_code == 201, confirmed.content


def test_a_dermatologist_records_skin_only(patient, dermatologist):
    client = token_client(dermatologist)
    skin = {"visit_on": "2026-05-20", "skin": ["heliotrope"]}
    assert client.post(_url(patient, "visits/"), skin, format="json").status_code == 201
    refused = client.post(_url(patient, "visits/"), VISIT, format="json")
    assert refused.status_code == 403
    assert Visit.objects.filter(patient=patient).count() == 1


def test_another_sites_patient_is_a_404_and_a_rules_admin_is_refused(patient, outsider,
                                                                     rules_admin):
    assert token_client(outsider).post(_url(patient, "visits/"), VISIT,
                                       format="json").status_code == 404
    assert token_client(rules_admin).post(_url(patient, "visits/"), VISIT,
                                          format="json").status_code == 403
    assert not Visit.objects.exists()


def test_a_retried_visit_saves_once(patient, rheumatologist):
    client = token_client(rheumatologist)
    first = client.post(_url(patient, "visits/"), VISIT, format="json",
                        HTTP_IDEMPOTENCY_KEY="visit-1")
    again = client.post(_url(patient, "visits/"), VISIT, format="json",
                        HTTP_IDEMPOTENCY_KEY="visit-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Visit.objects.filter(patient=patient).count() == 1
    assert LabResult.objects.filter(patient=patient).count() == 1


# ---------------------------------------------------------------- one result


def test_one_result_is_recorded_on_its_date(patient, rheumatologist):
    body = {k: v for k, v in CK.items() if k != "kind"}
    response = token_client(rheumatologist).post(
        _url(patient, "results/labs/"), {**body, "observed_on": "2026-05-01"}, format="json")
    assert response.status_code == 201, response.content
    lab = LabResult.objects.get(public_id=response.json()["id"])
    assert (lab.visit, lab.observed_on, lab.recorded_by) == (None, dt.date(2026, 5, 1),
                                                             rheumatologist)
    assert response.json()["value_normalised"] == 180


@pytest.mark.parametrize(("body", "path"), [
    ({"analyte": "ck", "value": 100, "unit": "U/L"}, "observed_on"),
    ({"analyte": "ck", "value": 100, "unit": "U/L", "observed_on": "1980-03-02"},
     "observed_on"),
    ({"analyte": "kl6", "value": 800, "unit": "U/L", "observed_on": "2026-05-01"}, "unit"),
    ({"analyte": "ck", "value": "many", "unit": "U/L", "observed_on": "2026-05-01"},
     "value"),
    ({"analyte": "ck", "value": 100, "unit": "U/L", "observed_on": "2026-05-01",
      "kind": "labs"}, "kind"),
])
def test_a_bad_result_is_refused_by_field(body, path, patient, rheumatologist):
    response = token_client(rheumatologist).post(_url(patient, "results/labs/"), body,
                                                 format="json")
    assert path in _fields(response)
    assert not LabResult.objects.exists()


def test_a_dermatologist_cannot_post_a_lab(patient, dermatologist):
    response = token_client(dermatologist).post(
        _url(patient, "results/labs/"),
        {"analyte": "ck", "value": 100, "unit": "U/L", "observed_on": "2026-05-01"},
        format="json")
    assert response.status_code == 403


def test_a_medication_posted_alone_keeps_the_dose_guard(patient, rheumatologist):
    response = token_client(rheumatologist).post(
        _url(patient, "results/medications/"),
        {"drug": "hydroxychloroquine", "dose_mg_per_day": 1300, "observed_on": "2026-05-01"},
        format="json")
    assert list(_fields(response)) == ["dose_mg_per_day"]


# ---------------------------------------------------------------- corrections


@pytest.fixture
def visit(patient):
    visit = VisitFactory(patient=patient, visit_on=dt.date(2026, 5, 1), skin=["heliotrope"])
    LabResultFactory(patient=patient, visit=visit, observed_on=visit.visit_on)
    return visit


def test_a_visit_is_corrected_with_if_match(visit, patient, rheumatologist):
    client = token_client(rheumatologist)
    url = _url(patient, f"visits/{visit.public_id}/")
    read = client.get(url)
    assert read.status_code == 200 and read["ETag"] == f'"{visit.row_version}"'
    assert client.patch(url, {"mmt8": 78}, format="json").status_code == 428
    saved = client.patch(url, {"mmt8": 78}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert saved.status_code == 200, saved.content
    assert saved.json()["mmt8"] == 78 and saved["ETag"] != read["ETag"]
    stale = client.patch(url, {"mmt8": 77}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == 412
    bad = client.patch(url, {"mmt8": 81, "x": 1}, format="json", HTTP_IF_MATCH=saved["ETag"])
    assert set(_fields(bad)) == {"mmt8", "x"}
    visit.refresh_from_db()
    assert visit.mmt8 == 78


def test_a_visit_marked_entered_in_error_takes_its_results(visit, patient, rheumatologist):
    client = token_client(rheumatologist)
    url = _url(patient, f"visits/{visit.public_id}/entered-in-error/")
    assert "reason" in _fields(client.post(url, {"reason": "  "}, format="json"))
    response = client.post(url, {"reason": "wrong patient"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == RecordStatus.ENTERED_IN_ERROR
    lab = LabResult.objects.get(visit=visit)
    assert lab.status == RecordStatus.ENTERED_IN_ERROR
    again = client.post(url, {"reason": "wrong patient"}, format="json")
    assert again.status_code == 409


def test_a_result_is_marked_entered_in_error(visit, patient, rheumatologist, dermatologist,
                                             outsider):
    lab = LabResult.objects.get(visit=visit)
    url = _url(patient, f"results/labs/{lab.public_id}/entered-in-error/")
    assert token_client(dermatologist).post(url, {"reason": "typo"},
                                            format="json").status_code == 403
    assert token_client(outsider).post(url, {"reason": "typo"},
                                       format="json").status_code == 404
    response = token_client(rheumatologist).post(url, {"reason": "typo"}, format="json",
                                                 HTTP_IDEMPOTENCY_KEY="eie-1")
    assert response.status_code == 200, response.content
    assert response.json()["status_reason"] == "typo"
    replay = token_client(rheumatologist)
    lab.refresh_from_db()
    assert lab.status == RecordStatus.ENTERED_IN_ERROR
    detail = replay.get(_url(patient, f"results/labs/{lab.public_id}/"))
    assert detail.status_code == 200 and detail.json()["status"] == RecordStatus.ENTERED_IN_ERROR


def test_a_row_of_another_patient_is_a_404(visit, site, rheumatologist):
    other = PatientFactory(site=site, created_by=rheumatologist)
    lab = LabResult.objects.get(visit=visit)
    client = token_client(rheumatologist)
    assert client.get(_url(other, f"results/labs/{lab.public_id}/")).status_code == 404
    assert client.get(_url(other, f"visits/{visit.public_id}/")).status_code == 404
    assert client.post(_url(other, f"results/labs/{lab.public_id}/entered-in-error/"),
                       {"reason": "x"}, format="json").status_code == 404


def test_a_write_method_on_a_read_only_row_is_a_405(visit, patient, rheumatologist):
    lab = LabResult.objects.get(visit=visit)
    client = token_client(rheumatologist)
    response = client.delete(_url(patient, f"results/labs/{lab.public_id}/"))
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(("body", "message"), [
    ({"reason": " "}, "Reason: say why the visit is wrong (e.g. wrong patient, recorded twice)."),
    ({}, "Reason: say why the visit is wrong (e.g. wrong patient, recorded twice)."),
    ({"reason": "x" * 301}, None),
    ({"reason": ["typo"]}, None),
])
def test_the_reason_is_read_by_its_input(body, message, visit, patient, rheumatologist):
    url = _url(patient, f"visits/{visit.public_id}/entered-in-error/")
    fields = _fields(token_client(rheumatologist).post(url, body, format="json"))
    assert list(fields) == ["reason"]
    if message:
        assert fields["reason"] == [message]
    visit.refresh_from_db()
    assert visit.status == RecordStatus.FINAL
