"""Patient searches kept out of URLs (issue 14 §7).

Proxies, load balancers and web servers log every URL they pass, and browsers keep them in
their history: a GET search form would write the MRN or the name searched into all of them.
So the search forms are POSTed (CSRF-protected); the view keeps the text in the user's
session under a random token and redirects to the page with `?q=<token>`. Paging, reloading
and back/forward work on that URL, and the token means nothing outside the session that
made it: in a log it names no one.

A token lasts LIFETIME (and never longer than its session); the session keeps the last KEPT.
An unknown or expired token is not an error: the page says so and shows the unfiltered list.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

SESSION_KEY = "cadm_search_tokens"
LIFETIME = timedelta(hours=1)
KEPT = 10
# Far longer than any search form accepts, so that their own validation can say how long the
# text was; bounded, so that a huge POST cannot swell the session (KEPT × TEXT_MAX at most).
TEXT_MAX = 10_000
TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")

EXPIRED = "That search has expired: search again."
NOT_A_TOKEN = ("Searches are not read from the address, where they would be logged: "
               "use the search form.")


def search_token_issue(request, text: str) -> str:
    """A new token for `text`, kept in the session (the oldest dropped beyond KEPT)."""
    now = timezone.now()
    kept = {token: entry for token, entry in request.session.get(SESSION_KEY, {}).items()
            if _alive(entry, now)}
    token = secrets.token_urlsafe(16)  # 22 characters
    kept[token] = [text[:TEXT_MAX], now.isoformat()]
    request.session[SESSION_KEY] = dict(list(kept.items())[-KEPT:])
    return token


def search_text(request, token: str) -> tuple[str, str]:
    """(the text searched, a notice): the token's text, or "" with why there is none."""
    if not token:
        return "", ""
    if not TOKEN.fullmatch(token):
        return "", NOT_A_TOKEN
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if entry is None or not _alive(entry, timezone.now()):
        return "", EXPIRED
    return entry[0], ""


def search_redirect(request, route: str, text: str, params: dict | None = None):
    """303 to the page (GET) with the token in place of the text; no token for no text."""
    query = {**(params or {})}
    if text.strip():
        query["q"] = search_token_issue(request, text)
    url = reverse(route) + (f"?{urlencode(query, doseq=True)}" if query else "")
    response = HttpResponseRedirect(url)
    response.status_code = 303  # See Other: the browser GETs the page, nothing is re-posted
    return response


def _alive(entry, now) -> bool:
    try:
        made = datetime.fromisoformat(entry[1])
    except (TypeError, ValueError, IndexError):
        return False
    return now - made < LIFETIME
