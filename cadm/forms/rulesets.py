"""Rule-set forms. The parameter form is generated from the schema (cadm.rules.params.SPECS):
one field per parameter, grouped by rule, with unit, range, citation and evidence label."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from cadm.rules.citations import PENDING
from cadm.rules.params import SEVERITIES, SPECS, ParamError, ParamSpec, validate_params

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
    """The form field of one parameter. Its refusals name the value, the range and the unit
    (ErrorMessagesMixin, from the field's limits and RuleSetDraftForm.units). No custom
    messages here: Django formats those with `%` placeholders, and a unit such as
    "% predicted" then crashed the page."""
    common = {"label": spec.description, "help_text": param_help(spec)}
    if spec.kind == "severity":
        return forms.ChoiceField(choices=[(s, s) for s in SEVERITIES], **common)
    if spec.kind == "int":
        return forms.IntegerField(min_value=int(spec.minimum), max_value=int(spec.maximum),
                                  **common)
    return forms.FloatField(min_value=spec.minimum, max_value=spec.maximum, **common)


def _differs(value, other) -> bool:
    try:
        return float(value) != float(other)
    except (TypeError, ValueError):
        return str(value) != str(other)


class RuleSetDraftForm(ErrorMessagesMixin, forms.Form):
    """A draft's change note and every parameter; field names are the parameter keys."""

    change_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                  max_length=4000, help_text=CHANGE_NOTE_HELP)
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
        cleaned = super().clean()
        params = {spec.key: cleaned[spec.key] for spec in SPECS if spec.key in cleaned}
        if len(params) == len(SPECS):  # the cross-field checks (e.g. possible ≤ probable)
            try:
                validate_params(params)
            except ParamError as exc:
                for key, message in exc.problems.items():
                    self.add_error(key if key in self.fields else None, message)
        return cleaned

    def params(self) -> dict:
        return {spec.key: self.cleaned_data[spec.key] for spec in SPECS}


class CloneForm(ErrorMessagesMixin, forms.Form):
    change_note = forms.CharField(required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=CHANGE_NOTE_HELP)


class ReviewForm(ErrorMessagesMixin, forms.Form):
    """Approve (comment optional) or reject (comment required: checked by the service)."""

    comment = forms.CharField(required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text="Required to reject: say what must change.")


def errors_from(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError (a dict keyed by field, or a plain message) on the form."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, exc)
