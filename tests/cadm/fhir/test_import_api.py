"""POST /fhir/r4/: a Bundle imported through the API's doors, answered with an
OperationOutcome."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from cadm.models import AuditEvent, LabResult, Patient
from tests.cadm.api.conftest import session_client, token_client
from tests.cadm.fhir.bundles import (
    DM_CONDITION,
    HEALTHWALLET,
    INTEROP,
    KALLIE,
    LEAN,
    PATIENT,
    bundle,
    hl7,
    lab,
    synthea,
)
from tests.factories import SiteFactory

URL = "/fhir/r4/"
DATES = "skin_onset_date=2019-06-01&diagnosis_date=2019-09-01"
FHIR_JSON = "application/fhir+json"


def post(client, body, query: str = "", content_type: str = FHIR_JSON):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL + (f"?{query}" if query else ""), data, content_type=content_type)


def outcome(response) -> dict:
    assert response["Content-Type"].startswith(FHIR_JSON)
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return body


def errors(response) -> list[tuple[str, str]]:
    return [(i["expression"][0], i["diagnostics"]) for i in outcome(response)["issue"]
            if i["severity"] in ("error", "warning") and "expression" in i]


@pytest.mark.parametrize(("name", "imported", "skipped"), [
    (KALLIE, 0, 296), (LEAN, 20, 487), (HEALTHWALLET, 24, 591)])
def test_synthea_bundles(rheumatologist, name, imported, skipped):
    client = token_client(rheumatologist)
    first = post(client, synthea(name), DATES)
    assert first.status_code == 201, first.content
    body = outcome(first)
    assert body["issue"][0]["diagnostics"].startswith(
        f"Imported {imported}, marked entered in error 0, skipped {skipped}, refused 0. "
        f"Patient registered: /patients/")
    assert len(body["issue"]) == 1 + skipped
    again = post(client, synthea(name))
    assert again.status_code == 200
    assert outcome(again)["issue"][0]["diagnostics"].startswith(
        f"Imported 0, marked entered in error 0, skipped {skipped + imported}, refused 0. "
        f"Patient matched")
    assert LabResult.objects.count() == imported


def test_refused_value_422_with_fhir_path(rheumatologist):
    b = synthea(HEALTHWALLET)
    b["entry"][265]["resource"]["valueQuantity"]["value"] = 600000
    response = post(token_client(rheumatologist), b, DATES)
    assert response.status_code == 422
    assert errors(response) == [("Bundle.entry[265].resource.valueQuantity.value",
                                 "CK: 600000 U/L is outside the accepted range 0–500000 U/L.")]
    issue = outcome(response)["issue"][1]
    assert (issue["severity"], issue["code"], issue["details"]["text"]) == (
        "error", "value", "value: 600000; accepted: 0–500000 U/L")
    assert "Nothing was saved" in outcome(response)["issue"][0]["diagnostics"]
    assert Patient.objects.count() == 0 and LabResult.objects.count() == 0


def test_structure_error_422_with_fhir_path(rheumatologist):
    b = synthea(HEALTHWALLET)
    b["entry"][265]["resource"]["valueQuantity"]["value"] = "lots"
    response = post(token_client(rheumatologist), b, DATES)
    assert response.status_code == 422
    ((path, message),) = errors(response)
    assert path == "Bundle.entry[265].resource.valueQuantity.value" and "'lots'" in message


def test_partial_import(rheumatologist):
    b = synthea(HEALTHWALLET)
    b["entry"][265]["resource"]["valueQuantity"]["value"] = 600000
    response = post(token_client(rheumatologist), b, DATES + "&partial=true")
    assert response.status_code == 201
    (issue,) = [i for i in outcome(response)["issue"] if i["severity"] == "warning"]
    assert issue["expression"] == ["Bundle.entry[265].resource.valueQuantity.value"]
    assert LabResult.objects.count() == 23


def test_application_json_and_session_auth(rheumatologist):
    client = APIClient()  # without CSRF checks: the check itself is tested below
    client.force_login(rheumatologist)
    response = post(client, bundle(PATIENT, DM_CONDITION, lab("2157-6", 250)),
                    content_type="application/json")
    assert response.status_code == 201
    assert AuditEvent.objects.filter(action="fhir.import").count() == 1


def test_session_without_csrf_token_is_refused(rheumatologist):
    response = post(session_client(rheumatologist), bundle(PATIENT))
    assert response.status_code == 403
    assert outcome(response)["issue"][0]["code"] == "forbidden"


@pytest.mark.parametrize(("body", "content_type", "status"), [
    ("{not json", FHIR_JSON, 400),
    ("[]", FHIR_JSON, 400),
    ("\"text\"", "application/json", 400),
    ("<Bundle/>", "application/fhir+xml", 415),
    (json.dumps({"resourceType": "Patient"}), FHIR_JSON, 422),
    (json.dumps({"resourceType": "Bundle", "type": "document"}), FHIR_JSON, 422),
    (json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [1, None, "x"]}),
     FHIR_JSON, 422),
    ("NaN", FHIR_JSON, 400),
])
def test_no_server_error_on_bad_bodies(rheumatologist, body, content_type, status):
    response = post(token_client(rheumatologist), body, content_type=content_type)
    assert response.status_code == status, response.content
    outcome(response)


@pytest.mark.parametrize("name", ["Bundle-bundle-transaction.json", "Bundle-lipids.json"])
def test_hl7_bundles_answer_without_server_error(rheumatologist, name):
    response = post(token_client(rheumatologist), hl7(name))
    assert response.status_code == 422  # five Patients / no Patient: refused with paths
    assert errors(response)


def test_unauthenticated_401(db):
    response = APIClient().post(URL, json.dumps(bundle(PATIENT)), content_type=FHIR_JSON)
    assert response.status_code == 401
    assert outcome(response)["issue"][0]["code"] == "login"


def test_rules_admin_403(rules_admin):
    response = post(token_client(rules_admin), bundle(PATIENT, DM_CONDITION))
    assert response.status_code == 403
    assert Patient.objects.count() == 0


def test_another_site_403(rheumatologist, other_site):
    response = post(token_client(rheumatologist), bundle(PATIENT, DM_CONDITION),
                    f"site={other_site.code}")
    assert response.status_code == 403
    assert errors(response) == [] and Patient.objects.count() == 0
    assert "is not one of your sites" in outcome(response)["issue"][0]["diagnostics"]


def test_site_parameter_needed_when_the_user_has_several(rheumatologist):
    rheumatologist.sites.add(SiteFactory(code="east", name="East Clinic"))
    client = token_client(rheumatologist)
    response = post(client, bundle(PATIENT, DM_CONDITION, lab("2157-6", 250)))
    assert response.status_code == 400
    assert "?site=CODE" in outcome(response)["issue"][0]["diagnostics"]
    response = post(client, bundle(PATIENT, DM_CONDITION, lab("2157-6", 250)), "site=east")
    assert response.status_code == 201
    assert Patient.objects.get().site.code == "east"


def test_bad_partial_parameter_400(rheumatologist):
    response = post(token_client(rheumatologist), bundle(PATIENT), "partial=yes")
    assert response.status_code == 400


def test_get_is_not_allowed(rheumatologist):
    response = token_client(rheumatologist).get(URL)
    assert response.status_code == 405
    outcome(response)


@pytest.mark.parametrize("path", sorted(p.relative_to(INTEROP).as_posix()
                                        for p in INTEROP.rglob("*.json")))
def test_no_file_of_the_interop_material_gives_a_server_error(rheumatologist, path):
    response = post(token_client(rheumatologist), (INTEROP / path).read_text(), DATES)
    assert response.status_code in (200, 201, 400, 422), response.content
    outcome(response)
