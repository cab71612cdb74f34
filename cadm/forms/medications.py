"""The two one-step changes of a course on the patient page: stop it, change its dose."""

from django import forms

from .base import DateInput
from .messages import ErrorMessagesMixin


class StopForm(ErrorMessagesMixin, forms.Form):
    end_on = forms.DateField(label="Last day taken", widget=DateInput())


class DoseChangeForm(ErrorMessagesMixin, forms.Form):
    units = {"dose": "mg/day"}

    dose = forms.DecimalField(label="New dose (mg/day)", max_digits=8, decimal_places=2)
    from_on = forms.DateField(label="From", widget=DateInput(),
                              help_text="The previous dose ends the day before.")
