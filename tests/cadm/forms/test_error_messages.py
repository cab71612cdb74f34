"""Every refusal names the field, the value submitted and what is accepted (issue 9, item 12).

Table-driven over every form class (tests/fuzz/catalog.py finds them) and every field: a value
of the wrong kind for the field (not a number, too many digits, an unknown choice, too long, a
bad date, a NUL character) and a missing required value.
"""

from __future__ import annotations

import html
import re

import pytest
from django import forms
from django.forms.formsets import TOTAL_FORM_COUNT

from cadm.forms.messages import RowsFormSet, rows_formset, shown
from cadm.rules import measurements
from cadm.rules.params import SPEC_BY_KEY
from screening.forms import ComponentForm
from tests.fuzz.catalog import PENDING_MIXIN, FormCase, form_cases, with_mixin

pytestmark = pytest.mark.django_db

# How Django's own texts begin: none may reach a user of a form with the mixin.
DJANGO_GENERIC = ("Enter a ", "Enter a valid", "This field is required",
                  "Ensure that there are no more than", "Ensure this value",
                  "Select a valid choice", "Please submit", "Null characters are not allowed",
                  "ManagementForm data", "Enter a list of values", "Constraint “")


# Messages of our own code that do not meet the bar yet, with the fix their owner was told.
KNOWN_GAPS: dict[tuple[str, str], str] = {}


def bad_values(form: forms.BaseForm, name: str) -> list[tuple[str, object]]:
    """(what is wrong, value) for a field of this kind."""
    field = form.fields[name]
    if isinstance(field, forms.IntegerField):  # Float and Decimal fields too
        bounded = (isinstance(field, forms.DecimalField) or form.quantity_of(name)
                   or field.max_value is not None or field.validators)
        # A plain whole number has no upper bound: 25 nines is a valid (if useless) value.
        return [("not a number", "abc"), *([("too big", "9" * 25)] if bounded else [])]
    if isinstance(field, forms.DateField):
        return [("bad date", "2024-13-45")]
    if isinstance(field, forms.MultipleChoiceField):
        return [("unknown choice", ["no-such-choice"])]
    if isinstance(field, forms.ChoiceField):
        return [("unknown choice", "no-such-choice")]
    if isinstance(field, forms.CharField):
        long = [("too long", "x" * (field.max_length + 1))] if field.max_length else []
        return [*long, ("NUL", "a\x00b")]
    return []


def _bound(case: FormCase, data: dict, patient, site, *, all_required: bool = False):
    form = case.build(data, patient=patient, site=site)
    if all_required:
        form.empty_permitted = False  # result rows may be left blank; here they may not
    form.is_valid()
    return form


def _data_for(form_fields: list[str], name: str, value: object) -> dict:
    data = {name: value}
    if "analyte" in form_fields and name != "analyte":
        data["analyte"] = "crp"  # so the lab value and ULN have a quantity and a range
    return data


def _names_the_field(message: str, form: forms.BaseForm, name: str) -> bool:
    label = str(form[name].label)
    quantity = form.quantity_of(name)
    # Our own checks name the field without the unit of its label ("Dose: 0 mg/day…" for
    # "Dose (mg/day)"), range checks by its quantity ("MMT-8: 90 is outside…").
    names = [label, re.sub(r"\s*\([^)]*\)$", "", label)]
    names += [measurements.QUANTITIES[quantity].label] if quantity else []
    return any(message.startswith(f"{n}:") for n in names)


def _accepted_part(form: forms.BaseForm, name: str) -> str:
    """A piece of text the message must contain to say what is accepted."""
    field = form.fields[name]
    quantity = form.quantity_of(name)
    if quantity:
        return measurements.range_text(quantity)
    if name in SPEC_BY_KEY and SPEC_BY_KEY[name].kind != "severity":
        return SPEC_BY_KEY[name].unit
    if isinstance(field, forms.DateField):
        return "YYYY-MM-DD"
    if isinstance(field, forms.ChoiceField):
        return next(str(label) for value, label in field.choices if str(value))
    if isinstance(field, forms.CharField) and field.max_length:
        return str(field.max_length)
    return "accepted"


def _check(message: str, form: forms.BaseForm, name: str, value: object) -> None:
    assert not message.startswith(DJANGO_GENERIC), message
    assert _names_the_field(message, form, name), message
    if value not in ("", None):
        items = value if isinstance(value, list) else [value]
        assert all(shown(v) in message or str(v) in message for v in items), message
        assert "accept" in message, message
    if not message.startswith(str(form[name].label)):
        return  # one of our own checks (range, dates): tested where it is written
    assert _accepted_part(form, name) in message, message


@pytest.mark.parametrize("case", with_mixin(), ids=lambda case: case.name)
def test_wrong_values_are_refused_naming_field_value_and_what_is_accepted(case, patient, site):
    unbound = case.build(None, patient=patient, site=site)
    fields = list(unbound.fields)
    for name in fields:
        for what, value in bad_values(unbound, name):
            form = _bound(case, _data_for(fields, name, value), patient, site)
            assert form.errors.get(name), f"{name}: {what} {value!r} was accepted"
            for message in form.errors[name]:
                if message != KNOWN_GAPS.get((case.name, name)):
                    _check(message, form, name, value)


@pytest.mark.parametrize("case", with_mixin(), ids=lambda case: case.name)
def test_a_missing_required_value_is_refused_naming_the_field(case, patient, site):
    form = _bound(case, {}, patient, site, all_required=True)
    for name, field in form.fields.items():
        if not field.required:
            continue
        assert form.errors.get(name), name
        for message in form.errors[name]:
            assert not message.startswith(DJANGO_GENERIC), message
            assert _names_the_field(message, form, name), message
            assert "required" in message or "enter" in message, message


# --- examples, as a clinician reads them -----------------------------------------------------

def _messages(case_name: str, data: dict, patient, site, field: str | None = None
              ) -> list[str]:
    """The messages of the form (of one field if given), known gaps left out."""
    case = next(c for c in form_cases() if c.name == case_name)
    form = _bound(case, data, patient, site)
    return [m for name, errors in form.errors.items() if field in (None, name)
            for m in errors if m != KNOWN_GAPS.get((case_name, name))]


def test_weight_that_is_not_a_number(patient, site):
    messages = _messages("VisitForm", {"visit_on": "2025-01-01", "weight_kg": "abc"},
                         patient, site)
    assert messages == ["Weight (kg): 'abc' is not a number; accepted: 20–350 kg."]


def test_missing_visit_date(patient, site):
    assert _messages("VisitForm", {}, patient, site) == [
        "Visit date: required; enter a date as YYYY-MM-DD."]


def test_too_many_digits_says_how_many_are_allowed(patient, site):
    messages = _messages("PftForm", {"fvc_l": "12.345"}, patient, site, field="fvc_l")
    assert messages == ["FVC (L): '12.345' has too many digits; accepted: 0.2–8 L, at most 4 "
                        "digits, 2 after the decimal point."]


def test_lab_value_uses_the_range_of_its_analyte(patient, site):
    messages = _messages("LabResultForm", {"analyte": "ferritin", "unit": "ng/mL",
                                           "value": "12,5"}, patient, site)
    assert messages == ["Value: '12,5' is not a number; accepted: 0–100000 ng/mL."]


def test_unknown_choice_lists_the_accepted_labels(patient, site):
    messages = _messages("DismissForm", {"reason": "bored", "comment": "x"}, patient, site)
    assert messages[0].startswith("Reason: 'bored' is not one of the choices; accepted: one "
                                  "of: Action already completed, Patient ineligible")


def test_a_long_value_is_cut_in_the_message(patient, site):
    [message] = _messages("CommentForm", {"comment": "y" * 2500}, patient, site)
    assert message == (f"Comment: '{'y' * 39}…' is 2500 characters long; accepted: text of at "
                       "most 2000 characters, without NUL characters.")


def test_rule_set_parameter_names_value_range_and_unit(patient, site):
    messages = _messages("RuleSetDraftForm", {"lung.fvc_decline_points": "-1"}, patient, site)
    assert ("Absolute FVC fall that meets the physiological criterion: -1 % predicted is "
            "outside the accepted range 1–30 % predicted.") in messages


def test_a_model_constraint_is_reported_on_its_field(patient, site):
    # An unknown unit skips the form's range check; the table's constraint still refuses -1.
    messages = _messages("LabResultForm", {"analyte": "ck", "unit": "kg", "value": "-1"},
                         patient, site)
    assert "Value: '-1' is not accepted; accepted: 0–500000 U/L." in messages
    assert not any(m.startswith("Constraint") for m in messages)


def test_own_messages_are_left_as_they_are(patient, site):
    messages = _messages("AutoantibodyForm", {"antibody": "mda5", "result": "positive",
                                              "method": "elisa", "grade": "4"}, patient, site)
    assert messages == ["Grade: 4 is outside the accepted range 1–3."]


# --- formsets and the list of forms still to convert -----------------------------------------

def test_too_many_rows_names_the_section_the_count_and_the_cap():
    formset_class = rows_formset(ComponentForm, title="Tests", max_rows=20, extra=0)
    formset = formset_class({f"c-{TOTAL_FORM_COUNT}": "1000", "c-INITIAL_FORMS": "0"},
                            prefix="c")
    assert not formset.is_valid()
    assert formset.non_form_errors() == [
        "Tests: '1000' rows submitted; accepted: at most 20 rows."]
    assert len(formset.forms) == 20


@pytest.mark.parametrize("total", ["", "abc", "1.5", "9" * 5000])
def test_a_broken_row_count_is_refused_with_the_value(total):
    formset = rows_formset(ComponentForm, title="Tests", max_rows=20, extra=0)(
        {f"c-{TOTAL_FORM_COUNT}": total, "c-INITIAL_FORMS": "0"}, prefix="c")
    assert not formset.is_valid()
    [message] = formset.non_form_errors()
    assert message.startswith("Tests: ") and "accepted: 0–20 rows" in message
    assert shown(total) in message


def test_formsets_of_the_pages_have_the_messages():
    assert issubclass(rows_formset(ComponentForm, title="x", max_rows=1), RowsFormSet)


def test_every_form_has_the_mixin_or_is_listed_as_pending():
    without = {case.name for case in form_cases() if not case.has_mixin}
    assert not without - PENDING_MIXIN.keys(), "add ErrorMessagesMixin to these forms"
    with_it = {case.name for case in form_cases() if case.has_mixin}
    assert not with_it & PENDING_MIXIN.keys(), "take these off PENDING_MIXIN: they have it now"


def test_messages_escape_in_the_page(rheum_client, patient):
    """The value is shown quoted but HTML-escaped like any other text of the page."""
    from django.urls import reverse

    response = rheum_client.post(reverse("results-new", args=[patient.public_id, "pft"]), {
        "observed_on": "2025-01-01", "pft-TOTAL_FORMS": "1", "pft-INITIAL_FORMS": "0",
        "pft-0-fvc_l": "<b>x</b>"})
    body = response.content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in body and "<b>x</b>" not in body
    assert "FVC (L): '<b>x</b>' is not a number" in html.unescape(body)
