"""The confirmation an activation asks for (cadm/views/ruleset_activation.py)."""

from __future__ import annotations

from django import forms

from cadm.inputs import InputInvalid
from cadm.inputs.rulesets import CONFIRM_LABEL, ActivationInput

from .base import add_input_errors
from .messages import ErrorMessagesMixin


class ActivationConfirmForm(ErrorMessagesMixin, forms.Form):
    """One box: activating changes every patient's flags, so a click alone (or a stray POST)
    must not do it. The box's value goes to the input (cadm.inputs.rulesets
    .ActivationInput), whose refusal the API gives too; `input` holds it once valid."""

    confirm = forms.BooleanField(label=CONFIRM_LABEL, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.input = None
        # The page still asks the browser to insist on the tick before sending.
        self.fields["confirm"].widget.attrs["required"] = True

    def clean(self):
        cleaned = super().clean()
        try:
            self.input = ActivationInput.parse(cleaned)
        except InputInvalid as exc:
            add_input_errors(self, exc)
        return cleaned
