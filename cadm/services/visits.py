from __future__ import annotations

from datetime import date

from django.db import transaction

from cadm.exceptions import require
from cadm.models import Patient, Visit
from cadm.permissions import Perm
from cadm.rules.vocabulary import VISIT_PARTS
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


def visit_parts(data: dict) -> list[str]:
    """The parts examined: those declared, and any part with a finding or a value (a symptom
    cannot be recorded without reviewing symptoms). In the order of VISIT_PARTS."""
    parts = set(data.get("assessed") or ())
    found = {"skin": data.get("skin"),
             "strength": data.get("weakness") or data.get("mmt8") is not None,
             "symptoms": data.get("symptoms"), "weight": data.get("weight_kg") is not None}
    parts |= {part for part, present in found.items() if present}
    return [code for code, _ in VISIT_PARTS if code in parts]


@transaction.atomic
def visit_record(*, actor, patient: Patient, visit_data: dict, rows: ResultRows,
                 evaluate: bool = True) -> Visit:
    """Record a visit and the results of that day, all or nothing.

    A dermatologist's visit holds skin findings only (the form offers nothing else); the
    permission check here keeps it so when the service is called from elsewhere: examining
    more than the skin needs the right to record a full visit.
    """
    visit_data = {**visit_data, "assessed": visit_parts(visit_data)}
    clinical = set(visit_data["assessed"]) - {"skin"}
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
