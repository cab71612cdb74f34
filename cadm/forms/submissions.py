"""The hidden fields every writing form carries beside its own: a one-time token (a repeat
of the same submission saves nothing twice) and, for edits, the version the form was opened
on (a save over someone else's newer change is refused)."""

from __future__ import annotations

import uuid

from django import forms

from .messages import ErrorMessagesMixin


class OnceForm(ErrorMessagesMixin, forms.Form):
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, data=None, *, version: int | None = None):
        super().__init__(data, initial={"form_token": uuid.uuid4(), "row_version": version})
        if version is None:
            del self.fields["row_version"]

    row_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def token(self) -> uuid.UUID | None:
        return self.cleaned_data.get("form_token") if self.is_valid() else None

    def version(self) -> int | None:
        return self.cleaned_data.get("row_version") if self.is_valid() else None

    def refresh(self, version: int) -> OnceForm:
        """The same token with the current version: after a refused concurrent save, the
        user sees what changed, and saving again is then a deliberate choice."""
        fresh = OnceForm(version=version)
        fresh.initial["form_token"] = self.token() or fresh.initial["form_token"]
        return fresh
