"""A patient's clinical rows, loaded once: one query for visits and one per kind of result.

The timeline and the evaluation shell read the same rows; a page that needs both loads them
once. Rows and visits marked entered in error are loaded too (the timeline shows them struck
through); `current()` and `current_visits()` leave them out, and the rules only ever see
current rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from cadm.models import Patient, RecordStatus, Visit
from cadm.sections import all_sections


@dataclass(frozen=True)
class PatientRecords:
    visits: list[Visit]
    by_section: dict[str, list]

    def current(self, key: str) -> list:
        return [r for r in self.by_section[key] if r.status != RecordStatus.ENTERED_IN_ERROR]

    def current_visits(self) -> list[Visit]:
        return [v for v in self.visits if v.status != RecordStatus.ENTERED_IN_ERROR]


def patient_records(patient: Patient) -> PatientRecords:
    visits = list(Visit.objects.filter(patient=patient).select_related("clinician"))
    by_section = {
        section.key: list(section.model.objects.filter(patient=patient)
                          .select_related("recorded_by"))
        for section in all_sections()
    }
    return PatientRecords(visits, by_section)
