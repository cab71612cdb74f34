"""The confirmation an activation asks for (cadm/views/ruleset_activation.py)."""

from __future__ import annotations

from django import forms

from .messages import ErrorMessagesMixin

CONFIRM_LABEL = "I have reviewed the differences and the impact preview"


class ActivationConfirmForm(ErrorMessagesMixin, forms.Form):
    """One required box: activating changes every patient's flags, so a click alone (or a
    stray POST) must not do it. The refusal starts with the box's label, so the mixin keeps
    it as written (it names the field; the only accepted value is "ticked")."""

    confirm = forms.BooleanField(
        label=CONFIRM_LABEL, required=True,
        error_messages={"required": f"{CONFIRM_LABEL}: required, the box was not ticked; "
                                    f"accepted: ticked, to confirm the activation."})
