"""The FHIR export's doors: who may read (401 anonymous, 403 rules admin, 404 another site's
patient or a malformed id), errors as OperationOutcome in application/fhir+json, Patient and
Observation read and search, audit rows, no 500 body that names anything, and no FHIR path
in our OpenAPI schema."""

from __future__ import annotations

import logging

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cadm.fhir import export
from cadm.models import AuditEvent, PatientIdentifier
from tests.cadm.api.conftest import session_client, token_client
from tests.factories import LabResultFactory, PatientFactory, PftFactory

from .export_support import days_ago, validate_r4

pytestmark = pytest.mark.django_db

FHIR_JSON = "application/fhir+json"
MR = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}


@pytest.fixture(params=["token", "session"])
def as_user(request):
    """A client for a user, authenticated by token or by session (as the API's tests)."""
    return token_client if request.param == "token" else session_client


@pytest.fixture
def data(patient, rheumatologist):
    """A patient of North with a CK and a PFT, and South's patient with the same MRN."""
    lab = LabResultFactory(patient=patient, observed_on=days_ago(5), value=250)
    pft = PftFactory(patient=patient, observed_on=days_ago(5), fvc_l=3.1)
    return {"lab": lab, "pft": pft}


def _urls(patient, data) -> dict[str, str]:
    return {
        "everything": f"/fhir/r4/Patient/{patient.public_id}/$everything",
        "patient": f"/fhir/r4/Patient/{patient.public_id}",
        "observation": f"/fhir/r4/Observation/{data['lab'].public_id}",
        "member": f"/fhir/r4/Observation/{data['pft'].public_id}-fvc-pct",
    }


def _outcome(response, status: int, issue: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body = response.json()
    validate_r4(body)
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == issue


MATRIX = [("rheumatologist", 200), ("dermatologist", 200), ("rules_admin", 403),
          ("outsider", 404)]


@pytest.mark.parametrize("route", ["everything", "patient", "observation", "member"])
@pytest.mark.parametrize(("role", "expected"), MATRIX)
def test_roles_and_sites(route, role, expected, request, patient, data, as_user):
    response = as_user(request.getfixturevalue(role)).get(_urls(patient, data)[route])
    if expected == 200:
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith(FHIR_JSON)
        validate_r4(response.json())
        assert AuditEvent.objects.filter(patient=patient, action__startswith="fhir.").count() == 1
    else:
        _outcome(response, expected, {403: "forbidden", 404: "not-found"}[expected])
        assert not AuditEvent.objects.filter(action__startswith="fhir.").exists()
    if role == "outsider":  # another site's patient: refused, and recorded naming whose
        assert AuditEvent.objects.filter(action="patient.view_refused", patient=patient,
                                         actor=request.getfixturevalue(role)).count() == 1


@pytest.mark.parametrize("route", ["everything", "patient", "observation", "member"])
def test_anonymous_is_401(route, patient, data):
    response = APIClient().get(_urls(patient, data)[route])
    _outcome(response, 401, "login")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("path", [
    "/fhir/r4/Patient/not-a-uuid", "/fhir/r4/Patient/not-a-uuid/$everything",
    "/fhir/r4/Patient/00000000-0000-0000-0000-000000000000/$everything",
    "/fhir/r4/Observation/not-a-uuid", "/fhir/r4/Observation/00000000-0000-0000-0000-000000000000",
])
def test_unknown_or_malformed_ids_are_404(path, rheumatologist):
    _outcome(token_client(rheumatologist).get(path), 404, "not-found")


def test_a_member_id_that_the_row_does_not_have_is_404(rheumatologist, patient, data):
    client = token_client(rheumatologist)
    lab, pft = data["lab"].public_id, data["pft"].public_id
    for path in (f"/fhir/r4/Observation/{lab}-fvc-pct", f"/fhir/r4/Observation/{pft}-nope",
                 f"/fhir/r4/Observation/{pft}x", f"/fhir/r4/Observation/{pft}-dlco-pct-"):
        _outcome(client.get(path), 404, "not-found")


def test_writes_are_405(rheumatologist, patient, data):
    client = token_client(rheumatologist)
    for url in _urls(patient, data).values():
        _outcome(client.post(url, {}, format="json"), 405, "not-supported")


def test_any_accept_header_gets_fhir_json(rheumatologist, patient, data):
    client = token_client(rheumatologist)
    for accept in ("application/fhir+xml", "text/html", "application/json", "*/*"):
        response = client.get(_urls(patient, data)["patient"], HTTP_ACCEPT=accept)
        assert response.status_code == 200 and response["Content-Type"].startswith(FHIR_JSON)


def test_a_server_error_is_an_outcome_that_names_nothing(monkeypatch, caplog, rheumatologist,
                                                         patient, data):
    def broken(*args, **kwargs):
        raise RuntimeError(f"boom {patient.mrn}")

    monkeypatch.setattr(export, "patient_everything", broken)
    with caplog.at_level(logging.ERROR):
        response = token_client(rheumatologist).get(_urls(patient, data)["everything"])
    _outcome(response, 500, "exception")
    assert patient.mrn not in response.content.decode()
    assert all(patient.mrn not in r.getMessage() for r in caplog.records)
    assert not AuditEvent.objects.filter(action__startswith="fhir.").exists()


def test_session_reads_need_no_csrf_token(rheumatologist, patient, data):
    response = session_client(rheumatologist).get(_urls(patient, data)["everything"])
    assert response.status_code == 200


# ---------------------------------------------------------------- reads

def test_patient_read(rheumatologist, patient, data):
    body = token_client(rheumatologist).get(_urls(patient, data)["patient"]).json()
    assert body["resourceType"] == "Patient" and body["id"] == str(patient.public_id)
    [event] = AuditEvent.objects.filter(action="fhir.read", patient=patient)
    assert event.actor == rheumatologist and event.detail == {"resource": "Patient"}


def test_patient_read_carries_the_identifiers_import_recorded(rheumatologist, patient, site):
    PatientIdentifier.objects.create(patient=patient, site=site, system="urn:oid:1.2.3",
                                     value="E-77")
    body = token_client(rheumatologist).get(f"/fhir/r4/Patient/{patient.public_id}").json()
    validate_r4(body)
    assert body["identifier"] == [
        {"use": "usual", "type": MR, "system": "urn:cadm:site:north:mrn",
         "value": patient.mrn},
        {"system": "urn:oid:1.2.3", "value": "E-77"}]


def test_observation_read_of_a_row_and_of_a_member(rheumatologist, patient, data):
    client = token_client(rheumatologist)
    lab = client.get(_urls(patient, data)["observation"]).json()
    assert lab["id"] == str(data["lab"].public_id)
    assert lab["code"]["coding"][0]["code"] == "2157-6"
    member = client.get(_urls(patient, data)["member"]).json()
    assert member["id"] == f"{data['pft'].public_id}-fvc-pct"
    assert member["code"]["coding"][0]["code"] == "19872-1"
    group = client.get(f"/fhir/r4/Observation/{data['pft'].public_id}").json()
    assert {m["reference"] for m in group["hasMember"]} >= {f"Observation/{member['id']}"}
    events = AuditEvent.objects.filter(action="fhir.read", patient=patient)
    assert sorted(e.detail["id"] for e in events) == sorted(
        [lab["id"], member["id"], group["id"]])


# ---------------------------------------------------------------- Patient search

def _search(client, params) -> dict:
    response = client.get("/fhir/r4/Patient", params)
    assert response.status_code == 200, response.content
    body = response.json()
    validate_r4(body)
    assert body["type"] == "searchset" and body["total"] == len(body.get("entry", []))
    return body


def _ids(bundle) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def test_patient_search_by_identifier_within_the_users_sites(rheumatologist, outsider,
                                                             patient, other_site):
    twin = PatientFactory(site=other_site, mrn=patient.mrn, created_by=outsider)
    mine = token_client(rheumatologist)
    north = f"urn:cadm:site:north:mrn|{patient.mrn}"
    assert _ids(_search(mine, {"identifier": north})) == [str(patient.public_id)]
    assert _ids(_search(mine, {"identifier": north.lower()})) == [str(patient.public_id)]
    assert _ids(_search(mine, {"identifier": patient.mrn})) == [str(patient.public_id)]
    # South's URN names a site that is not theirs: nobody, not South's patient.
    assert _ids(_search(mine, {"identifier": f"urn:cadm:site:south:mrn|{patient.mrn}"})) == []
    assert _ids(_search(mine, {"identifier": "urn:other|x,urn:cadm:site:north:mrn|nobody"})) == []
    theirs = token_client(outsider)
    assert _ids(_search(theirs, {"identifier": patient.mrn})) == [str(twin.public_id)]
    assert _ids(_search(theirs, {"identifier": north})) == []
    events = AuditEvent.objects.filter(action="fhir.search")
    assert {(e.actor_id, e.patient_id) for e in events} == {
        (rheumatologist.pk, patient.pk), (outsider.pk, twin.pk)}
    assert all(e.detail == {"resource": "Patient", "by": "identifier"} for e in events)


def test_patient_search_by_post_keeps_the_mrn_out_of_the_address(rheumatologist, outsider,
                                                                  patient):
    """FHIR's POST Patient/_search: the same answer and audit as the GET, the MRN in the
    body (issue 14 §7)."""
    url = "/fhir/r4/Patient/_search"
    found = token_client(rheumatologist).generic(
        "POST", url, f"identifier={patient.mrn}",
        content_type="application/x-www-form-urlencoded")
    assert found.status_code == 200, found.content
    validate_r4(found.json())
    assert _ids(found.json()) == [str(patient.public_id)]
    assert patient.mrn not in found.json()["link"][0]["url"]
    assert AuditEvent.objects.filter(action="fhir.search", patient=patient).count() == 1
    theirs = token_client(outsider).generic(
        "POST", url, f"identifier={patient.mrn}",
        content_type="application/x-www-form-urlencoded")
    assert _ids(theirs.json()) == []
    empty = token_client(rheumatologist).generic(
        "POST", url, "", content_type="application/x-www-form-urlencoded")
    _outcome(empty, 400, "invalid")


def test_patient_search_by_an_identifier_import_recorded(rheumatologist, patient, site):
    PatientIdentifier.objects.create(patient=patient, site=site, system="urn:oid:1.2.3",
                                     value="E-77")
    client = token_client(rheumatologist)
    assert _ids(_search(client, {"identifier": "urn:oid:1.2.3|E-77"})) == [
        str(patient.public_id)]
    assert _ids(_search(client, {"identifier": "E-77"})) == [str(patient.public_id)]
    assert _ids(_search(client, {"identifier": "urn:oid:9.9|E-77"})) == []


def test_patient_search_needs_an_identifier(rheumatologist):
    client = token_client(rheumatologist)
    _outcome(client.get("/fhir/r4/Patient"), 400, "invalid")
    _outcome(client.get("/fhir/r4/Patient", {"name": "x"}), 400, "invalid")


def test_patient_search_by_a_rules_admin_is_403(rules_admin, patient):
    _outcome(token_client(rules_admin).get("/fhir/r4/Patient", {"identifier": patient.mrn}),
             403, "forbidden")


# ---------------------------------------------------------------- Observation search

def _observations(client, params) -> dict:
    response = client.get("/fhir/r4/Observation", params)
    assert response.status_code == 200, response.content
    body = response.json()
    validate_r4(body)
    return body


def test_observation_search_by_patient_and_code(rheumatologist, patient, data):
    client = token_client(rheumatologist)
    every = _observations(client, {"patient": str(patient.public_id)})
    # The CK, the PFT's grouping Observation and its three values.
    assert every["total"] == 5
    assert _ids(_observations(client, {"patient": f"Patient/{patient.public_id}"})) == \
        _ids(every)
    assert _ids(_observations(client, {"subject": f"Patient/{patient.public_id}"})) == \
        _ids(every)
    for code in ("2157-6", "http://loinc.org|2157-6", "2157-6,1234-5"):
        assert _ids(_observations(client, {"patient": str(patient.public_id),
                                           "code": code})) == [str(data["lab"].public_id)]
    assert _observations(client, {"patient": str(patient.public_id),
                                  "code": "http://snomed.info/sct|2157-6"})["total"] == 0
    events = AuditEvent.objects.filter(action="fhir.search", patient=patient)
    assert events.count() == 7
    assert {e.detail["by"] for e in events} == {"patient", "patient,code"}


def test_observation_search_of_a_patient_one_cannot_see_is_empty(outsider, patient, data):
    client = token_client(outsider)
    for value in (str(patient.public_id), "not-a-uuid"):
        assert _observations(client, {"patient": value})["total"] == 0
    assert not AuditEvent.objects.filter(action__startswith="fhir.").exists()
    refused = AuditEvent.objects.filter(action="patient.view_refused", actor=outsider)
    assert list(refused.values_list("patient", flat=True)) == [patient.pk]


def test_observation_search_needs_one_patient(rheumatologist, patient):
    client = token_client(rheumatologist)
    _outcome(client.get("/fhir/r4/Observation"), 400, "invalid")
    _outcome(client.get("/fhir/r4/Observation", {"code": "2157-6"}), 400, "invalid")
    _outcome(client.get("/fhir/r4/Observation",
                        {"patient": f"{patient.public_id},{patient.public_id}"}), 400, "invalid")


def test_observation_search_queries_do_not_grow(rheumatologist, patient, data):
    client = token_client(rheumatologist)
    client.get("/api/v1/me/")
    params = {"patient": str(patient.public_id)}

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/fhir/r4/Observation", params).status_code == 200
        return len(queries)

    few = count()
    for n in range(20):
        LabResultFactory(patient=patient, observed_on=days_ago(30 + n))
        PftFactory(patient=patient, observed_on=days_ago(30 + n))
    assert count() == few


# ---------------------------------------------------------------- OpenAPI

def test_the_fhir_routes_are_not_in_our_openapi_schema(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    paths = yaml.safe_load(target.read_text())["paths"]
    assert paths and not [p for p in paths if p.startswith("/fhir/")]


@pytest.mark.parametrize("path", ["/fhir/r4/Medication", "/fhir/r4/Patient/x/$nothing",
                                  "/fhir/r4/metadata%0A"])
def test_an_unknown_fhir_path_is_an_operation_outcome(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "not-found"
