"""One form per kind of result. Each becomes a row of the visit page or the results page."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from cadm.models import AutoantibodyResult, EyeExam, LabResult, Medication, MuscleStudy, SkinBiopsy
from cadm.rules import measurements
from cadm.rules import vocabulary as v
from cadm.validation import check_measurement

from .base import DateInput, ResultForm, checkbox_choices, yes_no


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
        analyte, value, unit = (cleaned.get(k) for k in ("analyte", "value", "unit"))
        if value is None:
            if "value" not in self.errors:  # not one refused already (e.g. not a number)
                self.add_error("value", "Value: enter the result, or clear the row.")
            return cleaned
        if not (analyte and unit):
            return cleaned
        quantity = measurements.QUANTITIES[analyte]
        try:
            normalised = check_measurement(
                analyte, value, unit, confirmed=bool(cleaned.get("confirm_unusual"))
            )
        except ValidationError as exc:
            field = "unit" if exc.code == "implausible" and unit not in quantity.units else "value"
            self.add_error(field, exc)
            return cleaned
        cleaned["value_normalised"] = normalised
        cleaned["unit_normalised"] = quantity.unit
        cleaned["loinc"] = quantity.loinc or ""
        uln = cleaned.get("upper_limit")
        if uln is not None:
            self._check_uln(cleaned, analyte, uln, unit)
        return cleaned

    def _check_uln(self, cleaned: dict, analyte: str, uln, unit: str) -> None:
        """The lab's upper limit is a value of the same analyte in the same unit: the same
        §6.2 ranges catch a typo (999,999 U/L), and it must be above 0."""
        label = measurements.QUANTITIES[analyte].label
        if uln <= 0:
            self.add_error("upper_limit", f"ULN ({label}): {measurements.fmt(uln)} {unit} must "
                                          f"be above 0 {unit}.")
            return
        try:
            cleaned["upper_limit_normalised"] = check_measurement(
                analyte, uln, unit, confirmed=bool(cleaned.get("confirm_unusual")))
        except ValidationError as exc:
            # The measurement's message starts with the analyte ("CK: ..."): say it is the ULN.
            self.add_error("upper_limit", f"ULN ({label}): {exc.messages[0].split(': ', 1)[1]}")

    def record_fields(self) -> dict:
        data = super().record_fields()
        for extra in ("value_normalised", "unit_normalised", "loinc", "upper_limit_normalised"):
            if extra in self.cleaned_data:
                data[extra] = self.cleaned_data[extra]
        return data


class AutoantibodyForm(ResultForm):
    class Meta:
        model = AutoantibodyResult
        fields = ["antibody", "result", "method", "grade", "titre", "lab_name"]
        widgets = {"grade": forms.Select(choices=[("", "—"), (1, "1 (+)"), (2, "2 (++)"),
                                                  (3, "3 (+++)")])}

    def clean_grade(self):
        grade = self.cleaned_data.get("grade")
        if grade is not None and not 1 <= grade <= 3:
            raise ValidationError(f"Grade: {grade} is outside the accepted range 1–3.")
        return grade


class MuscleStudyForm(ResultForm):
    abnormal = yes_no("Abnormal", "MRI oedema, myopathic EMG, or inflammatory biopsy.")
    findings = checkbox_choices(v.BIOPSY_FINDINGS)

    class Meta:
        model = MuscleStudy
        fields = ["kind", "abnormal", "findings", "report"]
        widgets = {"report": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("findings") and cleaned.get("kind") != "biopsy":
            self.add_error("findings", "Findings: histology findings apply to a muscle biopsy "
                                       "only; choose 'Muscle biopsy' or clear them.")
        return cleaned


class SkinBiopsyForm(ResultForm):
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
        cleaned = super().clean()
        dose = cleaned.get("dose_mg_per_day")
        if dose is not None and dose <= 0:
            self.add_error("dose_mg_per_day",
                           f"Dose: {measurements.fmt(dose)} mg/day must be above 0 mg/day.")
        if cleaned.get("drug") == "other" and not cleaned.get("drug_detail"):
            self.add_error("drug_detail", "Drug detail: name the drug when you choose 'Other'.")
        start, end = cleaned.get("observed_on"), cleaned.get("end_on")
        if end and end > self.today:
            self.add_error("end_on", f"End date: {end.isoformat()} is in the future; leave it "
                                     "blank while the drug is taken.")
        elif start and end and end < start:
            self.add_error("end_on", f"End date: {end.isoformat()} is before the start date "
                                     f"({start.isoformat()}).")
        return cleaned


class EyeExamForm(ResultForm):
    class Meta:
        model = EyeExam
        fields = ["finding", "report"]
        widgets = {"report": forms.Textarea(attrs={"rows": 2})}
