"""What every FHIR endpoint answers with: FHIR JSON whatever the Accept header, bodies read as
`application/fhir+json` or `application/json`, and every error (the API's doors: 401, 403,
404, 405, 415, 429, a 500 that names nothing; no active rule set: 503) as an OperationOutcome
with the status the REST API would give."""

from __future__ import annotations

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.mediatypes import media_type_matches

from cadm.api import errors as api_errors
from cadm.exceptions import NoActiveRuleSet

from .outcomes import error_outcome


class FhirJsonParser(JSONParser):
    media_type = "application/fhir+json"


class FhirJsonRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"
    charset = "utf-8"


class FhirAnswers(BaseContentNegotiation):
    """The body's parser by its Content-Type (415 otherwise); always FHIR JSON back: it is
    the one format served, and a 406 would help nobody."""

    def select_parser(self, request, parsers):
        content_type = request.content_type or ""
        return next((p for p in parsers if media_type_matches(p.media_type, content_type)),
                    None)

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def fhir_exception_handler(exc, context):
    """The API's handler decides status and headers (WWW-Authenticate, Retry-After); its body
    becomes an OperationOutcome."""
    if isinstance(exc, NoActiveRuleSet):
        # The server's state, not the request's fault: a 503, as the pages answer it.
        return Response(error_outcome(503, str(exc)), status=503)
    response = api_errors.handler(exc, context)
    error = response.data["error"]
    message = error["message"]
    if error.get("fields"):
        message += " " + " ".join(f"{name}: {' '.join(problems)}"
                                  for name, problems in error["fields"].items())
    response.data = error_outcome(response.status_code, message)
    return response


class FhirViewMixin:
    """The FHIR answers for an APIView (put it first in the bases)."""

    renderer_classes = [FhirJsonRenderer]
    content_negotiation_class = FhirAnswers

    def get_exception_handler(self):
        return fhir_exception_handler
