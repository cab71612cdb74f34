"""Answer 503 with a plain page when the database cannot be reached, instead of a 500.

A database that is down is not a fault of the page: the person at the screen should read
that nothing was saved and to try again later, and monitoring should count "unavailable"
(503), not a bug (500).

Two ways a database error reaches us. Raised by the view (or its template), it comes to
`process_exception`. Raised inside another middleware (the session and the lazily loaded
user, an error page whose context reads the user), Django turns it into a 500 within that
middleware, so no outer middleware ever sees the exception; Django only announces it with
the `got_request_exception` signal. The receiver below marks the request, and `__call__`
replaces that 500. For this the middleware must sit before SessionMiddleware and
AuthenticationMiddleware (outside them) in MIDDLEWARE.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

DATABASE_UNREACHABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 120
_MARK = "_cadm_database_unreachable"


def database_unreachable_response(exc: Exception) -> HttpResponse:
    cause = exc.__cause__
    # Types only: the message can carry SQL, parameters or connection details. With DEBUG
    # (development, tests) the traceback too, or SQLite's "no such table" would hide here.
    logger.error("Database unreachable (%s%s); answered 503", type(exc).__name__,
                 f" from {type(cause).__module__}.{type(cause).__name__}" if cause else "",
                 exc_info=exc if settings.DEBUG else None)
    # No request: context processors would read the user, that is, the database.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _mark_database_unreachable(sender, request: HttpRequest | None = None, **kwargs) -> None:
    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, DATABASE_UNREACHABLE):
        setattr(request, _MARK, exc)


got_request_exception.connect(_mark_database_unreachable,
                              dispatch_uid="cadm.middleware_faults.mark")


class DatabaseUnreachableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exc = getattr(request, _MARK, None)
        if exc is not None and response.status_code == 500:
            return database_unreachable_response(exc)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNREACHABLE):
            return database_unreachable_response(exception)
        return None
