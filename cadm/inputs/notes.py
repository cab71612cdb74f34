"""Free text that people write beside an action: a comment on a flag, the reason a record is
wrong, a rule-set version's change note. And the one line by which a service takes its typed
input, or parses a mapping with the same parser."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms

from .base import Collector, coerce_field


def note(p: Collector, name: str, raw: object, *, label: str, max_length: int,
         required: bool = False) -> str:
    """`raw` as text, trimmed: a note of spaces is no note (the pages' fields trim too, so a
    form and a JSON body refuse the same blank). "" when refused or absent."""
    if isinstance(raw, str):
        raw = raw.strip()
    field = forms.CharField(label=label, required=required, max_length=max_length)
    value = coerce_field(p, name, field, raw, label=label)
    return value or ""


def typed_input(input_class, data, **parse_kwargs):
    """`data` if it is already the typed input, else the mapping parsed by `input_class`
    (InputInvalid, a DomainError, keyed by field). Anything else is a programming error: a
    TypeError naming the input, never values that no parser has checked."""
    if isinstance(data, input_class):
        return data
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise TypeError(f"Expected a {input_class.__name__} (cadm.inputs) or a mapping of its "
                        f"values, not {type(data).__name__}.")
    return input_class.parse(data, **parse_kwargs)
