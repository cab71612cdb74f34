from django import forms


class ReasonForm(forms.Form):
    """Why a visit or a result is marked entered in error."""

    reason = forms.CharField(label="Reason", max_length=300, strip=True)
