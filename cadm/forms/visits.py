from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from cadm.models import Patient
from cadm.rules import vocabulary as v
from cadm.validation import check_date

from .base import DateInput, MeasuredFormMixin, checkbox_choices
from .messages import ErrorMessagesMixin

# Weight is not ticked: it counts as measured when a weight is written.
EXAMINED_PARTS = tuple((code, label) for code, label in v.VISIT_PARTS if code != "weight")


class VisitForm(MeasuredFormMixin, forms.Form):
    """A full visit (rheumatologist): examination, strength and symptoms."""

    measured = {"weight_kg": "weight_kg", "mmt8": "mmt8"}

    visit_on = forms.DateField(label="Visit date", widget=DateInput())
    assessed = checkbox_choices(EXAMINED_PARTS)
    weight_kg = forms.DecimalField(
        label="Weight (kg)", required=False, max_digits=5, decimal_places=1
    )
    skin = checkbox_choices(v.SKIN_SIGNS)
    weakness = checkbox_choices(v.WEAKNESS)
    mmt8 = forms.IntegerField(label="MMT-8 (0–80)", required=False)
    symptoms = checkbox_choices(v.SYMPTOMS)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, patient: Patient, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.today = today
        self.fields["weakness"].label = "Objective weakness on examination"
        self.fields["skin"].label = "Skin findings"
        self.fields["assessed"].label = "Examined at this visit"
        self.fields["assessed"].initial = [code for code, _ in EXAMINED_PARTS]
        self.fields["assessed"].help_text = (
            "Untick what was not looked at: an empty list then means \"not examined\", not "
            "\"none found\", and cannot clear a flag. A part with findings counts as examined.")
        self.add_confirm_field()

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("visit_on")
        if day:
            try:
                check_date("Visit date", day, today=self.today,
                           birth_date=self.patient.birth_date)
            except ValidationError as exc:
                self.add_error("visit_on", exc)
        self.check_measured(cleaned)
        return cleaned


class SkinFindingsForm(VisitForm):
    """What a dermatologist records: the skin examination of the day."""

    measured: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("weight_kg", "weakness", "mmt8", "symptoms", "confirm_unusual",
                     "assessed"):
            del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        cleaned["assessed"] = ["skin"]  # the skin examination, nothing else
        return cleaned


class ResultsDateForm(ErrorMessagesMixin, forms.Form):
    """The date of results entered between visits."""

    observed_on = forms.DateField(label="Date of the results", widget=DateInput())

    def __init__(self, *args, patient: Patient, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.today = today

    def clean_observed_on(self):
        day = self.cleaned_data["observed_on"]
        check_date("Date of the results", day, today=self.today,
                   birth_date=self.patient.birth_date)
        return day
