from __future__ import annotations

from datetime import date

from django.db import transaction

from cadm.exceptions import require
from cadm.models import Patient, Visit
from cadm.permissions import Perm
from cadm.sections import ResultSection

from .audit import audit_record
from .evaluation import evaluation_after_commit

ResultRows = list[tuple[ResultSection, dict]]


def _add_results(*, actor, patient: Patient, observed_on: date, rows: ResultRows,
                 visit: Visit | None) -> list:
    created = []
    for section, fields in rows:
        require(actor, section.permission)
        record = section.model(patient=patient, visit=visit, recorded_by=actor,
                               **{"observed_on": observed_on, **fields})
        record._history_user = actor
        record.full_clean()
        record.save()
        created.append(record)
    return created


@transaction.atomic
def visit_record(*, actor, patient: Patient, visit_data: dict, rows: ResultRows,
                 evaluate: bool = True) -> Visit:
    """Record a visit and the results of that day, all or nothing.

    A dermatologist's visit holds skin findings only (the form offers nothing else); the
    permission check here keeps it so when the service is called from elsewhere.
    """
    clinical = {k for k in ("weight_kg", "weakness", "mmt8", "symptoms")
                if visit_data.get(k) not in (None, "", [])}
    require(actor, Perm.VISIT_RECORD if clinical else Perm.SKIN_RECORD)
    visit = Visit(patient=patient, clinician=actor, **visit_data)
    visit._history_user = actor
    visit.full_clean()
    visit.save()
    created = _add_results(actor=actor, patient=patient, observed_on=visit.visit_on,
                           rows=rows, visit=visit)
    audit_record(actor=actor, action="visit.record", target=visit, patient=patient,
                 detail={"results": [r._meta.model_name for r in created]})
    if evaluate:
        evaluation_after_commit(patient)
    return visit


@transaction.atomic
def results_add(*, actor, patient: Patient, observed_on: date, rows: ResultRows,
                evaluate: bool = True) -> list:
    """Results that arrive between visits (a lab report, a PFT, a scan).

    `evaluate=False` is for callers that write many rows and evaluate once at the end."""
    created = _add_results(actor=actor, patient=patient, observed_on=observed_on, rows=rows,
                           visit=None)
    audit_record(actor=actor, action="results.add", target=patient, patient=patient,
                 detail={"results": [r._meta.model_name for r in created]})
    if evaluate:
        evaluation_after_commit(patient)
    return created
