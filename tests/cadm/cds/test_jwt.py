"""Every CDS Hooks call proves the EHR with a signed JWT (CDS Hooks "Trusting CDS Clients"):
allow-listed issuer, its configured key, an asymmetric algorithm, aud = the URL called, not
expired, not replayed. Each refusal is a 401 OperationOutcome, never a 500, and a `jku` is
never fetched."""

import base64
import json
import time
import urllib.request

import jwt
import pytest

from tests.cadm.cds.conftest import (
    BASE,
    DISCOVERY,
    ISS_PEM,
    SERVICE,
    auth,
    ehr_patient,
    hook_request,
    post,
    public_pem,
    token,
)

pytestmark = pytest.mark.django_db


def refused(response, words: str) -> None:
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "security"
    assert words in body["issue"][0]["details"]["text"]


def discover(client, bearer: str):
    return client.get(DISCOVERY, **auth(bearer))


def test_rs384_es384_and_a_pem_configured_issuer_are_accepted(client, rsa_key, ec_key):
    assert discover(client, token(rsa_key, DISCOVERY)).status_code == 200
    assert discover(client, token(ec_key, DISCOVERY, kid="ec-1", alg="ES384")).status_code \
        == 200
    # A PEM key has no kid: the token's kid (if any) is not needed to find it.
    assert discover(client, token(rsa_key, DISCOVERY, kid=None, iss=ISS_PEM)).status_code \
        == 200


def test_the_spec_example_request_is_accepted_with_our_jwt(client, rsa_key, known,
                                                            monkeypatch):
    """patient-view-request.json as it is: its Patient under another prefetch key, its
    fhirServer for the rest (the fetch is replaced: no network in tests)."""
    from tests.cadm.cds.conftest import spec_example

    calls = []

    def fetch(url, *, token, timeout):
        calls.append((url, token))
        return {"resourceType": "Bundle", "type": "searchset", "entry": []}

    monkeypatch.setattr("cadm.cds.prefetch.http_get_json", fetch)
    body = spec_example("patient-view-request.json")
    response = post(client, SERVICE, body, token(rsa_key, SERVICE))
    assert response.status_code == 200, response.content
    assert isinstance(response.json()["cards"], list)
    # Anything fetched came from the EHR's server, with the token it gave for this call.
    assert all(url.startswith(body["fhirServer"] + "/") and bearer == body[
        "fhirAuthorization"]["access_token"] for url, bearer in calls)


def test_no_header_or_not_bearer_or_not_a_jwt(client, rsa_key):
    refused(client.get(DISCOVERY), "Bearer")
    refused(client.get(DISCOVERY, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz"), "Bearer")
    refused(discover(client, "not.a.jwt"), "not a JWT")


def test_an_issuer_not_on_the_allow_list(client, rsa_key):
    refused(discover(client, token(rsa_key, DISCOVERY, iss="https://evil.example")),
            "not on the allow-list")
    refused(discover(client, token(rsa_key, DISCOVERY, iss=None)), "not on the allow-list")


def test_a_key_that_is_not_the_issuers(client, attacker_key):
    refused(discover(client, token(attacker_key, DISCOVERY)), "signature does not verify")


def test_hs256_signed_with_our_public_key_as_the_secret(client, rsa_key):
    """The algorithm-confusion attack: a verifier that takes `alg` from the token would check
    an HMAC keyed with the public key it knows."""
    secret = public_pem(rsa_key).encode()
    header = base64.urlsafe_b64encode(json.dumps(
        {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode()).rstrip(b"=")
    now = int(time.time())
    payload = base64.urlsafe_b64encode(json.dumps(
        {"iss": "https://ehr.example.org", "aud": BASE + DISCOVERY, "iat": now,
         "exp": now + 60, "jti": "x1"}).encode()).rstrip(b"=")
    import hashlib
    import hmac

    signature = base64.urlsafe_b64encode(hmac.new(
        secret, header + b"." + payload, hashlib.sha256).digest()).rstrip(b"=")
    forged = b".".join((header, payload, signature)).decode()
    refused(discover(client, forged), "asymmetric only")


def test_alg_none(client):
    now = int(time.time())
    unsigned = jwt.encode({"iss": "https://ehr.example.org", "aud": BASE + DISCOVERY,
                           "iat": now, "exp": now + 60, "jti": "n1"}, None, algorithm="none")
    refused(discover(client, unsigned), "asymmetric only")


def test_an_algorithm_the_key_does_not_allow(client, rsa_key):
    """The RSA key is configured for RS384: RS256 with it is refused (the key decides)."""
    refused(discover(client, token(rsa_key, DISCOVERY, alg="RS256")), "no key of this issuer")


def test_expired_and_too_long_lived_and_from_the_future(client, rsa_key):
    now = int(time.time())
    refused(discover(client, token(rsa_key, DISCOVERY, iat=now - 400, exp=now - 100)),
            "expired")
    refused(discover(client, token(rsa_key, DISCOVERY, exp=now + 3600)), "longer than 300")
    refused(discover(client, token(rsa_key, DISCOVERY, iat=now + 600, exp=now + 700)),
            "not valid yet")


@pytest.mark.parametrize("claim", ["exp", "iat", "jti", "aud"])
def test_a_required_claim_missing(client, rsa_key, claim):
    refused(discover(client, token(rsa_key, DISCOVERY, **{claim: None})), "required")


def test_aud_must_be_the_url_called(client, rsa_key):
    # A token made for discovery cannot call the service, nor another host's discovery.
    body = hook_request(ehr_patient("nobody"))
    refused(post(client, SERVICE, body, token(rsa_key, DISCOVERY)), "aud must be")
    refused(discover(client, token(rsa_key, DISCOVERY,
                                   aud="https://other.example" + DISCOVERY)), "aud must be")
    # The array form of aud is the specification's too.
    assert discover(client, token(rsa_key, DISCOVERY, aud=[BASE + DISCOVERY])).status_code \
        == 200


def test_aud_follows_the_request_when_no_base_url_is_set(client, rsa_key, settings):
    settings.CDS_BASE_URL = ""
    assert discover(client, token(rsa_key, DISCOVERY,
                                  aud="http://testserver" + DISCOVERY)).status_code == 200


def test_a_replayed_jti(client, rsa_key):
    bearer = token(rsa_key, DISCOVERY, jti="once-only")
    assert discover(client, bearer).status_code == 200
    refused(discover(client, bearer), "already used")
    # A new token with the same jti is a replay too.
    refused(discover(client, token(rsa_key, DISCOVERY, jti="once-only")), "already used")


def test_a_forged_token_does_not_use_up_a_jti(client, rsa_key, attacker_key):
    """jti is remembered only once the signature verified: a forger cannot block a token."""
    refused(discover(client, token(attacker_key, DISCOVERY, jti="j-7")), "does not verify")
    assert discover(client, token(rsa_key, DISCOVERY, jti="j-7")).status_code == 200


def test_a_jku_pointing_elsewhere_is_never_fetched(client, attacker_key, rsa_key, monkeypatch,
                                                   settings):
    def no_network(*args, **kwargs):
        raise AssertionError("a jku was fetched")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    jku = {"jku": "https://attacker.example/jwks.json"}
    # Signed with the attacker's key, whose JWK Set the jku names: refused.
    refused(discover(client, token(attacker_key, DISCOVERY, headers=jku)),
            "does not verify")
    # A jwk header carrying the attacker's own key is not used either.
    embedded = {"jwk": json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(
        attacker_key.public_key()))}
    refused(discover(client, token(attacker_key, DISCOVERY, headers=embedded)),
            "does not verify")
    # Signed with the real key, a jku is ignored (not fetched) ...
    assert discover(client, token(rsa_key, DISCOVERY, headers=jku)).status_code == 200
    # ... unless the issuer registered its jku: then any other is refused.
    settings.CDS_ISSUERS["https://ehr.example.org"]["jku"] = ["https://ehr.example.org/jwks"]
    refused(discover(client, token(rsa_key, DISCOVERY, headers=jku)), "jku")


def test_a_kid_we_do_not_know(client, rsa_key):
    refused(discover(client, token(rsa_key, DISCOVERY, kid="rotated-away")),
            "no key of this issuer")


def test_garbage_claims_never_give_a_500(client, rsa_key):
    for claims in ({"jti": 12}, {"jti": ""}, {"jti": "x" * 300}, {"iat": "yesterday"},
                   {"exp": "soon"}):
        response = discover(client, token(rsa_key, DISCOVERY, **claims))
        assert response.status_code == 401, claims
    # Claims PyJWT will not even encode: signed as raw JSON.
    now = int(time.time())
    for payload in ({"iss": ["https://ehr.example.org"]}, {"iss": {"a": 1}}, [1, 2], "text"):
        body = payload if not isinstance(payload, dict) else payload | {
            "aud": BASE + DISCOVERY, "iat": now, "exp": now + 60, "jti": "g"}
        raw = jwt.api_jws.encode(json.dumps(body).encode(), rsa_key, algorithm="RS384",
                                 headers={"kid": "rsa-1"})
        assert discover(client, raw).status_code == 401, payload
    for header in ({"alg": ["RS384"]}, {"alg": None}, {"kid": 5}):
        head = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
        assert discover(client, head + ".e30.c2ln").status_code == 401, header
