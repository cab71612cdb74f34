"""The facts of a chunk of patients, read in a fixed number of queries: one for the visits
and one per kind of result the rules read, whatever the chunk's size or history.

The per-patient path (cadm.selectors.facts.patient_facts) builds model instances for every
row, which is most of the cost of re-evaluating a cohort. The rules read a few columns, so
rows here are plain tuples with attribute access (a named tuple per model): `to_fact` of each
section reads them as it reads an instance. Only current rows are read (not entered in
error), in the order the per-patient path sorts them: by day, then in the order entered.
"""

from __future__ import annotations

import json
from collections import defaultdict, namedtuple
from functools import cache, lru_cache

from django.db.models import JSONField, TextField
from django.db.models.functions import Cast

from cadm.models import Patient, RecordStatus, Visit
from cadm.panels import cohort_fact_values
from cadm.rules import facts as rf
from cadm.sections import all_sections

from .facts import facts_of, visit_fact

# Columns no `to_fact` reads: the order is the query's, and decoding them (timestamps above
# all) was a large part of a chunk's time. A to_fact that needs one fails loudly (AttributeError).
UNREAD = frozenset({"public_id", "created_at", "status", "status_reason", "recorded_by_id",
                    "visit_id", "clinician_id", "notes", "note"})


@cache
def _row_type(model) -> tuple[type, tuple]:
    """The row's named tuple, and what to select: JSON columns as their text (_json)."""
    fields = [f for f in model._meta.concrete_fields if f.attname not in UNREAD]
    selected = tuple(Cast(f.attname, TextField()) if isinstance(f, JSONField) else f.attname
                     for f in fields)
    return namedtuple(f"{model.__name__}Row", [f.attname for f in fields]), selected


@lru_cache(maxsize=4096)
def _json(text: str | None):
    """A JSON column's value, decoded once per distinct text: the columns the rules read are
    lists of codes (skin signs, symptoms, findings) that repeat across thousands of rows, and
    decoding each row's was a tenth of a chunk's time. Lists come back as frozensets, as every
    `to_fact` reads them (a shared value must not be mutable)."""
    if text is None:
        return None
    value = json.loads(text)
    return frozenset(value) if isinstance(value, list) else value


def _rows(model, ids: list[int], day: str):
    """The current rows of these patients, oldest first and within a day as entered."""
    row_type, selected = _row_type(model)
    decoded = [i for i, column in enumerate(selected) if not isinstance(column, str)]
    query = (model.objects.filter(patient_id__in=ids)
             .exclude(status=RecordStatus.ENTERED_IN_ERROR)
             .order_by("patient_id", day, "created_at", "-id").values_list(*selected))
    if not decoded:
        return map(row_type._make, query)
    return (row_type._make([_json(v) if i in decoded else v for i, v in enumerate(values)])
            for values in query)


def cohort_facts(patients: list[Patient]) -> dict[int, rf.PatientFacts]:
    """{patient id: facts} for these patients (model instances, already read)."""
    ids = [p.pk for p in patients]
    visits: dict[int, list] = defaultdict(list)
    for row in _rows(Visit, ids, "visit_on"):
        visits[row.patient_id].append(visit_fact(row))
    rows: dict[int, dict[str, list]] = {pk: defaultdict(list) for pk in ids}
    for section in all_sections():
        if section.facts_key:
            for row in _rows(section.model, ids, "observed_on"):
                rows[row.patient_id][section.facts_key].append(section.to_fact(row))
    values = cohort_fact_values(patients)
    return {p.pk: facts_of(p, values[p.pk], tuple(visits[p.pk]), rows[p.pk])
            for p in patients}
