"""The two one-step changes of a course on the patient page: stop it, change its dose.

The forms turn the page's text into values; the checks are the inputs' (cadm.inputs
.medications), which the services apply too whatever the door."""

from __future__ import annotations

from datetime import date

from django import forms

from cadm.inputs import CourseStopInput, DoseChangeInput, InputInvalid
from cadm.models import Medication

from .base import DateInput, add_input_errors
from .messages import ErrorMessagesMixin
from .results import medication_context


class _CourseForm(ErrorMessagesMixin, forms.Form):
    def __init__(self, *args, course: Medication | None = None, today: date | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.course = course
        self.today = today
        self.input = None

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.course is None:  # unbound display: no course to check against
            return cleaned
        context = medication_context(today=self.today,
                                     birth_date=self.course.patient.birth_date)
        try:
            self.input = self.parse(cleaned, context)
        except InputInvalid as exc:
            add_input_errors(self, exc)
        return cleaned


class StopForm(_CourseForm):
    end_on = forms.DateField(label="Last day taken", widget=DateInput())

    def parse(self, cleaned, context) -> CourseStopInput:
        return CourseStopInput.parse(cleaned, context=context)


class DoseChangeForm(_CourseForm):
    units = {"dose": "mg/day"}

    dose = forms.DecimalField(label="New dose (mg/day)", max_digits=8, decimal_places=2)
    from_on = forms.DateField(label="From", widget=DateInput(),
                              help_text="The previous dose ends the day before.")

    def parse(self, cleaned, context) -> DoseChangeInput:
        return DoseChangeInput.parse(cleaned, context=context, drug=self.course.drug)
