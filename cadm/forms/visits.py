from __future__ import annotations

from datetime import date

from django import forms

from cadm.inputs import Context, InputInvalid, VisitInput
from cadm.inputs.results import ResultsDateInput
from cadm.inputs.visits import EXAMINED_PARTS, LABELS, MEASURED
from cadm.models import Patient
from cadm.rules import vocabulary as v

from .base import DateInput, MeasuredFormMixin, add_input_errors, checkbox_choices
from .messages import ErrorMessagesMixin

__all__ = ["EXAMINED_PARTS", "ResultsDateForm", "SkinFindingsForm", "VisitForm"]


class VisitForm(MeasuredFormMixin, forms.Form):
    """A full visit (rheumatologist): examination, strength and symptoms."""

    measured = MEASURED  # for the messages of Django's own refusals (quantity_of)
    skin_only = False

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
        for name in ("weakness", "skin", "assessed"):
            self.fields[name].label = LABELS[name]
        self.fields["assessed"].initial = [code for code, _ in EXAMINED_PARTS]
        self.fields["assessed"].help_text = (
            "Untick what was not looked at: an empty list then means \"not examined\", not "
            "\"none found\", and cannot clear a flag. A part with findings counts as examined.")
        self.add_confirm_field()

    def clean(self):
        cleaned = super().clean()
        # The checks belong to the input (cadm.inputs.visits), shared by every door.
        raw = {k: value for k, value in cleaned.items() if k != "confirm_unusual"}
        context = Context(today=self.today, birth_date=self.patient.birth_date,
                          confirmed=bool(cleaned.get("confirm_unusual")))
        self.input = None
        try:
            self.input = VisitInput.parse(raw, context=context, skin_only=self.skin_only)
        except InputInvalid as exc:
            add_input_errors(self, exc)
        return cleaned

    def visit_data(self) -> VisitInput:
        """What the services take: the typed input."""
        return self.input


class SkinFindingsForm(VisitForm):
    """What a dermatologist records: the skin examination of the day."""

    measured: dict[str, str] = {}
    skin_only = True

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
        try:  # the check belongs to the input, shared with the service and the API
            return ResultsDateInput.parse(self.cleaned_data, context=Context(
                today=self.today, birth_date=self.patient.birth_date)).observed_on
        except InputInvalid as exc:
            raise forms.ValidationError(
                exc.as_validation_error().error_dict["observed_on"]) from None
