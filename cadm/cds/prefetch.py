"""The FHIR data of a `patient-view` call: from `prefetch` when the EHR sent it, else from the
EHR's `fhirServer` with the `fhirAuthorization` token it gave us for this call.

CDS Hooks: a prefetch key that is absent was not satisfied (we may fetch it ourselves); a key
whose value is null means the EHR has no such data. When we need data that was not sent and
cannot be fetched, the answer is 412 Precondition Failed with an OperationOutcome.

Fetching goes only to the server the (verified) EHR named, and to an allow-listed one when
its CDS_ISSUERS entry lists `fhir_servers`; redirects are not followed (the token must not
travel elsewhere); the timeout is short (CDS_FHIR_TIMEOUT), since the clinician waits.
"""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings

from .config import Issuer
from .discovery import searches
from .outcomes import CdsError

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
MAX_PAGES = 5
FETCH_BUDGET = 3  # timeouts per call, all fetches together (the Patient and two searches)
ABSENT = object()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a redirect is answered as the error it then is


_opener = urllib.request.build_opener(_NoRedirect)


def http_get_json(url: str, *, token: str | None, timeout: float) -> dict:
    """GET a FHIR JSON resource. Tests replace this function; ValueError or OSError on any
    failure (network, status, size, not JSON)."""
    headers = {"Accept": "application/fhir+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, headers=headers)
    with _opener.open(request, timeout=timeout) as response:  # noqa: S310 - http(s) only
        body = response.read(MAX_RESPONSE_BYTES + 1)
    if len(body) > MAX_RESPONSE_BYTES:
        raise ValueError("response too large")
    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError("not a FHIR resource")
    return data


@dataclass
class HookData:
    """The Patient and the searched resources of one call, fetched at most once each."""

    patient_id: str
    prefetch: dict
    issuer: Issuer
    server: str | None = None
    token: str | None = None
    _cache: dict = field(default_factory=dict)
    _started: float | None = None

    def patient(self) -> dict:
        if "patient" not in self._cache:
            self._cache["patient"] = self._patient()
        return self._cache["patient"]

    def searched(self, key: str) -> list[tuple[str, dict]]:
        """The resources of one of our search templates (discovery.searches()), each with its
        FHIR path as the mapper reports it (entries numbered across pages)."""
        if key not in self._cache:
            self._cache[key] = self._search(key)
        return self._cache[key]

    def _patient(self) -> dict:
        found = self._prefetched_patient()
        if found is ABSENT:
            found = self._fetch(f"Patient/{self.patient_id}", "patient")
        if not _is_patient(found, self.patient_id):
            raise CdsError(412, "The EHR has no Patient resource for context.patientId.",
                           diagnostics="Prefetch key 'patient' was null or not this Patient.",
                           expression="prefetch.patient")
        return found

    def _prefetched_patient(self):
        if "patient" in self.prefetch:
            return self.prefetch["patient"]
        # The EHR may have answered our template under another key (the specification's own
        # example does): any prefetched Patient with the context's id is the one.
        for value in self.prefetch.values():
            if _is_patient(value, self.patient_id):
                return value
        return ABSENT

    def _search(self, key: str) -> list[tuple[str, dict]]:
        kind, params = searches()[key]
        if key in self.prefetch:
            bundle = self.prefetch[key]
            if bundle is None:  # the EHR has none
                return []
        else:
            query = urllib.parse.urlencode({"patient": self.patient_id, **params,
                                            "_count": "200"})
            bundle = self._fetch(f"{kind}?{query}", key)
        return self._resources(bundle, kind, key)

    def _resources(self, bundle, kind: str, key: str) -> list[tuple[str, dict]]:
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            # An OperationOutcome here is the EHR saying it could not search (CDS Hooks).
            raise CdsError(412, f"The {kind} data (prefetch key '{key}') is not a FHIR Bundle.",
                           expression=f"prefetch.{key}")
        found, pages, offset = [], 0, 0
        while True:
            entries = bundle.get("entry") if isinstance(bundle.get("entry"), list) else []
            found += [(f"prefetch.{key}.entry[{offset + i}].resource", e["resource"])
                      for i, e in enumerate(entries)
                      if isinstance(e, dict) and isinstance(e.get("resource"), dict)
                      and e["resource"].get("resourceType") == kind]
            offset += len(entries)
            following = _next_link(bundle)
            pages += 1
            if not following or pages >= MAX_PAGES or not self._own(following):
                return found
            bundle = self._get(following, key)

    def _fetch(self, relative: str, key: str) -> dict | None:
        if not self.server:
            raise CdsError(412, f"Prefetch key '{key}' is missing and no fhirServer was given "
                                "to fetch it from.", expression=f"prefetch.{key}")
        return self._get(f"{self.server.rstrip('/')}/{relative}", key)

    def _get(self, url: str, key: str) -> dict:
        """One GET, within CDS_FHIR_TIMEOUT, and within FETCH_BUDGET such timeouts for the
        whole call: a clinician is waiting for the chart to open."""
        timeout = getattr(settings, "CDS_FHIR_TIMEOUT", 3)
        if self._started is None:
            self._started = time.monotonic()
        left = timeout * FETCH_BUDGET - (time.monotonic() - self._started)
        if left <= 0:
            raise CdsError(412, f"Prefetch key '{key}' is missing and the EHR's FHIR server "
                                "took too long.", expression=f"prefetch.{key}")
        try:
            return http_get_json(url, token=self.token, timeout=min(timeout, left))
        except (OSError, ValueError, http.client.HTTPException):
            raise CdsError(412, f"Prefetch key '{key}' is missing and the EHR's FHIR server "
                                "could not be read.", expression=f"prefetch.{key}") from None

    def _own(self, url: str) -> bool:
        """Pages are followed on the EHR's own server only: the token goes nowhere else."""
        return bool(self.server) and url.startswith(self.server.rstrip("/") + "/")


def _is_patient(value, patient_id: str) -> bool:
    return (isinstance(value, dict) and value.get("resourceType") == "Patient"
            and value.get("id") in (None, patient_id))


def _next_link(bundle: dict) -> str | None:
    for link in bundle.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) else None
    return None


def hook_data(body: dict, issuer: Issuer) -> HookData:
    """The request's data sources, checked: CdsError(400) for a request we cannot read."""
    context = body.get("context")
    patient_id = context.get("patientId") if isinstance(context, dict) else None
    if not isinstance(patient_id, str) or not FHIR_ID.match(patient_id):
        raise CdsError(400, "context.patientId is required: a FHIR id (letters, digits, '-', "
                            "'.'; at most 64).", expression="context.patientId")
    prefetch = body.get("prefetch", {})
    if not isinstance(prefetch, dict):
        raise CdsError(400, "prefetch must be an object.", expression="prefetch")
    server, token = _server(body, issuer), _token(body)
    return HookData(patient_id=patient_id, prefetch=prefetch, issuer=issuer, server=server,
                    token=token)


def _server(body: dict, issuer: Issuer) -> str | None:
    server = body.get("fhirServer")
    if server is None:
        return None
    parts = urllib.parse.urlsplit(server) if isinstance(server, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise CdsError(400, "fhirServer must be an http(s) URL.", expression="fhirServer")
    allowed = [s.rstrip("/") for s in issuer.fhir_servers]
    if allowed and server.rstrip("/") not in allowed:
        raise CdsError(403, "This fhirServer is not one registered for this EHR.",
                       expression="fhirServer")
    return server


def _token(body: dict) -> str | None:
    auth = body.get("fhirAuthorization")
    if auth is None:
        return None
    token = auth.get("access_token") if isinstance(auth, dict) else None
    if not isinstance(token, str) or not token or str(auth.get("token_type")).lower() != "bearer":
        raise CdsError(400, "fhirAuthorization needs an access_token of token_type Bearer.",
                       expression="fhirAuthorization")
    return token
