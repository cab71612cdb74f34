"""Searches by patient name or MRN through the API (issue 14 §7): the terms travel in a POST
body (`{"q": "..."}`), never in a URL, which proxies, servers and clients log. A list that
used to read `?q=` refuses it with a 400 naming its search's POST (`moved`)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

SEARCH_MAX = 200


def search_body(request, *, moved: str) -> str:
    """The `q` of a search's JSON body ("" for none); a `q` in the query string is refused
    with `moved`, which names the POST to use instead."""
    if "q" in request.query_params:
        raise ValidationError({"q": [moved]})
    body = request.data
    if not isinstance(body, dict):
        raise ValidationError("The body must be a JSON object.")
    unknown = sorted(set(body) - {"q"})
    if unknown:
        raise ValidationError({name: ["Unknown field; accepted: q."] for name in unknown})
    query = body.get("q", "")
    if not isinstance(query, str):
        raise ValidationError({"q": ["Search: send the name or MRN as a string."]})
    if len(query) > SEARCH_MAX:
        raise ValidationError({"q": [f"Search: at most {SEARCH_MAX} characters "
                                     f"({len(query)} sent)."]})
    return query


class SearchSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=SEARCH_MAX,
                              help_text="Name or MRN, as on the patient list page (every "
                                        "word must match)")
