"""Missing or unusable data gets the specification's answer: 412 with an OperationOutcome when
the data we need was neither prefetched nor fetchable, 400 for a request we cannot read,
404 for another service; never a 500."""

import json

import pytest

from tests.cadm.cds.conftest import (
    SERVICE,
    auth,
    ehr_patient,
    hook_request,
    post,
    spec_example,
    token,
)

pytestmark = pytest.mark.django_db


def outcome(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["severity"] == "error" and body["issue"][0]["details"]["text"]
    return body["issue"][0]


@pytest.fixture
def no_network(monkeypatch):
    def refuse(url, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("cadm.cds.prefetch.http_get_json", refuse)


def test_412_without_prefetch_and_without_fhir_server(client, rsa_key):
    body = hook_request(None)
    del body["prefetch"]
    issue = outcome(post(client, SERVICE, body, token(rsa_key, SERVICE)), 412)
    assert issue["code"] == "processing" and issue["expression"] == ["prefetch.patient"]
    assert "no fhirServer" in issue["details"]["text"]


def test_412_when_the_ehr_has_no_such_patient(client, rsa_key):
    """A prefetch key with null: the EHR has no data for it (the specification's rule)."""
    issue = outcome(post(client, SERVICE, hook_request(None), token(rsa_key, SERVICE)), 412)
    assert "no Patient" in issue["details"]["text"]


def test_412_when_the_fhir_server_cannot_be_read(client, rsa_key, no_network):
    body = spec_example("patient-view-request.json")
    body["prefetch"] = {}
    issue = outcome(post(client, SERVICE, body, token(rsa_key, SERVICE)), 412)
    assert "could not be read" in issue["details"]["text"]


def test_the_patient_is_fetched_with_the_ehrs_token_when_not_prefetched(client, rsa_key,
                                                                         known, monkeypatch):
    calls = []

    def fetch(url, *, token, timeout):
        calls.append((url, token, timeout))
        return ehr_patient("MRN-4711", fhir_id="1288992")

    monkeypatch.setattr("cadm.cds.prefetch.http_get_json", fetch)
    body = spec_example("patient-view-request.json")
    body["prefetch"] = {}
    response = post(client, SERVICE, body, token(rsa_key, SERVICE))
    assert response.status_code == 200 and len(response.json()["cards"]) == len(known[1])
    assert calls == [("http://hooks.smarthealthit.org:9080/Patient/1288992",
                      "some-opaque-fhir-access-token", 3.0)]


@pytest.mark.parametrize("body, words", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "JSON object"),
    ('"text"', "JSON object"),
    (b"\xff\xfe", "not valid JSON"),
    ("[" * 100000 + "]" * 100000, "not valid JSON"),
])
def test_a_body_that_is_not_a_json_object(client, rsa_key, body, words):
    issue = outcome(post(client, SERVICE, body, token(rsa_key, SERVICE)), 400)
    assert words in issue["details"]["text"]


@pytest.mark.parametrize("change, where", [
    ({"hook": "order-sign"}, "hook"),
    ({"hook": None}, "hook"),
    ({"hookInstance": None}, "hookInstance"),
    ({"hookInstance": 42}, "hookInstance"),
    ({"context": None}, "context.patientId"),
    ({"context": {"patientId": "../../admin"}}, "context.patientId"),
    ({"context": {"patientId": "x" * 65}}, "context.patientId"),
    ({"context": {"patientId": 1288992}}, "context.patientId"),
    ({"prefetch": [1]}, "prefetch"),
    ({"fhirServer": "file:///etc/passwd"}, "fhirServer"),
    ({"fhirServer": 5}, "fhirServer"),
    ({"fhirServer": "https://ehr.example.org/fhir", "fhirAuthorization": {"x": 1}},
     "fhirAuthorization"),
    ({"fhirServer": "https://ehr.example.org/fhir",
      "fhirAuthorization": {"access_token": "t", "token_type": "MAC"}}, "fhirAuthorization"),
])
def test_a_request_we_cannot_read_is_a_400_naming_the_field(client, rsa_key, change, where):
    body = hook_request(ehr_patient("MRN-4711")) | change
    body = {k: v for k, v in body.items() if v is not None}
    issue = outcome(post(client, SERVICE, body, token(rsa_key, SERVICE)), 400)
    assert issue["expression"] == [where]


def test_a_fhir_server_not_registered_for_the_ehr(client, rsa_key, settings):
    settings.CDS_ISSUERS["https://ehr.example.org"]["fhir_servers"] = [
        "https://ehr.example.org/fhir"]
    body = hook_request(ehr_patient("MRN-4711"), fhirServer="https://elsewhere.example/fhir")
    outcome(post(client, SERVICE, body, token(rsa_key, SERVICE)), 403)


def test_another_service_id_and_other_methods(client, rsa_key):
    path = "/cds-services/not-ours"
    issue = outcome(post(client, path, hook_request(ehr_patient("x")), token(rsa_key, path)),
                    404)
    assert issue["code"] == "not-found"
    outcome(client.get(SERVICE, **auth(token(rsa_key, SERVICE))), 405)
    outcome(client.put(SERVICE, data="{}", content_type="application/json",
                       **auth(token(rsa_key, SERVICE))), 405)


def test_bad_settings_are_a_503_not_a_500(client, rsa_key, settings):
    settings.CDS_ISSUERS = {"https://ehr.example.org": {"keys": "not a key"}}
    outcome(client.get("/cds-services", **auth(token(rsa_key, "/cds-services"))), 503)


def test_odd_prefetch_values_never_give_a_500(client, rsa_key, known):
    for prefetch in ({"patient": 5}, {"patient": []}, {"patient": {"resourceType": "Patient",
                                                                   "id": "other"}},
                     {"patient": {"resourceType": "Patient", "id": "ehr-1",
                                  "identifier": "MRN-4711"}},
                     {"patient": {"resourceType": "Patient", "id": "ehr-1",
                                  "identifier": [None, 5, {"system": 1, "value": []}]}}):
        body = hook_request(None) | {"prefetch": prefetch}
        response = post(client, SERVICE, json.dumps(body), token(rsa_key, SERVICE))
        assert response.status_code in (200, 412), (prefetch, response.content)


def test_a_slow_fhir_server_gets_a_budget_not_a_wait(client, rsa_key, settings, monkeypatch):
    """All fetches of one call share a budget of a few timeouts: then 412, not a hung chart."""
    import time

    settings.CDS_FHIR_TIMEOUT = 0.01

    condition = {"resourceType": "Condition", "subject": {"reference": "Patient/1288992"},
                 "code": {"coding": [{"system": "http://snomed.info/sct", "code": "396230008"}]},
                 "onsetDateTime": "2024-01-01", "recordedDate": "2024-02-01"}

    def slow(url, *, token, timeout):
        time.sleep(0.04)
        entries = [{"resource": condition}] if "/Condition?" in url else []
        return {"resourceType": "Bundle", "type": "searchset", "entry": entries}

    monkeypatch.setattr("cadm.cds.prefetch.http_get_json", slow)
    # The Patient prefetched; the Condition fetched (slowly), so the Observations are not.
    body = spec_example("patient-view-request.json")
    issue = outcome(post(client, SERVICE, body, token(rsa_key, SERVICE)), 412)
    assert "took too long" in issue["details"]["text"]


def test_a_resource_nested_deep_enough_to_pass_json_is_not_a_500(client, rsa_key):
    nested: dict = {"url": "urn:x"}
    for _ in range(450):
        nested = {"url": "urn:x", "extension": [nested]}
    patient = ehr_patient("nobody") | {"extension": [nested]}
    body = hook_request(patient) | {"prefetch": {
        "patient": patient, "observations": {"resourceType": "Bundle", "entry": []},
        "conditions": {"resourceType": "Bundle", "entry": [{"resource": {
            "resourceType": "Condition", "extension": [nested],
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "396230008"}]},
            "onsetDateTime": "2024-01-01", "recordedDate": "2024-02-01"}}]}}}
    response = post(client, SERVICE, json.dumps(body), token(rsa_key, SERVICE))
    assert response.status_code in (200, 400, 412), response.content
