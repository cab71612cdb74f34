"""Form plumbing shared by visit and result entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from cadm.models import Patient
from cadm.validation import check_date, check_measurement

from .messages import ErrorMessagesMixin

CONFIRM_LABEL = "Confirm unusual values"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def checkbox_choices(vocabulary) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=vocabulary, required=False, widget=forms.CheckboxSelectMultiple
    )


def yes_no(label: str, help_text: str = "") -> forms.TypedChoiceField:
    """A required yes/no that starts blank, so an untouched row stays empty."""
    return forms.TypedChoiceField(
        label=label, help_text=help_text,
        choices=[("", "—"), ("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes", empty_value=None,
    )


def blank_choices_as_dash(form: forms.BaseForm) -> None:
    """One look for "nothing chosen" in every drop-down."""
    for field in form.fields.values():
        choices = getattr(field, "choices", None)
        if choices and list(choices)[0] == ("", "---------"):
            field.choices = [("", "—"), *list(choices)[1:]]


def add_input_errors(form: forms.BaseForm, exc) -> None:
    """A parser's refusals (cadm.inputs.InputInvalid) on the form's fields; a field the form
    does not show, or one refused already by its own cleaning, goes to the whole form."""
    for name, problems in exc.errors.items():
        if name in form.errors:
            continue
        target = name if name in form.fields else None
        for problem in problems:
            form.add_error(target, ValidationError(problem.message, code=problem.code))


class MeasuredFormMixin(ErrorMessagesMixin):
    """Range checks (§6.2) for the fields listed in `measured`: form field -> quantity code.

    Values in the soft range are refused until the row's "confirm" box is ticked; the
    normalised values are kept in `self.normalised`. Django's generic refusals of these
    forms name the field, the value and the range (ErrorMessagesMixin).
    """

    measured: dict[str, str] = {}

    def add_confirm_field(self) -> None:
        self.fields["confirm_unusual"] = forms.BooleanField(required=False, label=CONFIRM_LABEL)

    def unit_for(self, field: str) -> str | None:
        return None

    def check_measured(self, cleaned: dict) -> None:
        self.normalised: dict[str, Decimal] = {}
        confirmed = bool(cleaned.get("confirm_unusual"))
        for field, code in self.measured.items():
            value = cleaned.get(field)
            if value is None:
                continue
            try:
                self.normalised[field] = check_measurement(
                    code, value, self.unit_for(field), confirmed=confirmed
                )
            except ValidationError as exc:
                self.add_error(field, exc)


class ResultForm(MeasuredFormMixin, forms.ModelForm):
    """One result row. The date comes from the page (the visit's, or the results' date),
    except for forms that declare their own `observed_on` field."""

    def __init__(self, *args, patient: Patient, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.today = today
        # Blank rows are allowed: a panel is offered, the clinician fills what was done.
        self.empty_permitted = True
        self.use_required_attribute = False
        if self.measured:
            self.add_confirm_field()
        blank_choices_as_dash(self)

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("observed_on")
        if day:
            try:
                check_date(
                    self.fields["observed_on"].label or "Date", day,
                    today=self.today, birth_date=self.patient.birth_date,
                )
            except ValidationError as exc:
                self.add_error("observed_on", exc)
        self.check_measured(cleaned)
        return cleaned

    def service_row(self):
        """What the service takes for this row: a typed input (cadm.inputs) where one exists,
        else the model field values."""
        return self.record_fields()

    def record_fields(self) -> dict:
        """Model field values for a new row, normalised values included."""
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name in {f.name for f in self._meta.model._meta.get_fields()}
        }
        if data.get("observed_on") is None:
            data.pop("observed_on", None)
        return data
