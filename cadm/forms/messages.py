"""Refusals that say what was wrong: the field's label, the value submitted, what is accepted.

Django's own texts ("Enter a number.", "This field is required.") name neither the field nor
the value. That is fine next to one input, but not in a visit page of forty fields in a dozen
row grids, nor in a case-file import, where the message is all the user sees. One pass after
Django's validation rewrites every error that carries one of Django's generic codes; errors
written by our own code already start with the field's label and are left as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import CheckConstraint, F, Q
from django.db.models.constants import LOOKUP_SEP
from django.forms.formsets import TOTAL_FORM_COUNT

from cadm.rules import measurements

# Django's codes whose messages name neither field nor value (model validation's too: a
# ModelForm reports model field errors with these codes).
GENERIC_CODES = frozenset({
    "required", "null", "blank", "invalid", "invalid_choice", "invalid_list",
    "invalid_pk_value", "max_digits", "max_decimal_places", "max_whole_digits", "min_value",
    "max_value", "step_size", "max_length", "min_length", "null_characters_not_allowed",
    "overflow", "invalid_date",
})
REQUIRED_CODES = frozenset({"required", "null", "blank"})
DIGITS_CODES = frozenset({"max_digits", "max_whole_digits", "max_decimal_places"})
# LabResultForm's measured marker: the row's analyte says which quantity `value` is.
BY_ANALYTE = "(by analyte)"
SHOWN_CHARACTERS = 40
SHOWN_CHOICES = 8
COUNTED_CHOICES = 200  # a ModelChoiceField may offer a whole table: count no further

PROBLEMS = {
    "invalid_choice": "is not one of the choices",
    "invalid_pk_value": "is not one of the choices",
    "invalid_list": "is not a list of choices",
    "max_digits": "has too many digits",
    "max_whole_digits": "has too many digits before the decimal point",
    "max_decimal_places": "has too many decimal places",
    "min_value": "is below the minimum",
    "max_value": "is above the maximum",
    "step_size": "is not one of the accepted steps",
    "null_characters_not_allowed": "contains a NUL character",
    "overflow": "is not a valid date",
    "invalid_date": "is not a valid date",
}


def shown(value: object) -> str:
    """The submitted value quoted like repr, cut to ~40 characters: long enough to recognise,
    short enough that a pasted report does not fill the page."""
    if isinstance(value, (list, tuple)):
        items = [shown(item) for item in islice(value, 3)]
        return "[" + ", ".join(items) + (", …" if len(value) > 3 else "") + "]"
    text = str(value)
    if len(text) > SHOWN_CHARACTERS:
        text = text[:SHOWN_CHARACTERS - 1] + "…"
    return repr(text)


def _is_empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == ()


def flat_choices(choices: Iterable) -> Iterable[tuple[object, object]]:
    for value, label in choices:
        if isinstance(label, (list, tuple)):  # an <optgroup>
            yield from flat_choices(label)
        else:
            yield value, label


def choices_text(field: forms.ChoiceField) -> str:
    """The labels a choice field offers, the blank one left out; long lists are cut."""
    offered = islice(flat_choices(field.choices), COUNTED_CHOICES)
    labels = [str(label) for value, label in offered if str(value) != ""]
    text = ", ".join(labels[:SHOWN_CHOICES])
    if len(labels) > SHOWN_CHOICES:
        more = "+" if len(labels) >= COUNTED_CHOICES - 1 else ""
        text += f", … ({len(labels)}{more} choices)"
    return text


def _fmt(number: object) -> str:
    return f"{number:g}" if isinstance(number, float) else str(number)


def _limits(field: forms.Field, low: object = None, high: object = None
            ) -> tuple[object, object]:
    """min/max given (by a model's validator), else the field's arguments, else its
    validators."""
    low = getattr(field, "min_value", None) if low is None else low
    high = getattr(field, "max_value", None) if high is None else high
    for validator in field.validators:
        if isinstance(validator, MinValueValidator) and low is None:
            low = validator.limit_value
        elif isinstance(validator, MaxValueValidator) and high is None:
            high = validator.limit_value
    return low, high


def _is_whole(field: forms.Field) -> bool:
    return isinstance(field, forms.IntegerField) and not isinstance(
        field, (forms.FloatField, forms.DecimalField))


def number_text(field: forms.Field, quantity: str | None, unit: str, *,
                digits: bool = False, limits: tuple[object, object] = (None, None)) -> str:
    """e.g. "20–350 kg", "a whole number, 1–24 months", "a number, at most 8 digits, 2
    after the decimal point" (the digits only when they are what was wrong)."""
    parts = ["a whole number"] if _is_whole(field) else []
    unit = f" {unit}" if unit else ""
    low, high = _limits(field, *limits)
    if quantity:
        parts.append(measurements.range_text(quantity))
    elif low is not None and high is not None:
        parts.append(f"{_fmt(low)}–{_fmt(high)}{unit}")
    elif low is not None:
        parts.append(f"≥ {_fmt(low)}{unit}")
    elif high is not None:
        parts.append(f"≤ {_fmt(high)}{unit}")
    elif not parts:
        parts.append(f"a number{' of' + unit if unit else ''}")
    if digits and isinstance(field, forms.DecimalField) and field.max_digits is not None:
        parts.append(f"at most {field.max_digits} digits, {field.decimal_places or 0} after "
                     "the decimal point")
    return ", ".join(parts)


def accepted_text(field: forms.Field, quantity: str | None = None, unit: str = "", *,
                  digits: bool = False, limits: tuple[object, object] = (None, None)) -> str:
    """What `field` accepts, in words a clinician reads: range and unit, choices, format."""
    if isinstance(field, forms.IntegerField):  # Float and Decimal fields are IntegerFields
        return number_text(field, quantity, unit, digits=digits, limits=limits)
    if isinstance(field, forms.DateField):
        return "a date as YYYY-MM-DD"
    if isinstance(field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)):
        return f"any of: {choices_text(field)}"
    if isinstance(field, forms.ChoiceField):  # ModelChoiceField too
        return f"one of: {choices_text(field)}"
    if isinstance(field, forms.CharField):
        low, high = field.min_length, field.max_length
        if high is not None:
            size = f"{low}–{high}" if low else f"at most {high}"
            return f"text of {size} characters, without NUL characters"
        return "text without NUL characters"
    return "a valid value"


def _required_text(field: forms.Field, accepted: str) -> str:
    if isinstance(field, forms.DateField):
        return f"enter {accepted}"
    if isinstance(field, forms.ChoiceField):
        return f"choose {accepted}"
    return f"accepted: {accepted}"


def problem_text(code: str, field: forms.Field, value: object) -> str:
    if code == "invalid":
        if isinstance(field, forms.IntegerField):
            return "is not a whole number" if _is_whole(field) else "is not a number"
        if isinstance(field, forms.DateField):
            return "is not a valid date"
        return "is not valid"
    if code in ("max_length", "min_length"):
        return f"is {len(str(value))} characters long"
    return PROBLEMS.get(code, "is not accepted")


def rewritten(*, label: str, code: str, field: forms.Field, value: object,
              quantity: str | None = None, unit: str = "", params: dict | None = None) -> str:
    """The message for one generic error, e.g. "Weight (kg): 'abc' is not a number;
    accepted: 20–350 kg." or "Visit date: required; enter a date as YYYY-MM-DD."."""
    accepted = accepted_text(field, quantity, unit, digits=code in DIGITS_CODES,
                             limits=_error_limits(code, params))
    if code in REQUIRED_CODES or _is_empty(value):
        return f"{label}: required; {_required_text(field, accepted)}."
    return f"{label}: {shown(value)} {problem_text(code, field, value)}; accepted: {accepted}."


def _error_limits(code: str, params: dict | None) -> tuple[object, object]:
    """A model field's limit (e.g. the database's integer range) is known only by its
    error: the form field has none."""
    limit = (params or {}).get("limit_value")
    if code == "min_value":
        return limit, None
    if code == "max_value":
        return None, limit
    return None, None


def condition_fields(node: object) -> list[str]:
    """The model fields a CheckConstraint's condition reads, in the order written."""
    names: list[str] = []
    for child in getattr(node, "children", ()):
        if isinstance(child, tuple):
            lookup, value = child
            names.append(lookup.split(LOOKUP_SEP)[0])
            if isinstance(value, F):
                names.append(value.name)
        elif isinstance(child, Q):
            names += condition_fields(child)
    return names


# The mixin goes on forms only: type-check it as one, without making it one at run time.
if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class ErrorMessagesMixin(_FormBase):
    """For forms: after Django's validation, rewrite its generic refusals (see module doc).

    `measured` (field -> quantity code of cadm.rules.measurements) gives a field its §6.2
    range and unit; `units` (field -> unit) gives other number fields their unit.
    """

    measured: dict[str, str] = {}
    units: dict[str, str] = {}

    def full_clean(self) -> None:
        super().full_clean()
        if not self._errors:
            return
        self._move_constraint_errors()
        for name, errors in self._errors.items():
            if name in self.fields:
                errors.data[:] = [self._rewritten(name, error) for error in errors.data]

    def _rewritten(self, name: str, error: object) -> object:
        if not isinstance(error, ValidationError) or error.code not in GENERIC_CODES:
            return error
        label = self._label(name)
        if str(error.message).startswith(f"{label}:"):
            return error  # ours, or rewritten already (full_clean may run again)
        value = self[name].data
        if error.code in ("invalid_choice", "invalid_pk_value") and error.params:
            value = error.params.get("value", value)  # the one wrong item of a list
        message = rewritten(label=label, code=error.code, field=self.fields[name],
                            value=value, quantity=self.quantity_of(name),
                            unit=self.units.get(name, ""), params=error.params)
        # Same code, so callers that branch on it (has_error, the case loader) still can;
        # no params, so nothing in the message is ever read as a "%" placeholder.
        return ValidationError(message, code=error.code)

    def _move_constraint_errors(self) -> None:
        """A model's CheckConstraint refuses a row as a whole ("Constraint “x” is violated.",
        naming no field the user knows): put it on the first field the constraint reads."""
        model = getattr(getattr(self, "_meta", None), "model", None)
        general = self._errors.get(NON_FIELD_ERRORS)
        if model is None or not general:
            return
        fields_of = {str(c.get_violation_error_message()): condition_fields(
            getattr(c, "condition", None)) for c in model._meta.constraints
            if isinstance(c, CheckConstraint)}
        kept, moved = [], []
        for error in general.data:
            names = fields_of.get(str(getattr(error, "message", error)), [])
            name = next((n for n in names if n in self.fields), None)
            (moved if name else kept).append((name, error))
        general.data[:] = [error for _, error in kept]
        if not kept:
            del self._errors[NON_FIELD_ERRORS]
        for name, _ in moved:
            field = self.fields[name]
            accepted = accepted_text(field, self.quantity_of(name), self.units.get(name, ""))
            self.add_error(name, ValidationError(
                f"{self._label(name)}: {shown(self[name].data)} is not accepted; "
                f"accepted: {accepted}.", code="constraint"))

    def _label(self, name: str) -> str:
        return str(self[name].label or name)

    def quantity_of(self, name: str) -> str | None:
        """The §6.2 quantity measured by field `name`, if any."""
        code = self.measured.get(name)
        if code is None and name == "upper_limit":  # a lab's ULN is in the value's unit
            code = self.measured.get("value")
        if code == BY_ANALYTE:
            code = self["analyte"].data if "analyte" in self.fields else None
        return code if isinstance(code, str) and code in measurements.QUANTITIES else None


class RowsFormSet(forms.BaseFormSet):
    """A formset whose refusals of the whole grid (row counts) say what was sent and what is
    accepted, under the section's title."""

    title = "Rows"

    def full_clean(self) -> None:
        super().full_clean()
        errors = self._non_form_errors
        errors.data[:] = [self._rewritten(error) for error in errors.data]

    def _rewritten(self, error: object) -> object:
        if not isinstance(error, ValidationError):
            return error
        sent = shown(self.data.get(self.add_prefix(TOTAL_FORM_COUNT), ""))
        if error.code == "too_many_forms":
            message = (f"{self.title}: {sent} rows submitted; accepted: at most "
                       f"{self.max_num} rows.")
        elif error.code == "too_few_forms":
            message = (f"{self.title}: {sent} rows submitted; accepted: at least "
                       f"{self.min_num} rows.")
        elif error.code == "missing_management_form":
            message = (f"{self.title}: the page's row count {sent} is missing or not a whole "
                       f"number; accepted: 0–{self.absolute_max} rows. Reload the page.")
        else:
            return error
        return ValidationError(message, code=error.code)


def rows_formset(form: type[forms.BaseForm], *, title: str, max_rows: int,
                 **kwargs) -> type[RowsFormSet]:
    """formset_factory with a hard cap: a POST claiming 1,000 rows builds `max_rows` forms
    and is refused, instead of validating (and timing out on) every one of them."""
    formset = forms.formset_factory(form, formset=RowsFormSet, max_num=max_rows,
                                    absolute_max=max_rows, validate_max=True, **kwargs)
    formset.title = title
    return formset
