"""Which FHIR resource a row came from, and whether it changed: the dedupe keys of import.

The key of an Observation, most stable first:
1. its first `identifier` with a system and a value (the lab's own accession: it survives a
   re-export, a new server, a new bundle);
2. its entry's `fullUrl` when it is an absolute URL or a `urn:uuid:` (Synthea's are the
   resource ids, stable from one export to the next);
3. `Observation/<id>`.
None of these (a bare resource in a hand-made bundle): no key, and the importer compares
content instead (same kind, day and values as a current row of the patient).

The digest is the resource's content without `meta` and `text` (a server rewrites
lastUpdated and the narrative on every export): the same key with a new digest is a
corrected Observation."""

from __future__ import annotations

import hashlib
import json
import re

MAX_KEY = 255  # RecordSource.source_key
_ENTRY = re.compile(r"^Bundle\.entry\[(\d+)\]\.resource$")


def source_key(resource: dict, full_url: str | None) -> str | None:
    for identifier in resource.get("identifier") or []:
        if isinstance(identifier, dict) and isinstance(identifier.get("system"), str) \
                and isinstance(identifier.get("value"), str) and identifier["value"]:
            return _bounded(f"identifier {identifier['system']}|{identifier['value']}")
    if isinstance(full_url, str) and full_url.startswith(("http://", "https://", "urn:uuid:")):
        return _bounded(f"url {full_url}")
    if isinstance(resource.get("id"), str) and resource["id"]:
        return _bounded(f"id {resource.get('resourceType')}/{resource['id']}")
    return None


def digest(resource: dict) -> str:
    content = {k: v for k, v in resource.items() if k not in ("meta", "text")}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def entry_of(bundle: dict, path: str) -> tuple[dict, str | None] | None:
    """The resource at `Bundle.entry[i].resource` and its entry's fullUrl."""
    match = _ENTRY.match(path)
    if not match:
        return None
    entry = bundle["entry"][int(match.group(1))]
    full_url = entry.get("fullUrl")
    return entry["resource"], full_url if isinstance(full_url, str) else None


def _bounded(key: str) -> str:
    """A key longer than the column is kept as its hash: still one key per resource."""
    if len(key) <= MAX_KEY:
        return key
    return "sha256 " + hashlib.sha256(key.encode()).hexdigest()
