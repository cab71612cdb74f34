"""POST /fhir/r4/ (the FHIR base): a Bundle of type transaction, collection or searchset,
imported by cadm.fhir.importer for the caller at one site.

The API's doors (cadm.api): its token and session authentication (session writes need the
CSRF token), its throttles, and `required_perm = Perm.RESULT_RECORD`, so a rules admin gets a
403. The site: `?site=CODE`, one of the caller's sites, or the caller's only site; another
site is a 403 whether or not it exists. `?partial=true` keeps what passes; `?skin_onset_date=`
and `?diagnosis_date=` give a new patient's disease dates when the bundle has no
dermatomyositis Condition.

Bodies: `application/fhir+json` or `application/json`. Every answer is an OperationOutcome in
`application/fhir+json`: 201 when something was created (a patient or a row), 200 when the
bundle was read and nothing new came of it, 422 when a resource was refused and nothing saved,
400 for a body that is not a JSON object or a bad parameter; errors of the API's doors (401,
403, 415, 429) in the same shape. Left out of the OpenAPI schema: FHIR has its own
specification; our schema describes our API.

No Idempotency-Key here: an import is idempotent by itself (a repeat imports nothing twice).
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cadm.permissions import Perm
from cadm.selectors.sites import site_list_for

from .http import FhirJsonParser, FhirViewMixin
from .importer import fhir_import
from .outcomes import error_outcome, import_outcome

DATE_PARAMS = ("skin_onset_date", "diagnosis_date")


class BadParameter(exceptions.ValidationError):
    """A 400 whose message is the text given (not keyed by a field)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


@extend_schema(exclude=True)
class BundleImport(FhirViewMixin, APIView):
    required_perm = Perm.RESULT_RECORD
    parser_classes = [FhirJsonParser, JSONParser]
    http_method_names = ["post", "options"]

    def post(self, request):
        site = self._site(request)
        partial = self._partial(request)
        try:
            bundle = request.data
        except RequestDataTooBig:
            return Response(error_outcome(413, "The bundle is larger than this server accepts "
                                               "in one request; send it in parts."), status=413)
        if not isinstance(bundle, dict):
            raise BadParameter("The body must be a FHIR Bundle (a JSON object).")
        given = {name: request.query_params.get(name) for name in DATE_PARAMS
                 if request.query_params.get(name)}
        report = fhir_import(actor=request.user, site=site, bundle=bundle, partial=partial,
                             new_patient=given)
        if report.refused and not partial:
            status = 422
        elif report.patient_created or report.imported or report.marked_in_error:
            status = 201
        else:
            status = 200
        return Response(import_outcome(report), status=status)

    def _site(self, request):
        mine = list(site_list_for(user=request.user))
        code = request.query_params.get("site")
        if code is None:
            if len(mine) == 1:
                return mine[0]
            raise BadParameter("site: name one of your sites with ?site=CODE; accepted: "
                               + (", ".join(s.code for s in mine) or "none"))
        site = next((s for s in mine if s.code == code), None)
        if site is None:
            raise exceptions.PermissionDenied(f"site: {code[:40]!r} is not one of your sites.")
        return site

    def _partial(self, request) -> bool:
        value = request.query_params.get("partial", "false")
        if value not in ("true", "false"):
            raise BadParameter(f"partial: {value[:40]!r} is not accepted; use true or false.")
        return value == "true"
