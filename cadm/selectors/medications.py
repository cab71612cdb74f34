"""The drugs a patient is taking, from the rows the page already loaded (no query)."""

from __future__ import annotations

from datetime import date

from cadm.choice_labels import shown
from cadm.models import Medication

from .records import PatientRecords


def medications_current(records: PatientRecords, *, today: date) -> list[Medication]:
    """Courses being taken today: started, not ended before today, not entered in error."""
    courses = [m for m in records.current("medications")
               if m.observed_on <= today and (m.end_on is None or m.end_on >= today)]
    return sorted(courses, key=lambda m: (shown(m, "drug"), m.observed_on))
