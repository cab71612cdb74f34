"""`Cache-Control: no-store` on every response this site builds, so that no browser cache,
proxy or shared workstation's disk keeps a copy of a page, an API answer or an export.

Every response, not only those of a logged-in user: which answers carry patient data is not
a property of the session (CDS Hooks cards answer an EHR's JWT, an API call a token), and a
rule with no exception has none to get wrong. What is lost is caching of pages that hold no
patient data (the login page, which Django already marks never_cache, and error pages): they
are small. Static files are the exception: WhiteNoise answers them before this middleware
(it sits after WhiteNoise in MIDDLEWARE), with its own long cache headers on fingerprinted
names; they hold no patient data.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Merged into what a view set (never_cache's no-cache, must-revalidate...): no-store
        # overrides any max-age it may also carry.
        patch_cache_control(response, no_store=True)
        return response
