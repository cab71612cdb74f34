"""Who is calling: the Bearer JWT that CDS Hooks requires on every request.

The checks, in order (any failure is a 401 with an OperationOutcome, logged by reason only):
an `Authorization: Bearer` header; a JWS whose `alg` is asymmetric (never `none`, never HS*);
an allow-listed `iss`; a `jku`, if any, on the issuer's allow-list (never fetched); a
signature that verifies with one of the issuer's configured keys, by the algorithm that key's
type allows; `aud` equal to the URL called; `exp`, `iat` and `jti` present; not expired; not
issued in the future; not valid for longer than CDS_JWT_MAX_LIFETIME; a `jti` not seen
before (remembered in the cache until the token expires).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

import jwt
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from .config import Issuer, issuer_get
from .outcomes import CdsError

logger = logging.getLogger(__name__)

JTI_MAX_LENGTH = 255


@dataclass(frozen=True)
class Caller:
    """A verified request: the EHR (its allow-list entry) and the user it names."""

    issuer: Issuer
    claims: dict

    @property
    def ehr_user(self) -> str:
        """The EHR's user, for the record: `fhirUser` (SMART), else `sub`, else unknown."""
        for claim in ("fhirUser", "sub"):
            value = self.claims.get(claim)
            if isinstance(value, str):
                # Printable, one line: it is written into flag comments and audit rows.
                value = " ".join("".join(c if c.isprintable() else " " for c in value).split())
                if value:
                    return value[:200]
        return "an unnamed EHR user"


def audience_of(request: HttpRequest) -> str:
    """The URL called, as the EHR must name it in `aud`. CDS_BASE_URL, when set, is the public
    address (behind a proxy the request's own scheme and host may differ)."""
    base = getattr(settings, "CDS_BASE_URL", "") or ""
    if base:
        return base.rstrip("/") + request.path
    return request.build_absolute_uri(request.path)


def caller_verify(request: HttpRequest) -> Caller:
    """The verified caller, or CdsError(401)."""
    token = _bearer(request)
    header = _header(token)
    issuer = _issuer(token)
    _jku_allowed(header, issuer)
    claims = _verified_claims(token, header, issuer, audience_of(request))
    _lifetime_sane(claims)
    _jti_fresh(issuer, claims)
    return Caller(issuer=issuer, claims=claims)


def _refuse(reason: str) -> CdsError:
    logger.warning("CDS Hooks request refused: %s", reason)
    return CdsError(401, f"Authorization refused: {reason}.")


def _bearer(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _refuse("an 'Authorization: Bearer <JWT>' header is required")
    return token.strip()


def _header(token: str) -> dict:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise _refuse("the token is not a JWT") from None
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none" or alg.upper().startswith("HS"):
        # CDS Hooks: never unsigned, never symmetric (a shared secret is no identity).
        raise _refuse(f"algorithm {str(alg)[:20]!r} is not accepted (asymmetric only)")
    return header


def _issuer(token: str) -> Issuer:
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise _refuse("the token's claims cannot be read") from None
    issuer = issuer_get(unverified.get("iss"))
    if issuer is None:
        raise _refuse("the issuer (iss) is not on the allow-list")
    return issuer


def _jku_allowed(header: dict, issuer: Issuer) -> None:
    """A `jku` is only ever compared, never fetched: keys come from settings."""
    jku = header.get("jku")
    if jku is not None and issuer.jku and jku not in issuer.jku:
        raise _refuse("the token's jku is not one this issuer registered")


def _verified_claims(token: str, header: dict, issuer: Issuer, audience: str) -> dict:
    alg, kid = header["alg"], header.get("kid")
    keys = [k for k in issuer.keys_for(kid if isinstance(kid, str) else None)
            if alg in k.algorithms]
    if not keys:
        raise _refuse(f"no key of this issuer verifies {alg[:20]} tokens with this kid")
    leeway = getattr(settings, "CDS_JWT_LEEWAY", 30)
    options = {"require": ["iss", "aud", "exp", "iat", "jti"]}
    for candidate in keys:
        try:
            return jwt.decode(token, candidate.key, algorithms=[alg], audience=audience,
                              issuer=issuer.iss, leeway=leeway, options=options)
        except jwt.InvalidSignatureError:
            continue  # another of the issuer's keys (key rotation) may verify it
        except jwt.ExpiredSignatureError:
            raise _refuse("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise _refuse(f"aud must be the URL called ({audience})") from None
        except jwt.MissingRequiredClaimError as exc:
            raise _refuse(f"the claim {exc.claim!r} is required") from None
        except jwt.ImmatureSignatureError:
            raise _refuse("the token is not valid yet (iat or nbf in the future)") from None
        except jwt.InvalidTokenError as exc:
            raise _refuse(f"the token is invalid ({type(exc).__name__})") from None
    raise _refuse("the signature does not verify with this issuer's keys")


def _lifetime_sane(claims: dict) -> None:
    leeway = getattr(settings, "CDS_JWT_LEEWAY", 30)
    longest = getattr(settings, "CDS_JWT_MAX_LIFETIME", 300)
    iat, exp = claims["iat"], claims["exp"]
    if not isinstance(iat, int | float) or not isinstance(exp, int | float):
        raise _refuse("iat and exp must be numbers")
    if iat > time.time() + leeway:
        raise _refuse("the token was issued in the future (iat)")
    if exp - iat > longest + leeway:
        # A long-lived token is a replayable credential: CDS Hooks tokens are per request.
        raise _refuse(f"the token is valid for longer than {longest} seconds")


def _jti_fresh(issuer: Issuer, claims: dict) -> None:
    """Remember each `jti` until its token expires; a second use is a replay. Recorded only
    after the signature verified, so nobody can fill the cache with forged ids."""
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti or len(jti) > JTI_MAX_LENGTH:
        raise _refuse("jti must be a non-empty string")
    digest = hashlib.sha256(f"{issuer.iss}\x00{jti}".encode()).hexdigest()
    leeway = getattr(settings, "CDS_JWT_LEEWAY", 30)
    timeout = max(1, int(claims["exp"] - time.time() + leeway) + 1)
    if not cache.add(f"cds-jti:{digest}", 1, timeout=timeout):
        raise _refuse("this token was already used (jti replay)")
