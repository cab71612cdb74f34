"""A patient's clinical rows, loaded once: one query for visits, one per kind of result, and
one for the people who recorded them.

The timeline and the evaluation shell read the same rows; a page that needs both loads them
once. Rows and visits marked entered in error are loaded too (the timeline shows them struck
through); `current()` and `current_visits()` leave them out, and the rules only ever see
current rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from cadm.models import Patient, RecordStatus, User, Visit
from cadm.sections import all_sections


@cache
def _sql(model) -> str:
    """`model.objects.filter(patient=...)` (its Meta ordering included) as the ORM writes it,
    compiled once per process: compiling the same thirteen queries again on every patient page
    was about half of this read's time. The patient's id is its only parameter."""
    sql, params = model.objects.filter(patient_id=0).query.sql_with_params()
    if params != (0,):
        raise ValueError(f"{model.__name__}: a query with parameters {params!r}, not one id")
    return sql


def _rows(model, patient: Patient) -> list:
    """The same instances as `list(model.objects.filter(patient=patient))`."""
    return list(model.objects.raw(_sql(model), [patient.pk]))


@dataclass(frozen=True)
class PatientRecords:
    visits: list[Visit]
    by_section: dict[str, list]

    def current(self, key: str) -> list:
        return [r for r in self.by_section[key] if r.status != RecordStatus.ENTERED_IN_ERROR]

    def current_visits(self) -> list[Visit]:
        return [v for v in self.visits if v.status != RecordStatus.ENTERED_IN_ERROR]


def patient_records(patient: Patient) -> PatientRecords:
    """`visit.clinician` and `record.recorded_by` are set from one query of the few people
    who recorded the history, rather than joined into every row: a join builds a user per
    row (a long history has about a hundred rows and two or three authors) and costs each
    query a wider select."""
    visits = _rows(Visit, patient)
    by_section = {section.key: _rows(section.model, patient) for section in all_sections()}
    rows = [row for found in by_section.values() for row in found]
    authors = {v.clinician_id for v in visits} | {r.recorded_by_id for r in rows}
    people = User.objects.in_bulk(authors - {None})
    for visit in visits:
        visit.clinician = people[visit.clinician_id]
    for row in rows:
        if row.recorded_by_id is not None:
            row.recorded_by = people[row.recorded_by_id]
    return PatientRecords(visits, by_section)
