"""Optimistic concurrency: a form carries the `row_version` it was opened on; saving it over
a newer version is refused with what changed in between, never applied silently."""

from __future__ import annotations

from django.db import models

from cadm.exceptions import ConcurrentEdit

HIDDEN = ("row_version",)


def _shown(record, name: str) -> str:
    field = record._meta.get_field(name)
    value = getattr(record, name)
    if field.choices and not isinstance(value, list):
        value = dict(field.flatchoices).get(value, value)
    if value in (None, "", []):
        return "empty"
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value)
    return str(value)


def _dict_change(old, new: dict) -> str:
    """Only the keys that changed, e.g. a draft's parameters, never the whole mapping."""
    old = old if isinstance(old, dict) else {}
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    shown = ", ".join(f"{k} = {new.get(k, 'removed')}" for k in keys[:8])
    return shown + (f" and {len(keys) - 8} more" if len(keys) > 8 else "")


def version_check(current: models.Model, expected: int | None, *, what: str) -> None:
    """Raise ConcurrentEdit when `current` (locked with select_for_update by the caller) is no
    longer at `expected`. No expected version (a caller that is not a form): no check.

    What changed is read from the row's history (django-simple-history): the state the form
    was opened on against the latest, with who saved the latest and when."""
    if expected is None or current.row_version == expected:
        return
    history = current.history
    seen = history.filter(row_version=expected).order_by("-history_date").first()
    latest = history.order_by("-history_date").first()
    changes = []
    if seen is not None and latest is not None:
        delta = latest.diff_against(seen, excluded_fields=list(HIDDEN))
        changes = [(str(current._meta.get_field(c.field).verbose_name).capitalize(),
                    _dict_change(c.old, c.new) if isinstance(c.new, dict)
                    else _shown(latest, c.field)) for c in delta.changes]
    who = str(latest.history_user) if latest and latest.history_user else "someone"
    when = latest.history_date if latest else None
    raise ConcurrentEdit(what, who, when, changes, current.row_version)


def changes_apply(current: models.Model, data: dict, *, actor) -> list[str]:
    """Write `data` onto the locked row as a new version by `actor` (its history names
    them); returns the names of the fields whose value changed, for the audit row."""
    changed = sorted(k for k, value in data.items() if getattr(current, k) != value)
    for name, value in data.items():
        setattr(current, name, value)
    current.row_version += 1
    current._history_user = actor
    return changed
