from django import forms

from .messages import ErrorMessagesMixin


class ReasonForm(ErrorMessagesMixin, forms.Form):
    """Why a visit or a result is marked entered in error."""

    reason = forms.CharField(label="Reason", max_length=300, strip=True)
