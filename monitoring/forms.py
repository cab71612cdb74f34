from django import forms

from cadm.forms.base import add_input_errors, checkbox_choices, yes_no
from cadm.forms.results import TypedResultForm
from cadm.inputs import (
    Context,
    HrctInput,
    InputInvalid,
    PftInput,
    PpfAssessmentInput,
    SixMinuteWalkInput,
)
from cadm.rules import vocabulary as v

from .models import HrctStudy, PpfAssessment, PulmonaryFunctionTest, SixMinuteWalk


class LungResultForm(TypedResultForm):
    """A lung row whose checks belong to its typed input (cadm.inputs.lung), ranges
    included: the form cleans the widgets' text and offers the "confirm unusual values" box,
    whose tick the parser reads."""

    def clean(self):
        # ModelForm's clean, not ResultForm's: the ranges of `measured` are the parser's now.
        cleaned = forms.ModelForm.clean(self)
        self.input = None
        raw = {k: val for k, val in cleaned.items() if k in self.Meta.fields}
        context = Context(today=self.today, birth_date=self.patient.birth_date,
                          confirmed=bool(cleaned.get("confirm_unusual")))
        try:
            self.input = self.input_class.parse(raw, context=context)
        except InputInvalid as exc:
            add_input_errors(self, exc)
        return cleaned


class PftForm(LungResultForm):
    input_class = PftInput
    # For the confirm box and the range in Django's own refusals (cadm.forms.messages).
    measured = PftInput.MEASURED

    class Meta:
        model = PulmonaryFunctionTest
        fields = ["fvc_l", "fvc_pct_predicted", "dlco_pct_predicted", "tlc_pct_predicted"]


class HrctForm(LungResultForm):
    input_class = HrctInput
    ild = yes_no("Interstitial lung disease")
    findings = checkbox_choices(v.HRCT_FINDINGS)

    class Meta:
        model = HrctStudy
        fields = ["ild", "findings", "extent_score", "report"]
        labels = {"extent_score": "Extent score (optional)"}
        widgets = {"report": forms.Textarea(attrs={"rows": 2})}


class SixMinuteWalkForm(LungResultForm):
    input_class = SixMinuteWalkInput
    measured = SixMinuteWalkInput.MEASURED

    class Meta:
        model = SixMinuteWalk
        fields = ["distance_m", "spo2_rest", "spo2_nadir"]
        labels = {"spo2_rest": "SpO₂ at rest (%)", "spo2_nadir": "SpO₂ nadir (%)"}


class PpfAssessmentForm(LungResultForm):
    """The two PPF 2022 criteria that are clinical judgements (clinical-reference.md §5)."""

    input_class = PpfAssessmentInput
    worsening_symptoms = yes_no("Worsening respiratory symptoms",
                                "Within the past year, with no alternative explanation.")
    radiological_progression = yes_no(
        "Radiological progression on HRCT",
        "More traction bronchiectasis, new GGO with traction bronchiectasis, new or coarser "
        "reticulation, new or more honeycombing, more lobar volume loss.")

    class Meta:
        model = PpfAssessment
        fields = ["worsening_symptoms", "radiological_progression", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
