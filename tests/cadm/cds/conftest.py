"""CDS Hooks tests: an EHR with its own keys (made here, never stored), tokens signed as it
would sign them, and a patient of ours with live flags that the EHR knows by our MRN."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.cache import cache

from cadm.cds.discovery import SERVICE_ID
from cadm.models import Flag
from cadm.services.evaluation import patient_reevaluate
from tests.cadm.rulesets.builders import mda5_patient
from tests.factories import UserFactory

# The specification's own examples (../shared/interop/, see its PROVENANCE.md).
SPEC = Path(__file__).resolve().parents[3].parent / "shared" / "interop" / "cds-hooks"
ISS = "https://ehr.example.org"
ISS_PEM = "https://pem-ehr.example.org"
BASE = "https://cadm.example.org"
DISCOVERY = "/cds-services"
SERVICE = f"/cds-services/{SERVICE_ID}"
FEEDBACK = f"/cds-services/{SERVICE_ID}/feedback"
MRN_SYSTEM = "urn:cadm:site:north:mrn"


def spec_example(name: str) -> dict:
    return json.loads((SPEC / name).read_text())


def _public_jwk(key, kid: str, alg: str) -> dict:
    jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key()))
    return jwk | {"kid": kid, "alg": alg, "use": "sig"}


def public_pem(key) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo
                                         ).decode()


@pytest.fixture(scope="session")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def ec_key():
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture(scope="session")
def attacker_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def ehr_account(site):
    """The EHR's local account: feedback from it is a dermatologist's review at its site."""
    return UserFactory(username="cds-ehr-north", role="dermatologist", sites=[site])


@pytest.fixture(autouse=True)
def cds_settings(settings, rsa_key, ec_key):
    settings.CDS_ISSUERS = {
        ISS: {"keys": {"keys": [_public_jwk(rsa_key, "rsa-1", "RS384"),
                                _public_jwk(ec_key, "ec-1", "ES384")]},
              "sites": ["north"], "user": "cds-ehr-north"},
        ISS_PEM: {"keys": public_pem(rsa_key), "sites": ["north"], "user": "cds-ehr-north"},
    }
    settings.CDS_BASE_URL = BASE
    settings.CDS_JWT_LEEWAY = 5
    settings.CDS_JWT_MAX_LIFETIME = 300
    cache.clear()
    yield settings
    cache.clear()


def token(key, path: str, *, kid: str | None = "rsa-1", alg: str = "RS384", iss: str = ISS,
          headers: dict | None = None, **claims) -> str:
    """A JWT as an EHR signs it; any claim can be replaced (None removes it)."""
    now = int(time.time())
    payload = {"iss": iss, "aud": BASE + path, "iat": now, "exp": now + 120,
               "jti": str(uuid.uuid4()), "sub": "Practitioner/example"} | claims
    payload = {k: v for k, v in payload.items() if v is not None}
    head = ({"kid": kid} if kid else {}) | (headers or {})
    return jwt.encode(payload, key, algorithm=alg, headers=head)


def auth(bearer: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {bearer}"}


def post(client, path: str, body, bearer: str):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **auth(bearer))


def ehr_patient(mrn: str, *, system: str = MRN_SYSTEM, fhir_id: str = "ehr-1") -> dict:
    return {"resourceType": "Patient", "id": fhir_id,
            "identifier": [{"system": system, "value": mrn}],
            "gender": "female", "birthDate": "1980-03-03"}


def hook_request(patient_resource: dict | None, *, fhir_id: str = "ehr-1", **extra) -> dict:
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/example", "patientId": fhir_id},
            "prefetch": {"patient": patient_resource,
                         "observations": {"resourceType": "Bundle", "type": "searchset",
                                          "entry": []},
                         "conditions": {"resourceType": "Bundle", "type": "searchset",
                                        "entry": []}}}
    return body | extra


@pytest.fixture
def known(site, rheumatologist):
    """Anti-MDA5 positive with a high ferritin: live flags, the worst first."""
    patient = mda5_patient(site, rheumatologist, mrn="MRN-4711")
    patient_reevaluate(patient.pk)
    flags = list(Flag.objects.filter(patient=patient).order_by("severity_rank", "code"))
    assert flags, "the builder's patient must have flags"
    return patient, flags
