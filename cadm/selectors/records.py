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
from django.db.models import Model, signals
from django.db.models.base import ModelState

from cadm.models import Patient, RecordStatus, User, Visit
from cadm.sections import all_sections


@dataclass(frozen=True)
class _Compiled:
    sql: str
    attnames: list[str]  # of the selected columns, in order
    converters: dict  # column position: (converter functions, expression), as the ORM's


@cache
def _compiled(model) -> _Compiled:
    """`model.objects.filter(patient=...)` (its Meta ordering included) as the ORM writes it,
    compiled once per process: compiling the same thirteen queries again on every patient page
    was about half of this read's time. The patient's id is its only parameter."""
    compiler = model.objects.filter(patient_id=0).query.get_compiler(DEFAULT_DB_ALIAS)
    sql, params = compiler.as_sql()
    if params != (0,):
        raise ValueError(f"{model.__name__}: a query with parameters {params!r}, not one id")
    columns = [column for column, _, _ in compiler.select]
    attnames = [column.target.attname for column in columns]
    if attnames != [field.attname for field in model._meta.concrete_fields]:
        raise ValueError(f"{model.__name__}: the query selects {attnames}, not every field")
    return _Compiled(sql, attnames, compiler.get_converters(columns))


def _sql(model) -> str:
    return _compiled(model).sql


def _instances(model, rows, connection) -> list:
    """Model instances from `rows`, as the ORM builds them: its converters, then what
    `Model.from_db` does. A model's __init__ checks every field's argument, about a third of
    this read's time; it is skipped when nothing listens to the model's init signals (no
    receiver of ours does), since then the result is the same."""
    compiled = _compiled(model)
    plain = not (signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
                 or model.from_db.__func__ is not Model.from_db.__func__)
    found = []
    for row in rows:
        if compiled.converters:
            row = list(row)
            for position, (functions, expression) in compiled.converters.items():
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
        if plain:
            instance = model.__new__(model)
            instance.__dict__.update(zip(compiled.attnames, row, strict=True))
            instance._state = ModelState()
            instance._state.adding = False
            instance._state.db = connection.alias
        else:
            instance = model.from_db(connection.alias, compiled.attnames, row)
        found.append(instance)
    return found


def _read(models: list, patient: Patient) -> list[list]:
    """The rows of each model, as `list(model.objects.filter(patient=patient))` would give.
    PostgreSQL takes the queries as one text, in one round trip, and answers each in turn
    (psycopg's client-side binding, Django's default, allows several statements in one)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return [list(model.objects.raw(_sql(model), [patient.pk])) for model in models]
    found = []
    with connection.cursor() as cursor:
        cursor.execute(";\n".join(_sql(model) for model in models), [patient.pk] * len(models))
        for number, model in enumerate(models):
            if number:
                cursor.nextset()
            found.append(_instances(model, cursor.fetchall(), connection))
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
