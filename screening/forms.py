"""The screening pages' forms: widgets and Django's field cleaning only. The checks belong to
the typed inputs (cadm.inputs.screening), shared with the case file and the API; their
refusals go back on the fields, in the same words whatever the door."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from cadm.forms.base import DateInput, add_input_errors
from cadm.forms.messages import ErrorMessagesMixin, rows_formset
from cadm.forms.results import TypedResultForm
from cadm.inputs import (
    CancerScreeningInput,
    Context,
    InputInvalid,
    ScreeningCloseInput,
    ScreeningOutcomeInput,
    ScreeningReopenInput,
    ScreeningTestInput,
)
from cadm.inputs.screening import DECISION_TEXT_MAX, TEST_NOTE_MAX
from cadm.models import Patient

from .models import CancerScreeningRecord, ScreeningPlan, ScreeningResult


class CancerScreeningForm(TypedResultForm):
    input_class = CancerScreeningInput

    class Meta:
        model = CancerScreeningRecord
        fields = ["panel", "result", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class _Parsed:
    """For a form whose values a typed input checks: `input` is the parsed input once valid.
    `patient` and `today` give the parser its dates (birth, today); a form built without them
    checks against today only. (A mixin, not a form: the fuzz catalog builds every form.)"""

    input_class: type
    input_fields: tuple[str, ...]

    def __init__(self, *args, patient: Patient | None = None, today: date | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.context = Context(today=today or timezone.localdate(),
                               birth_date=patient.birth_date if patient else None)
        self.input = None

    def wants_input(self, cleaned: dict) -> bool:
        return True

    def clean(self):
        cleaned = super().clean()
        if not self.wants_input(cleaned):
            return cleaned
        try:
            self.input = self.input_class.parse(
                {name: cleaned.get(name) for name in self.input_fields}, context=self.context)
        except InputInvalid as exc:
            add_input_errors(self, exc)
        return cleaned


class ComponentForm(_Parsed, ErrorMessagesMixin, forms.Form):
    """One test of a panel: leave it blank if not done yet."""

    input_class = ScreeningTestInput
    input_fields = ("done_on", "result", "note")
    component_id = forms.IntegerField(widget=forms.HiddenInput())
    done_on = forms.DateField(label="Date done", required=False, widget=DateInput())
    result = forms.ChoiceField(label="Result", required=False,
                               choices=[("", "—"), *ScreeningResult.choices])
    note = forms.CharField(label="Note", required=False, max_length=TEST_NOTE_MAX)

    def wants_input(self, cleaned: dict) -> bool:
        # A blank row is a test not done yet; a date the field refused is already marked.
        return bool(cleaned.get("done_on") or cleaned.get("result"))


# A panel has at most 7 tests (planning.COMPONENTS); 20 leaves headroom, no more.
ComponentFormSet = rows_formset(ComponentForm, title="Tests", max_rows=20, extra=0)


class OutcomeForm(_Parsed, ErrorMessagesMixin, forms.Form):
    """The outcome of the work-up of a finding: settles the finding, not the schedule."""

    input_class = ScreeningOutcomeInput
    input_fields = ("outcome", "outcome_on", "note")
    outcome = forms.ChoiceField(choices=[("", "—"), *ScreeningPlan.Outcome.choices])
    outcome_on = forms.DateField(label="Date of the outcome", widget=DateInput())
    note = forms.CharField(label="Note", required=False, max_length=DECISION_TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}))


class EndScreeningForm(_Parsed, ErrorMessagesMixin, forms.Form):
    """The explicit decision that screening ends; only this stops the reminders."""

    input_class = ScreeningCloseInput
    input_fields = ("closed_on", "reason")
    closed_on = forms.DateField(label="Screening ends on", widget=DateInput())
    reason = forms.CharField(label="Reason", max_length=DECISION_TEXT_MAX,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(_Parsed, ErrorMessagesMixin, forms.Form):
    input_class = ScreeningReopenInput
    input_fields = ("reason",)
    reason = forms.CharField(label="Reason", max_length=DECISION_TEXT_MAX,
                             widget=forms.Textarea(attrs={"rows": 2}))
