from django import forms

from cadm.forms.base import ResultForm, checkbox_choices, yes_no
from cadm.rules import vocabulary as v

from .models import HrctStudy, PpfAssessment, PulmonaryFunctionTest, SixMinuteWalk


class PftForm(ResultForm):
    measured = {
        "fvc_l": "fvc_l",
        "fvc_pct_predicted": "fvc_pct_predicted",
        "dlco_pct_predicted": "dlco_pct_predicted",
        "tlc_pct_predicted": "tlc_pct_predicted",
    }

    class Meta:
        model = PulmonaryFunctionTest
        fields = ["fvc_l", "fvc_pct_predicted", "dlco_pct_predicted", "tlc_pct_predicted"]


class HrctForm(ResultForm):
    ild = yes_no("Interstitial lung disease")
    findings = checkbox_choices(v.HRCT_FINDINGS)

    class Meta:
        model = HrctStudy
        fields = ["ild", "findings", "extent_score", "report"]
        labels = {"extent_score": "Extent score (optional)"}
        widgets = {"report": forms.Textarea(attrs={"rows": 2})}


class SixMinuteWalkForm(ResultForm):
    measured = {"distance_m": "distance_m", "spo2_rest": "spo2", "spo2_nadir": "spo2"}

    class Meta:
        model = SixMinuteWalk
        fields = ["distance_m", "spo2_rest", "spo2_nadir"]
        labels = {"spo2_rest": "SpO₂ at rest (%)", "spo2_nadir": "SpO₂ nadir (%)"}

    def clean(self):
        cleaned = super().clean()
        rest, nadir = cleaned.get("spo2_rest"), cleaned.get("spo2_nadir")
        if rest is not None and nadir is not None and nadir > rest:
            self.add_error("spo2_nadir", f"SpO₂ nadir: {nadir} % is above the resting value "
                                         f"({rest} %); the nadir is the lowest reading.")
        return cleaned


class PpfAssessmentForm(ResultForm):
    """The two PPF 2022 criteria that are clinical judgements (clinical-reference.md §5)."""

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
