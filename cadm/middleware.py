"""Refuse requests whose parameters carry a NUL character, before any view sees them.

PostgreSQL cannot store NUL in text (psycopg raises DataError), so one "\\x00" in a correction
reason or in `?site=` ended in a 500 wherever a view passed the value on to the database.
No clinician types NUL; refusing it once, here, is simpler and safer than remembering it in
every view. Form fields refuse it too (Django's CharField), with a message on the field.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from cadm.forms.messages import shown

NUL = "\x00"


def nul_refusal(request: HttpRequest) -> str | None:
    """The refusal text for the first query or form parameter (name or value) with a NUL."""
    for where, params in (("Query parameter", request.GET), ("Form field", request.POST)):
        for key, values in params.lists():
            if NUL in key:
                return (f"{where} {shown(key)}: its name contains a NUL character (\\x00); "
                        "accepted: names without NUL characters.")
            for value in values:
                if NUL in value:
                    return (f"{where} {shown(key)}: {shown(value)} contains a NUL character "
                            "(\\x00); accepted: text without NUL characters.")
    return None


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = nul_refusal(request)
        if refusal and request.path.startswith("/api/"):
            # The API answers every error in its one JSON shape (cadm/api/errors.py).
            from cadm.api.errors import error_body

            return JsonResponse(error_body(400, "invalid", refusal), status=400)
        if refusal:
            # Plain text: the value is shown escaped (repr), never interpreted as HTML.
            return HttpResponseBadRequest(refusal, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
