"""Every form, fed arbitrary values, refuses with messages and never raises (issue 9, item 13).

For forms with ErrorMessagesMixin, every message also names its field and none is one of
Django's generic texts (item 12). Forms still listed in catalog.PENDING_MIXIN are only held to
"never raises".
"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from hypothesis import given
from hypothesis import strategies as st

from cadm.forms.messages import rows_formset
from cadm.rules import measurements
from screening.forms import ComponentForm
from tests.fuzz.catalog import form_cases
from tests.fuzz.strategies import any_value, form_data, fuzz_settings

pytestmark = pytest.mark.django_db

DJANGO_GENERIC = ("Enter a ", "This field is required", "Ensure that there are no more than",
                  "Ensure this value", "Select a valid choice", "Please submit",
                  "Null characters are not allowed", "ManagementForm data",
                  "Enter a list of values", "Constraint “", "Value %(", "Value '")
# Our own messages that do not name the value yet (see test_error_messages.KNOWN_GAPS).
KNOWN_GAPS: set[str] = set()


def _names(form, name: str) -> tuple[str, ...]:
    """How a message may name field `name`: its label, the label without its unit or note in
    brackets ("Dose (mg/day)": "Dose: 0 mg/day must be…"), or its §6.2 quantity's label."""
    label = str(form[name].label)
    names = [label, re.sub(r"\s*\([^)]*\)$", "", label)]
    quantity = form.quantity_of(name)
    if quantity:
        names.append(measurements.QUANTITIES[quantity].label)
    return tuple(f"{n}:" for n in names)


def _messages(form) -> list[tuple[str, str]]:
    # Iterating formats each message, as the page does: a "%" in a message with params
    # (the rule-set crash) raises here, not only in the template.
    return [(name, str(message)) for name, errors in form.errors.items() for message in errors]


@pytest.mark.parametrize("case", form_cases(), ids=lambda case: case.name)
@fuzz_settings(max_examples=20)
@given(data=st.data())
def test_form_refuses_arbitrary_values_without_raising(case, data, patient, site):
    form = case.build(None, patient=patient, site=site)
    form = case.build(data.draw(form_data(form), label="POST"), patient=patient, site=site)
    form.is_valid()
    messages = _messages(form)
    form.as_div()  # renders values and errors back, as the page does
    if not case.has_mixin:
        return
    for name, message in messages:
        assert not message.startswith(DJANGO_GENERIC), message
        if name != NON_FIELD_ERRORS and message not in KNOWN_GAPS:
            assert message.startswith(_names(form, name)), (name, message)


@fuzz_settings(max_examples=40)
@given(total=any_value, initial=any_value)
def test_row_counts_are_refused_without_raising(total, initial):
    formset = rows_formset(ComponentForm, title="Tests", max_rows=20, extra=0)(
        {f"c-{TOTAL_FORM_COUNT}": total, f"c-{INITIAL_FORM_COUNT}": initial}, prefix="c")
    formset.is_valid()
    assert len(formset.forms) <= 20
    for message in formset.non_form_errors():
        assert message.startswith("Tests: "), message
