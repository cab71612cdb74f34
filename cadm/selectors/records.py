"""A patient's clinical rows, loaded once: one query for visits and one per kind of result.

The timeline and the evaluation shell read the same rows; a page that needs both loads them
once.
"""

from __future__ import annotations

from dataclasses import dataclass

from cadm.models import Patient, RecordStatus, Visit
from cadm.sections import all_sections


@dataclass(frozen=True)
class PatientRecords:
    visits: list[Visit]
    by_section: dict[str, list]


def patient_records(patient: Patient) -> PatientRecords:
    visits = list(Visit.objects.filter(patient=patient).select_related("clinician"))
    by_section = {
        section.key: list(section.model.objects.filter(patient=patient)
                          .exclude(status=RecordStatus.ENTERED_IN_ERROR)
                          .select_related("recorded_by"))
        for section in all_sections()
    }
    return PatientRecords(visits, by_section)
