"""Rule-set forms. The parameter form is generated from the schema (cadm.rules.params.SPECS):
one field per parameter, grouped by rule, with unit, range, citation and evidence label.

Each form turns the page's text into values and hands them to its typed input
(cadm.inputs.rulesets), whose checks the services apply too whatever the door."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from cadm.inputs import InputInvalid
from cadm.inputs.rulesets import (
    NOTE_MAX,
    ApprovalInput,
    CloneInput,
    DraftInput,
    RejectionInput,
    param_refusal,
)
from cadm.rules.citations import PENDING
from cadm.rules.params import SEVERITIES, SPECS, ParamSpec

from .base import add_input_errors
from .messages import ErrorMessagesMixin

CHANGE_NOTE_HELP = "What changes and why, with the source. Required to submit."


def _range(spec: ParamSpec) -> str:
    return f"{spec.minimum:g}–{spec.maximum:g} {spec.unit}"


def param_help(spec: ParamSpec) -> str:
    evidence = spec.evidence + (f" ({PENDING})" if spec.evidence == "UNVERIFIED" else "")
    accepted = ", ".join(SEVERITIES) if spec.kind == "severity" else _range(spec)
    return (f"{spec.description}. Unit: {spec.unit}; accepted: {accepted}. Rule {spec.rule}. "
            f"Source: {spec.citation}. Evidence: {evidence}.")


def param_field(spec: ParamSpec) -> forms.Field:
    """The form field of one parameter: it reads the page's text as a number (a type error in
    the page's words, ErrorMessagesMixin); the range is the input's (DraftInput), so the page
    and the API refuse a value out of range in the same words. The browser gets the limits
    as a hint. No custom messages here: Django formats those with `%` placeholders, and a
    unit such as "% predicted" then crashed the page."""
    common = {"label": spec.description, "help_text": param_help(spec)}
    if spec.kind == "severity":
        return forms.ChoiceField(choices=[(s, s) for s in SEVERITIES], **common)
    limits = {"min": f"{spec.minimum:g}", "max": f"{spec.maximum:g}"}
    if spec.kind == "int":
        field = forms.IntegerField(widget=forms.NumberInput(attrs=limits), **common)
    else:
        field = forms.FloatField(widget=forms.NumberInput(attrs={**limits, "step": "any"}),
                                 **common)
    # Known to the type error's "accepted: …" (cadm.forms.messages), with no validator: the
    # range itself is refused by the input.
    field.min_value, field.max_value = spec.minimum, spec.maximum
    return field


def _differs(value, other) -> bool:
    try:
        return float(value) != float(other)
    except (TypeError, ValueError):
        return str(value) != str(other)


class _InputForm(ErrorMessagesMixin, forms.Form):
    """A form whose cleaned values go to a typed input: `input` holds it once valid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.input = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.input = self.parse(cleaned)
        except InputInvalid as exc:
            self.add_parse_errors(exc)
        return cleaned

    def parse(self, cleaned: dict):
        """The typed input of the cleaned values (None: the form's values need none)."""
        return None

    def add_parse_errors(self, exc: InputInvalid) -> None:
        add_input_errors(self, exc)


class RuleSetDraftForm(_InputForm):
    """A draft's change note and every parameter; field names are the parameter keys. Each
    field's own range refuses a value in the page's words (the description names it); the
    input then checks the set as a whole (e.g. possible ≤ probable ≤ definite)."""

    change_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                  max_length=NOTE_MAX, help_text=CHANGE_NOTE_HELP)
    units = {spec.key: spec.unit for spec in SPECS if spec.kind != "severity"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for spec in SPECS:
            self.fields[spec.key] = param_field(spec)

    def groups(self, compare: dict | None = None) -> list[tuple[str, list]]:
        """(rule, [(spec, bound field, value in `compare`, differs)]) in schema order."""
        compare = compare or {}
        grouped: dict[str, list] = {}
        for spec in SPECS:
            field, other = self[spec.key], compare.get(spec.key)
            grouped.setdefault(spec.rule, []).append(
                (spec, field, other, other is not None and _differs(field.value(), other)))
        return list(grouped.items())

    def clean(self):
        # Each value on its own first, so every field out of range is named even when
        # another is missing; then the set as a whole, by the input.
        for spec in SPECS:
            if spec.key in self.cleaned_data and spec.key not in self.errors:
                typed = str(self.data.get(spec.key, "")).strip() or None
                problem = param_refusal(spec.key, self.cleaned_data[spec.key], shown=typed)
                if problem:
                    self.add_error(spec.key, ValidationError(problem, code="param"))
        return super().clean()

    def parse(self, cleaned: dict) -> DraftInput:
        params = {spec.key: cleaned[spec.key] for spec in SPECS}
        return DraftInput.parse({"params": params, "change_note": cleaned["change_note"]})

    def add_parse_errors(self, exc: InputInvalid) -> None:
        """The input keys a parameter's problem `params.<key>`; here the field is the key."""
        for name, problems in exc.errors.items():
            key = name.removeprefix("params.")
            target = key if key in self.fields else None
            for problem in problems:
                self.add_error(target, ValidationError(problem.message, code=problem.code))


class CloneForm(_InputForm):
    change_note = forms.CharField(required=False, max_length=NOTE_MAX,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=CHANGE_NOTE_HELP)

    def parse(self, cleaned: dict) -> CloneInput:
        return CloneInput.parse(cleaned)


class ReviewForm(_InputForm):
    """Approve (comment optional) or reject (comment required). `action`: "approve" or
    "reject" picks the input; other actions (submit, re-evaluate) take no values."""

    comment = forms.CharField(required=False, max_length=NOTE_MAX,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text="Required to reject: say what must change.")
    INPUTS = {"approve": ApprovalInput, "reject": RejectionInput}

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action

    def parse(self, cleaned: dict):
        input_class = self.INPUTS.get(self.action)
        return input_class.parse(cleaned) if input_class else None


def errors_from(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError (a dict keyed by field, or a plain message) on the form."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, exc)
