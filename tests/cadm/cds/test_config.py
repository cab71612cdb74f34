"""The allow-list (CDS_ISSUERS) is read strictly: a mistake is named at the first call, and a
key's algorithms follow its type; every dismissal reason of ours is offered with an HL7 code."""

import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured

from cadm.cds.config import issuers
from cadm.cds.reasons import HL7_CODE, HL7_SYSTEM, override_reasons, reason_of
from cadm.models import OverrideReason
from tests.cadm.cds.conftest import SPEC, public_pem


def configured(settings, entry: dict):
    settings.CDS_ISSUERS = {"https://ehr.example.org": entry}
    return issuers()["https://ehr.example.org"]


def test_algorithms_follow_the_key_type(settings, rsa_key, ec_key):
    assert configured(settings, {"keys": public_pem(rsa_key)}).keys[0].algorithms == ("RS384",)
    assert configured(settings, {"keys": public_pem(ec_key)}).keys[0].algorithms == ("ES384",)
    p256 = ec.generate_private_key(ec.SECP256R1())
    assert configured(settings, {"keys": public_pem(p256)}).keys[0].algorithms == ("ES256",)
    wider = configured(settings, {"keys": public_pem(rsa_key), "algorithms": ["RS256"]})
    assert wider.keys[0].algorithms == ("RS256",)


@pytest.mark.parametrize("entry, words", [
    ({"keys": "not a key"}, "not a PEM public key"),
    ({"keys": []}, "no public key"),
    ({"keys": 5}, "a PEM public key, a list of them, or a JWK Set"),
    ({"keys": {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}}, "only RSA and EC"),
    ("a string", "must be an object"),
])
def test_a_bad_entry_is_named(settings, entry, words):
    with pytest.raises(ImproperlyConfigured, match=words):
        configured(settings, entry)


def test_symmetric_algorithms_cannot_be_configured(settings, rsa_key):
    with pytest.raises(ImproperlyConfigured, match="do not fit this key"):
        configured(settings, {"keys": public_pem(rsa_key), "algorithms": ["HS256"]})


def test_a_private_jwk_is_refused(settings, ec_key):
    private = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec_key))
    with pytest.raises(ImproperlyConfigured, match="private key"):
        configured(settings, {"keys": {"keys": [private]}})


def test_every_reason_of_ours_has_an_hl7_code_of_the_code_system():
    codes = set()

    def walk(concepts):
        for concept in concepts:
            codes.add(concept["code"])
            walk(concept.get("concept", []))

    system = json.loads((SPEC / "vocabulary" / "CodeSystem-non-adherence-reason-codes.json")
                        .read_text())
    walk(system["concept"])
    assert system["url"] == HL7_SYSTEM
    assert set(HL7_CODE) == set(OverrideReason)
    assert {r["code"] for r in override_reasons()} <= codes
    for reason in OverrideReason:
        assert reason_of({"system": HL7_SYSTEM, "code": HL7_CODE[reason]}) == reason
    assert reason_of({"system": "https://other.example", "code": "patient-refuses"}) is None
