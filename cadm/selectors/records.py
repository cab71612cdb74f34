"""A patient's clinical rows, loaded once: one query for visits, one per kind of result, and
one for the people who recorded them. On PostgreSQL the first thirteen go in one round trip.

The timeline and the evaluation shell read the same rows; a page that needs both loads them
once. Rows and visits marked entered in error are loaded too (the timeline shows them struck
through); `current()` and `current_visits()` leave them out, and the rules only ever see
current rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections

from cadm.models import Patient, RecordStatus, User, Visit
from cadm.sections import all_sections

from .compiled import Compiled


@cache
def _query(model) -> Compiled:
    """`model.objects.filter(patient=...)`, its Meta ordering included."""
    return Compiled(lambda patient_id: model.objects.filter(patient_id=patient_id))


def _read(models: list, patient: Patient) -> list[list]:
    """The rows of each model, as `list(model.objects.filter(patient=patient))` would give.
    PostgreSQL takes the queries as one text, in one round trip, and answers each in turn
    (psycopg's client-side binding, Django's default, allows several statements in one)."""
    queries = [_query(model) for model in models]
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return [query(patient.pk) for query in queries]
    statements = [query.statement(patient.pk) for query in queries]
    found = []
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(";\n".join(sql for sql, _ in statements),
                       [param for _, params in statements for param in params])
        for number, query in enumerate(queries):
            if number:
                cursor.nextset()
            found.append(query.instances(cursor.fetchall()))
    return found


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
    sections = all_sections()
    visits, *results = _read([Visit, *(section.model for section in sections)], patient)
    by_section = {section.key: rows for section, rows in zip(sections, results, strict=True)}
    rows = [row for found in by_section.values() for row in found]
    authors = {v.clinician_id for v in visits} | {r.recorded_by_id for r in rows}
    people = User.objects.in_bulk(authors - {None})
    for visit in visits:
        visit.clinician = people[visit.clinician_id]
    for row in rows:
        if row.recorded_by_id is not None:
            row.recorded_by = people[row.recorded_by_id]
    return PatientRecords(visits, by_section)
