from __future__ import annotations

from datetime import date

from django import forms

from cadm.inputs import Context, InputInvalid, PatientInput
from cadm.models import Patient, Site
from cadm.services.patients import CONFIRM_DATES_LABEL

from .base import DateInput, add_input_errors, blank_choices_as_dash
from .messages import ErrorMessagesMixin


class PatientForm(ErrorMessagesMixin, forms.ModelForm):
    class Meta:
        model = Patient
        fields = [
            "site", "mrn", "family_name", "given_name", "sex", "birth_date",
            "skin_onset_date", "diagnosis_date", "recorded_subtype", "refractory_disease",
            "high_npc_risk_region", "notes",
        ]
        widgets = {
            "birth_date": DateInput(),
            "skin_onset_date": DateInput(),
            "diagnosis_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    confirm_dates = forms.BooleanField(label=CONFIRM_DATES_LABEL, required=False)

    def __init__(self, *args, sites, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        # Before the dash: that freezes the choices, which must be the user's sites only.
        self.fields["site"].queryset = Site.objects.filter(pk__in=[s.pk for s in sites])
        blank_choices_as_dash(self)
        if len(sites) == 1:
            self.fields["site"].initial = sites[0].pk
        if self.instance.pk:
            # Moving a patient between sites is an administrative act, not a form edit.
            del self.fields["site"]

    def clean(self):
        cleaned = super().clean()
        # The checks (dates against today and birth) belong to the input, shared by every
        # door; the MRN's uniqueness and the order of the dates are the service's checks.
        raw = {name: value for name, value in cleaned.items() if name != "confirm_dates"}
        context = Context(today=self.today, confirmed=bool(cleaned.get("confirm_dates")),
                          birth_date=self.instance.birth_date if self.instance.pk else None)
        self.input = None
        try:
            self.input = PatientInput.parse(raw, context=context, partial=bool(self.instance.pk))
        except InputInvalid as exc:
            add_input_errors(self, exc)
        return cleaned

    def _post_clean(self):
        """ModelForm would copy the values onto the instance and run the model's unique
        checks; the service does both, on a locked row, with messages that name the value."""

    def patient_data(self) -> PatientInput:
        """What the services take: the typed input (its dates confirmation included)."""
        return self.input


class PatientSearchForm(ErrorMessagesMixin, forms.Form):
    q = forms.CharField(required=False, max_length=100, label="MRN or name")
