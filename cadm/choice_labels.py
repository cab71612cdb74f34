"""A field's choice label, as `get_FOO_display()` gives it, from a table built once per field.

`get_FOO_display()` builds a dictionary of the field's choices on every call; the timeline
asks it of every row of a history (about a hundred per patient page)."""

from __future__ import annotations

from functools import cache

from django.db.models import Model


@cache
def _labels(model: type[Model], name: str) -> dict:
    return {value: str(label) for value, label in model._meta.get_field(name).flatchoices}


def shown(record: Model, name: str) -> str:
    """`record.get_<name>_display()`: the value's label, or the value itself."""
    value = getattr(record, name)
    return _labels(type(record), name).get(value, value)
