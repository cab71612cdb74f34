from django import forms

from cadm.forms.base import ResultForm

from .models import CancerScreeningRecord


class CancerScreeningForm(ResultForm):
    class Meta:
        model = CancerScreeningRecord
        fields = ["panel", "result", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
