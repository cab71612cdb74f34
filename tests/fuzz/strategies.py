"""Hypothesis settings and value strategies shared by the fuzz tests.

Derandomized and without the example database: CI draws the same examples on every run and
every machine, so a failure here is reproducible and a pass means the same thing each time.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from cadm.forms.messages import flat_choices


def fuzz_settings(max_examples: int) -> settings:
    return settings(
        derandomize=True, database=None, deadline=None, max_examples=max_examples,
        # Fixtures (a patient, a logged-in client) are shared by the examples of one test on
        # purpose: building them per example would cost more than the examples themselves.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# Values a fuzzing session found or that broke similar code elsewhere: NUL, "%" formatting,
# non-ASCII digits that str.isdigit() accepts and int() refuses, exponents, whitespace.
HOSTILE = ("", " ", "\x00", "a\x00b", "NaN", "-Infinity", "inf", "1e999999", "1e-999999", "-0",
           "0x10", "١٢٣", "²", "½", "9" * 30, "-" + "9" * 30, "<b>x</b>", "%s %(x)s %",
           "'; --", "\u202e", "\ufeff1", "1,5", "2024-02-30", "0000-00-00", "9999-12-31",
           "10000-01-01", " 12 ")

texts = st.text(max_size=60)
numbers = st.one_of(
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
).map(str)
# Big enough to reach length and digit limits, small enough to stay fast.
huge = st.builds(lambda n, c: c * n, st.integers(min_value=50, max_value=6000),
                 st.sampled_from(["9", "x", "é", "\x00", "%"]))
dates = st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat)
any_value = st.one_of(texts, numbers, huge, st.sampled_from(HOSTILE), dates)


def value_for(field: forms.Field) -> st.SearchStrategy:
    """Arbitrary values, with the field's own valid values mixed in so that the examples also
    get past the field's parsing into the form's clean() methods."""
    options = [any_value]
    choices = getattr(field, "choices", None)
    if choices is not None and not isinstance(field, forms.ModelChoiceField):
        valid = [str(value) for value, _ in flat_choices(choices)]
        if valid:
            options.append(st.sampled_from(valid))
    if isinstance(field, forms.IntegerField):
        options.append(st.integers(min_value=-10, max_value=2000).map(str))
    if isinstance(field, forms.DateField):
        options.append(st.dates(min_value=dt.date(1900, 1, 1)).map(dt.date.isoformat))
    scalar = st.one_of(*options)
    if isinstance(field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)):
        return st.one_of(st.lists(scalar, max_size=4), scalar)
    return scalar


def form_data(form: forms.BaseForm) -> st.SearchStrategy[dict]:
    """A POST body for `form`: any subset of its fields, plus a key it does not know."""
    optional = {form.add_prefix(name): value_for(field) for name, field in form.fields.items()}
    optional["not-a-field"] = any_value
    return st.fixed_dictionaries({}, optional=optional)


def query(params: dict[str, st.SearchStrategy]) -> st.SearchStrategy[dict]:
    """A query string: any subset of the page's parameters, with arbitrary values mixed in."""
    optional = {key: st.one_of(any_value, values) for key, values in params.items()}
    optional["unknown"] = any_value
    return st.fixed_dictionaries({}, optional=optional)
