"""The flag page's review forms. Each turns the page's text into values and hands them to its
typed input (cadm.inputs.flags), whose checks the services apply too whatever the door; the
form keeps the labels, widgets and help texts."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from cadm.inputs import InputInvalid
from cadm.inputs.flags import (
    COMMENT_MAX,
    AcknowledgeInput,
    CommentInput,
    DismissInput,
    SnoozeInput,
)
from cadm.models import Flag, OverrideReason
from cadm.selectors.rulesets import ruleset_context

from .base import DateInput, add_input_errors
from .messages import ErrorMessagesMixin


class _FlagActionForm(ErrorMessagesMixin, forms.Form):
    """`input` holds the typed input once the form is valid. `flag` and `today` are what a
    parser may need of the page (the snooze's limit depends on the flag's severity)."""

    input_class: type = AcknowledgeInput

    def __init__(self, *args, flag: Flag | None = None, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.flag, self.today = flag, today
        self.input = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.input = self.parse(cleaned)
        except InputInvalid as exc:
            add_input_errors(self, exc)
        return cleaned

    def parse(self, cleaned: dict):
        return self.input_class.parse(cleaned)


class AcknowledgeForm(_FlagActionForm):
    input_class = AcknowledgeInput

    comment = forms.CharField(required=False, max_length=COMMENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 2}))


class DismissForm(_FlagActionForm):
    input_class = DismissInput

    reason = forms.ChoiceField(choices=[("", "— choose a reason —"), *OverrideReason.choices],
                               help_text="HL7 CDS Hooks override reason")
    comment = forms.CharField(max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text="Why, for the next clinician who reads this flag.")


class SnoozeForm(_FlagActionForm):
    input_class = SnoozeInput

    until = forms.DateField(label="Snooze until", widget=DateInput())
    comment = forms.CharField(label="Reason", max_length=COMMENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def parse(self, cleaned: dict) -> SnoozeInput:
        """With the flag, the active rule set's limit for its severity refuses a far date on
        the field itself."""
        today = self.today or timezone.localdate()
        return SnoozeInput.parse(cleaned, context=ruleset_context(today=today),
                                 severity=self.flag.severity if self.flag else None)


class CommentForm(_FlagActionForm):
    input_class = CommentInput

    comment = forms.CharField(max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 2}))


class WorklistFilterForm(ErrorMessagesMixin, forms.Form):
    """The worklist's filters (django-filter builds the fields): refusals name the value."""
