"""Optimistic concurrency over HTTP: a resource's ETag is its `row_version` (cadm/services/
concurrency.py); an update must send it back in `If-Match`.

Decision: If-Match is REQUIRED on updates (PUT/PATCH): without it, 428; with a stale one, 412
(the services' ConcurrentEdit becomes 412 too, in cadm/api/errors.py). `*` is refused: a
client must say which version it read."""

from __future__ import annotations

import re

from .errors import PreconditionFailed, PreconditionRequired

_TAG = re.compile(r'^\s*(?:W/)?"(\d+)"\s*$')


def etag_for(record) -> str:
    return f'"{record.row_version}"'


def with_etag(response, record):
    response["ETag"] = etag_for(record)
    return response


def if_match_version(request) -> int:
    """The row version the client read, from If-Match; 428 when absent or unreadable."""
    header = request.headers.get("If-Match", "")
    found = _TAG.match(header)
    if not found:
        raise PreconditionRequired()
    return int(found.group(1))


def if_match_check(request, record) -> int:
    """428 without If-Match, 412 when `record` (locked by the caller) has moved on; returns
    the version to hand to the service (which checks it again under its lock)."""
    expected = if_match_version(request)
    if expected != record.row_version:
        raise PreconditionFailed(f"The resource is at version {record.row_version}; you sent "
                                 f"{expected}. Read it again and re-apply your change.")
    return expected
