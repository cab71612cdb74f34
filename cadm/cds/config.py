"""The EHRs we trust: settings.CDS_ISSUERS, one entry per JWT issuer (`iss`).

    {"https://ehr.example.org": {
        "keys": "-----BEGIN PUBLIC KEY-----..." | ["<PEM>", ...] | {"keys": [<JWK>, ...]},
        "sites": ["north"],              # our sites whose patients this EHR may see
        "user": "cds-ehr-north",         # the local account feedback is attributed to
        "mrn_systems": {"http://ehr.example.org/mrn": "north"},   # optional
        "jku": ["https://ehr.example.org/.well-known/jwks.json"],  # optional allow-list
        "fhir_servers": ["https://ehr.example.org/fhir"],          # optional allow-list
        "algorithms": ["RS384"]}}        # optional, within the key's family

Keys are given here, never fetched: a `jku` header names a URL of the caller's choosing, and
a key fetched from it would let anyone sign (CDS Hooks says to allow-list `jku`; we go further
and read keys from settings only). The algorithm follows the key's type, so a token signed
with HS256 using our public key as the secret can never verify (the classic confusion).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from jwt import PyJWK
from jwt.exceptions import PyJWKError

RSA_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
# The CDS Hooks specification recommends RS384 and ES384; an issuer may name others of the
# same family ("algorithms"), never a symmetric one.
RSA_DEFAULT = ("RS384",)
EC_ALGORITHM_BY_CURVE = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}


@dataclass(frozen=True)
class IssuerKey:
    kid: str | None
    key: object  # a cryptography public key
    algorithms: tuple[str, ...]


@dataclass(frozen=True)
class Issuer:
    iss: str
    keys: tuple[IssuerKey, ...]
    sites: tuple[str, ...]
    user: str | None
    mrn_systems: dict[str, str] = field(default_factory=dict)
    jku: tuple[str, ...] = ()
    fhir_servers: tuple[str, ...] = ()

    def keys_for(self, kid: str | None) -> tuple[IssuerKey, ...]:
        """The key the token names, when our keys carry ids; every key otherwise (PEMs)."""
        named = tuple(k for k in self.keys if k.kid is not None)
        if named and kid is not None:
            return tuple(k for k in named if k.kid == kid)
        return self.keys

    def mrn_system_sites(self) -> dict[str, str]:
        """Identifier system -> site code: ours for each site, plus the EHR's own."""
        systems = {f"urn:cadm:site:{code}:mrn": code for code in self.sites}
        systems.update({s: c for s, c in self.mrn_systems.items() if c in self.sites})
        return systems


def issuers() -> dict[str, Issuer]:
    """The allow-list, parsed once per distinct setting (tests override it)."""
    raw = getattr(settings, "CDS_ISSUERS", {}) or {}
    return _parsed(json.dumps(raw, sort_keys=True))


def issuer_get(iss: object) -> Issuer | None:
    return issuers().get(iss) if isinstance(iss, str) else None


@lru_cache(maxsize=8)
def _parsed(text: str) -> dict[str, Issuer]:
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise ImproperlyConfigured("CDS_ISSUERS must map each issuer (iss) to its settings.")
    return {iss: _issuer(iss, entry) for iss, entry in raw.items()}


def _issuer(iss: str, entry: object) -> Issuer:
    if not isinstance(entry, dict):
        raise ImproperlyConfigured(f"CDS_ISSUERS[{iss!r}] must be an object.")
    wanted = entry.get("algorithms")
    keys = tuple(_keys(iss, entry.get("keys"), wanted))
    if not keys:
        raise ImproperlyConfigured(f"CDS_ISSUERS[{iss!r}] has no public key.")
    sites = entry.get("sites") or []
    if isinstance(sites, str):
        sites = [sites]
    return Issuer(iss=iss, keys=keys, sites=tuple(sites), user=entry.get("user") or None,
                  mrn_systems=dict(entry.get("mrn_systems") or {}),
                  jku=tuple(entry.get("jku") or ()),
                  fhir_servers=tuple(entry.get("fhir_servers") or ()))


def _keys(iss: str, raw: object, wanted) -> list[IssuerKey]:
    if isinstance(raw, str):
        raw = [raw]
    if isinstance(raw, dict):  # a JWK Set
        return [_jwk(iss, jwk, wanted) for jwk in raw.get("keys") or []]
    if isinstance(raw, list):
        return [_jwk(iss, k, wanted) if isinstance(k, dict) else _pem(iss, k, wanted)
                for k in raw]
    raise ImproperlyConfigured(f"CDS_ISSUERS[{iss!r}]['keys']: a PEM public key, a list of "
                               "them, or a JWK Set ({\"keys\": [...]}).")


def _pem(iss: str, text: object, wanted) -> IssuerKey:
    try:
        key = serialization.load_pem_public_key(str(text).encode())
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"CDS_ISSUERS[{iss!r}]: a key is not a PEM public "
                                   f"key ({exc}).") from None
    return IssuerKey(None, key, _algorithms(iss, key, wanted))


def _jwk(iss: str, jwk: dict, wanted) -> IssuerKey:
    if "d" in jwk:  # a private key pasted by mistake must not sit in settings unnoticed
        raise ImproperlyConfigured(f"CDS_ISSUERS[{iss!r}]: a JWK holds a private key ('d').")
    try:
        key = PyJWK(jwk).key
    except (PyJWKError, ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"CDS_ISSUERS[{iss!r}]: a JWK cannot be read ({exc}).") \
            from None
    algorithms = _algorithms(iss, key, wanted or ([jwk["alg"]] if jwk.get("alg") else None))
    return IssuerKey(jwk.get("kid"), key, algorithms)


def _algorithms(iss: str, key: object, wanted) -> tuple[str, ...]:
    """The signature algorithms this key may verify, by its type."""
    if isinstance(key, rsa.RSAPublicKey):
        family, default = RSA_ALGORITHMS, RSA_DEFAULT
    elif isinstance(key, ec.EllipticCurvePublicKey):
        algorithm = EC_ALGORITHM_BY_CURVE.get(key.curve.name)
        if algorithm is None:
            raise ImproperlyConfigured(f"CDS_ISSUERS[{iss!r}]: curve {key.curve.name} is "
                                       "not accepted (P-256, P-384, P-521).")
        family = default = (algorithm,)
    else:
        raise ImproperlyConfigured(f"CDS_ISSUERS[{iss!r}]: only RSA and EC public keys are "
                                   "accepted.")
    chosen = tuple(wanted) if wanted else default
    refused = [a for a in chosen if a not in family]
    if refused:
        raise ImproperlyConfigured(f"CDS_ISSUERS[{iss!r}]: algorithm(s) {refused} do not fit "
                                   f"this key (accepted: {', '.join(family)}).")
    return chosen
