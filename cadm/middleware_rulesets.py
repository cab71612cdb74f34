"""Answer a clear 503 page when no rule-set version is active, instead of a 500.

Every page that evaluates a patient needs the active version (`ruleset_active()`). PostgreSQL
refuses a commit that leaves none active (migration 0014); SQLite cannot check that at commit,
and a shell user can still get there on it. Then the person at the screen should read why
nothing is shown and who can fix it, and monitoring should count "unavailable" (503), not a
bug (500). Views that catch DomainError themselves (form pages) show the same message inline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cadm.exceptions import NoActiveRuleSet

logger = logging.getLogger(__name__)


class NoActiveRuleSetMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, NoActiveRuleSet):
            return None
        # Error level: pages stay unusable until someone acts; the path is left out because
        # it names a patient.
        logger.error("No rule-set version is active; answered 503")
        response = render(request, "no_active_ruleset.html", status=503)
        response["Cache-Control"] = "no-store"
        return response
