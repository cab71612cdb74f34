"""One form per kind of result. Each becomes a row of the visit page or the results page."""

from __future__ import annotations

from django import forms

from cadm.exceptions import NoActiveRuleSet
from cadm.inputs import (
    AutoantibodyInput,
    Context,
    EyeExamInput,
    InputInvalid,
    LabInput,
    MedicationInput,
    MuscleStudyInput,
    SkinBiopsyInput,
)
from cadm.models import AutoantibodyResult, EyeExam, LabResult, Medication, MuscleStudy, SkinBiopsy
from cadm.rules import vocabulary as v
from cadm.selectors.rulesets import ruleset_active

from .base import DateInput, ResultForm, add_input_errors, checkbox_choices, yes_no


class LabResultForm(ResultForm):
    class Meta:
        model = LabResult
        fields = ["analyte", "value", "unit", "upper_limit", "lab_name"]
        labels = {"upper_limit": "ULN"}

    measured = {"value": "(by analyte)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        analyte = self.initial.get("analyte")
        if analyte:
            # A row of the panel grid: its analyte is fixed, shown as the row's label.
            self.fields["analyte"].widget = forms.HiddenInput()
            self.row_label = dict(v.LAB_TESTS)[analyte]

    def clean(self):
        cleaned = forms.ModelForm.clean(self)
        self.input = None
        value = cleaned.get("value")
        if value is None:
            if "value" not in self.errors:  # not one refused already (e.g. not a number)
                self.add_error("value", "Value: enter the result, or clear the row.")
            return cleaned
        if not (cleaned.get("analyte") and cleaned.get("unit")):
            return cleaned
        # The checks themselves belong to the input (cadm.inputs.labs), shared by every door.
        context = Context(today=self.today, birth_date=self.patient.birth_date,
                          confirmed=bool(cleaned.get("confirm_unusual")))
        try:
            self.input = LabInput.parse(cleaned, context=context)
        except InputInvalid as exc:
            add_input_errors(self, exc)
            return cleaned
        cleaned.update({k: getattr(self.input, k) for k in
                        ("value_normalised", "unit_normalised", "loinc",
                         "upper_limit_normalised") if getattr(self.input, k) is not None})
        return cleaned

    def record_fields(self) -> dict:
        data = super().record_fields()
        for extra in ("value_normalised", "unit_normalised", "loinc", "upper_limit_normalised"):
            if extra in self.cleaned_data:
                data[extra] = self.cleaned_data[extra]
        return data

    def service_row(self) -> LabInput:
        return self.input


class TypedResultForm(ResultForm):
    """A row whose checks belong to its typed input (cadm.inputs.results): the form cleans
    the widgets' text, the parser checks the values, its refusals go back on the fields."""

    input_class: type

    def clean(self):
        cleaned = super().clean()
        self.input = None
        raw = {k: val for k, val in cleaned.items() if k in self.Meta.fields}
        try:
            self.input = self.input_class.parse(raw, context=Context(
                today=self.today, birth_date=self.patient.birth_date))
        except InputInvalid as exc:
            add_input_errors(self, exc)
        return cleaned

    def service_row(self):
        return self.input


class AutoantibodyForm(TypedResultForm):
    input_class = AutoantibodyInput

    class Meta:
        model = AutoantibodyResult
        fields = ["antibody", "result", "method", "grade", "titre", "lab_name"]
        widgets = {"grade": forms.Select(choices=[("", "—"), (1, "1 (+)"), (2, "2 (++)"),
                                                  (3, "3 (+++)")])}


class MuscleStudyForm(TypedResultForm):
    input_class = MuscleStudyInput
    abnormal = yes_no("Abnormal", "MRI oedema, myopathic EMG, or inflammatory biopsy.")
    findings = checkbox_choices(v.BIOPSY_FINDINGS)

    class Meta:
        model = MuscleStudy
        fields = ["kind", "abnormal", "findings", "report"]
        widgets = {"report": forms.Textarea(attrs={"rows": 2})}


class SkinBiopsyForm(TypedResultForm):
    input_class = SkinBiopsyInput
    consistent_with_dm = yes_no("Consistent with dermatomyositis")

    class Meta:
        model = SkinBiopsy
        fields = ["consistent_with_dm", "report"]
        widgets = {"report": forms.Textarea(attrs={"rows": 2})}


class MedicationForm(ResultForm):
    observed_on = forms.DateField(
        label="Start date", required=False, widget=DateInput(),
        help_text="Blank: the date of the visit or results.",
    )

    class Meta:
        model = Medication
        fields = ["drug", "drug_detail", "dose_mg_per_day", "observed_on", "end_on"]
        widgets = {"end_on": DateInput()}

    def clean(self):
        cleaned = forms.ModelForm.clean(self)
        self.input = None
        # The checks belong to the input (cadm.inputs.medications), shared by every door; a
        # start left blank is the page's date, which the service checks the end date against.
        raw = {k: v for k, v in cleaned.items() if k in self.Meta.fields}
        if raw.get("observed_on") is None:
            raw.pop("observed_on", None)
        try:
            self.input = MedicationInput.parse(raw, context=medication_context(
                today=self.today, birth_date=self.patient.birth_date))
        except InputInvalid as exc:
            add_input_errors(self, exc)
        return cleaned

    def service_row(self) -> MedicationInput:
        return self.input


def medication_context(*, today, birth_date, confirmed: bool = False) -> Context:
    """A parser's context with the active rule set's dose guard (none active: the service
    refuses the write anyway, with its own message)."""
    try:
        ruleset = ruleset_active()
    except NoActiveRuleSet:
        return Context(today=today, birth_date=birth_date, confirmed=confirmed)
    return Context(today=today, birth_date=birth_date, confirmed=confirmed,
                   rule_params=ruleset.params, rule_set=ruleset.number)


class EyeExamForm(TypedResultForm):
    input_class = EyeExamInput

    class Meta:
        model = EyeExam
        fields = ["finding", "report"]
        widgets = {"report": forms.Textarea(attrs={"rows": 2})}
