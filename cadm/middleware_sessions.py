"""End a logged-in session after SESSION_IDLE_TIMEOUT_MINUTES without a request, and
SESSION_ABSOLUTE_LIFETIME_HOURS after its login, whatever its activity.

Django expires a session only by its cookie age, counted from the session's last write: that is
neither an idle timeout nor a lifetime. The session keeps when it started (stamped at the login,
by `stamp_login`, a receiver of user_logged_in) and when it was last used; the middleware
compares them with the settings on every request.

Libraries looked at: django-session-timeout (last release 2020) and django-auto-logout (2022)
are no longer maintained; django-session-security is, but it is an idle timer in JavaScript
(polling, inline scripts) with no lifetime and no answer for htmx or JSON requests.

What the caller gets once its session has ended:
- a page (a browser asking for HTML): logged out, and the view answers as for anyone logged out
  (login_required sends it to the login page, with `next`), with a message saying why;
- an htmx request: 401 with HX-Redirect to the login page, which htmx follows as a whole page
  instead of swapping the login form into part of one;
- any other request (fetch, JSON): 401 in the API's error shape, with the login page's address;
- a request with its own credentials (an Authorization header: API token, CDS Hooks JWT) or to
  a REST API view: logged out, and left to that authentication, so a token keeps working and the
  API answers 401 in its own way. A token request with no session cookie has nothing to end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from rest_framework.views import APIView

from cadm.middleware_faults import DATABASE_UNREACHABLE

STARTED = "cadm_session_started"  # epoch seconds of the login
SEEN = "cadm_session_seen"  # epoch seconds of the last request, to the minute
# The last request is written at most once a minute: each write is a write of the session row,
# and the timeout need not be more precise than that.
SEEN_RESOLUTION = 60

IDLE = "idle"
LIFETIME = "lifetime"


def ended_because(session, now: float) -> str | None:
    """IDLE or LIFETIME when the logged-in session in `session` is over, else None."""
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:
        return None
    if now - seen >= settings.SESSION_IDLE_TIMEOUT_MINUTES * 60:
        return IDLE
    if now - started >= settings.SESSION_ABSOLUTE_LIFETIME_HOURS * 3600:
        return LIFETIME
    return None


def _why(reason: str) -> str:
    if reason == IDLE:
        return (f"Your session ended after {settings.SESSION_IDLE_TIMEOUT_MINUTES} minutes "
                "without activity. Log in again to continue.")
    return (f"Your session reached its limit of {settings.SESSION_ABSOLUTE_LIFETIME_HOURS} "
            "hours. Log in again to continue.")


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = time.time()
        request._cadm_session_ended = None
        try:
            logged_in = SESSION_KEY in request.session  # the first read loads the session row
        except DATABASE_UNREACHABLE:
            # Raised here, before any view, it would reach the fault middleware only as a 500.
            # Nobody is logged in without a readable session: the view meets the same error and
            # answers for it (a 503 page, or /healthz's own answer).
            logged_in = False
        if logged_in:
            reason = ended_because(request.session, now)
            if reason:
                logout(request)
                request._cadm_session_ended = reason
            else:
                self._stamp(request.session, now)
        return self.get_response(request)

    @staticmethod
    def _stamp(session, now: float) -> None:
        # A session from before this middleware has no stamps: it starts when first seen.
        if session.get(STARTED) is None:
            session[STARTED] = int(now)
        if now - session.get(SEEN, 0) >= SEEN_RESOLUTION:
            session[SEEN] = int(now)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        reason = getattr(request, "_cadm_session_ended", None)
        if reason is None:
            return None
        view_class = getattr(view_func, "cls", None)
        if "authorization" in request.headers or (
            isinstance(view_class, type) and issubclass(view_class, APIView)
        ):
            return None
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(_why(reason), status=401, content_type="text/plain")
            response["HX-Redirect"] = redirect_to_login(
                _htmx_page(request), resolve_url(settings.LOGIN_URL))["Location"]
            return response
        if "text/html" in request.headers.get("Accept", ""):
            messages.info(request, _why(reason))
            return None
        return JsonResponse({"error": {
            "status": 401, "code": "session_expired", "message": _why(reason),
            "login_url": resolve_url(settings.LOGIN_URL),
        }}, status=401)


def stamp_login(sender, request=None, **kwargs) -> None:
    """user_logged_in receiver (connected in cadm/apps.py): the session starts at the login.
    Stamped here, in the session login() has just written, rather than on the next request,
    which would then write the session once more."""
    session = getattr(request, "session", None)
    if session is not None:
        session[STARTED] = session[SEEN] = int(time.time())


def _htmx_page(request: HttpRequest) -> str:
    """The page the htmx request came from (HX-Current-URL), to return to after the login;
    the home page when that is missing or points to another site."""
    current = request.headers.get("HX-Current-URL", "")
    if current and url_has_allowed_host_and_scheme(current, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return resolve_url(settings.LOGIN_REDIRECT_URL)
