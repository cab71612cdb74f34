from django import forms

from cadm.forms.base import DateInput, ResultForm
from cadm.forms.messages import ErrorMessagesMixin, rows_formset

from .models import CancerScreeningRecord, ScreeningPlan, ScreeningResult


class CancerScreeningForm(ResultForm):
    class Meta:
        model = CancerScreeningRecord
        fields = ["panel", "result", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class ComponentForm(ErrorMessagesMixin, forms.Form):
    """One test of a panel: leave it blank if not done yet."""

    component_id = forms.IntegerField(widget=forms.HiddenInput())
    done_on = forms.DateField(label="Date done", required=False, widget=DateInput())
    result = forms.ChoiceField(label="Result", required=False,
                               choices=[("", "—"), *ScreeningResult.choices])
    note = forms.CharField(label="Note", required=False, max_length=500)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("done_on") and not cleaned.get("result"):
            self.add_error("result", "Result: choose the result of the test done on "
                                     f"{cleaned['done_on'].isoformat()}.")
        if cleaned.get("result") and not cleaned.get("done_on"):
            self.add_error("done_on", "Date done: enter the date of this result.")
        return cleaned


# A panel has at most 7 tests (planning.COMPONENTS); 20 leaves headroom, no more.
ComponentFormSet = rows_formset(ComponentForm, title="Tests", max_rows=20, extra=0)


class OutcomeForm(ErrorMessagesMixin, forms.Form):
    """The outcome of the work-up of a finding: settles the finding, not the schedule."""

    outcome = forms.ChoiceField(choices=[("", "—"), *ScreeningPlan.Outcome.choices])
    outcome_on = forms.DateField(label="Date of the outcome", widget=DateInput())
    note = forms.CharField(label="Note", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class EndScreeningForm(ErrorMessagesMixin, forms.Form):
    """The explicit decision that screening ends; only this stops the reminders."""

    closed_on = forms.DateField(label="Screening ends on", widget=DateInput())
    reason = forms.CharField(label="Reason", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(ErrorMessagesMixin, forms.Form):
    reason = forms.CharField(label="Reason", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
