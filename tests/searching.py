"""Searches by patient name or MRN as the pages send them since issue 14 §7: the form is
POSTed, and the page is then read at the address the answer names, `?q=<token>` (the text
kept in the session, never in a URL)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.urls import reverse


def search_location(client, route: str, params: dict) -> str:
    """The address a search's POST sends the browser to (a 303), `page` added as a pager
    link would add it."""
    params = dict(params)
    page = params.pop("page", None)
    response = client.post(reverse(route), params)
    assert response.status_code == 303, (response.status_code, response.content[:300])
    location = response["Location"]
    if page is not None:
        location += ("&" if "?" in location else "?") + f"page={page}"
    return location


def search_token(location: str) -> str:
    return parse_qs(urlsplit(location).query)["q"][0]


def searched(client, route: str, params: dict):
    """The page a search shows: POST, then GET where it leads."""
    return client.get(search_location(client, route, params))
