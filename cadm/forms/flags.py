from django import forms

from cadm.models import OverrideReason

from .base import DateInput
from .messages import ErrorMessagesMixin


class AcknowledgeForm(ErrorMessagesMixin, forms.Form):
    comment = forms.CharField(required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class DismissForm(ErrorMessagesMixin, forms.Form):
    reason = forms.ChoiceField(choices=[("", "— choose a reason —"), *OverrideReason.choices],
                               help_text="HL7 CDS Hooks override reason")
    comment = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text="Why, for the next clinician who reads this flag.")


class SnoozeForm(ErrorMessagesMixin, forms.Form):
    until = forms.DateField(label="Snooze until", widget=DateInput())
    comment = forms.CharField(label="Reason", max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(ErrorMessagesMixin, forms.Form):
    comment = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class WorklistFilterForm(ErrorMessagesMixin, forms.Form):
    """The worklist's filters (django-filter builds the fields): refusals name the value."""
