"""Error answers: CDS Hooks asks for an OperationOutcome with any non-2xx status, so an EHR's
logs say why. The text names the problem, never patient data."""

from __future__ import annotations

from django.http import JsonResponse

# HTTP status -> FHIR issue type (http://hl7.org/fhir/issue-type).
ISSUE_CODE = {400: "invalid", 401: "security", 403: "forbidden", 404: "not-found",
              405: "not-supported", 412: "processing", 413: "too-costly", 415: "invalid",
              503: "transient"}


class CdsError(Exception):
    """An answer other than 200, raised anywhere below a view and answered by it."""

    def __init__(self, status: int, text: str, *, diagnostics: str = "",
                 expression: str = "") -> None:
        super().__init__(text)
        self.status, self.text = status, text
        self.diagnostics, self.expression = diagnostics, expression


def operation_outcome(status: int, text: str, *, diagnostics: str = "",
                      expression: str = "") -> dict:
    issue = {"severity": "error", "code": ISSUE_CODE.get(status, "processing"),
             "details": {"text": text}}
    if diagnostics:
        issue["diagnostics"] = diagnostics
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def error_response(error: CdsError) -> JsonResponse:
    body = operation_outcome(error.status, error.text, diagnostics=error.diagnostics,
                             expression=error.expression)
    response = JsonResponse(body, status=error.status)
    response["Cache-Control"] = "no-store"
    if error.status == 401:
        # RFC 6750: tells the caller the Bearer token was the problem, not the request.
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response
