"""The window of days over which the version page counts rule metrics (GET ?start=&end=)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from cadm.selectors.metrics import Window

from .base import DateInput
from .messages import ErrorMessagesMixin, shown

# Bounds of a typed date: no rule set ran before 2000, and the day after `end` must exist
# (date.max + 1 day overflows).
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
FORMAT = "a date as YYYY-MM-DD"


class MetricsWindowForm(ErrorMessagesMixin, forms.Form):
    start = forms.DateField(label="From", required=False, widget=DateInput())
    end = forms.DateField(label="To", required=False, widget=DateInput())

    def clean_start(self) -> date | None:
        return self._in_range("start")

    def clean_end(self) -> date | None:
        return self._in_range("end")

    def _in_range(self, name: str) -> date | None:
        day = self.cleaned_data[name]
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ValidationError(
                f"{self._label(name)}: {shown(self[name].data)} is outside the accepted range; "
                f"accepted: {FORMAT} from {EARLIEST.isoformat()} to {LATEST.isoformat()}.",
                code="out_of_range")
        return day

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", ValidationError(
                f"{self._label('end')}: {shown(self['end'].data)} is before "
                f"{self._label('start')} ({start.isoformat()}); "
                f"accepted: {FORMAT} on or after {start.isoformat()}, or empty.",
                code="before_start"))
        return data

    def window(self) -> Window:
        """The validated window (call after is_valid())."""
        return Window(self.cleaned_data.get("start"), self.cleaned_data.get("end"))
