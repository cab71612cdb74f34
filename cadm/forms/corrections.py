"""Why a visit or a result is marked entered in error. The form turns the page's text into a
value; the checks are the input's (cadm.inputs.corrections), which the services apply too."""

from __future__ import annotations

from django import forms

from cadm.inputs import InputInvalid
from cadm.inputs.corrections import REASON_MAX, EnteredInErrorInput

from .base import add_input_errors
from .messages import ErrorMessagesMixin


class ReasonForm(ErrorMessagesMixin, forms.Form):
    """`what`: "visit" or "result", for the words of a refusal. `input` holds the typed input
    once the form is valid."""

    reason = forms.CharField(label="Reason", max_length=REASON_MAX, strip=True, required=False)

    def __init__(self, *args, what: str = "visit", **kwargs):
        super().__init__(*args, **kwargs)
        self.what = what
        self.input = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.input = EnteredInErrorInput.parse(cleaned, what=self.what)
        except InputInvalid as exc:
            add_input_errors(self, exc)
        return cleaned
