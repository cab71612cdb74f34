"""Keeps each patient's LungStatus (what the lung cohort page lists and orders by) in line with
the patient's evaluation: an after-evaluation hook, per patient and for a chunk of the cohort
(registered in monitoring.apps).

A row is written only when its values change (or it was never evaluated): on a daily sweep
almost none do, since the keys are dates the page compares with its own day
(monitoring.cohort_keys.CohortKeys). Besides the evaluation and its facts, the keys read the
clinicians' judgements of radiological progression (PPF assessments: the rules do not read
them; recording or correcting one evaluates the patient again). The chunk's form costs a
fixed number of queries: two reads, and one write of the new and changed rows if any.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import fields

from cadm.models import Patient, RecordStatus, RuleSetVersion
from cadm.rules.facts import PatientFacts
from cadm.rules.outcomes import Evaluation
from cadm.selectors.cohort_facts import cohort_facts
from cadm.selectors.facts import patient_facts

from .cohort_keys import CohortKeys, cohort_keys
from .models import LungStatus, PpfAssessment

KEYS = tuple(f.name for f in fields(CohortKeys))


def _keys(facts: PatientFacts, evaluation: Evaluation, ruleset: RuleSetVersion,
          radiological: list) -> CohortKeys:
    return cohort_keys(facts, evaluation.lung_schedule, ruleset.params, evaluation.as_of,
                       radiological)


def _radiological(ids: list[int]) -> dict[int, list]:
    """Days of the current judgements of radiological progression, by patient."""
    found: dict[int, list] = defaultdict(list)
    for patient_id, day in (PpfAssessment.objects
                            .filter(patient_id__in=ids, radiological_progression=True)
                            .exclude(status=RecordStatus.ENTERED_IN_ERROR)
                            .order_by().values_list("patient_id", "observed_on")):
        found[patient_id].append(day)
    return found


def keys_of(row: LungStatus) -> CohortKeys:
    return CohortKeys(**{k: getattr(row, k) for k in KEYS})


def _in_line(row: LungStatus, keys: CohortKeys) -> bool:
    # getattr, not asdict: asdict deep-copies, and this runs for every patient of a sweep.
    return row.as_of is not None and all(getattr(row, k) == getattr(keys, k) for k in KEYS)


def _write(row: LungStatus, keys: CohortKeys, as_of) -> None:
    for name in KEYS:
        setattr(row, name, getattr(keys, name))
    row.as_of = as_of


def lung_status_sync(*, patient: Patient, evaluation: Evaluation, ruleset: RuleSetVersion,
                     facts: PatientFacts | None = None) -> None:
    """After one patient's evaluation, inside its transaction (the patient is locked).
    `facts`: those the evaluation read (read again when not given)."""
    keys = _keys(facts or patient_facts(patient), evaluation, ruleset,
                 _radiological([patient.pk])[patient.pk])
    row = LungStatus.objects.filter(patient=patient).first()
    if row is None:
        row = LungStatus(patient=patient)
    elif _in_line(row, keys):
        return
    _write(row, keys, evaluation.as_of)
    row.save()


def lung_statuses_sync(*, pairs: list[tuple[Patient, Evaluation]], ruleset: RuleSetVersion,
                       facts: dict[int, PatientFacts] | None = None) -> None:
    """`lung_status_sync` for a chunk (its patients locked by the caller): the rows that
    change, in bulk. `facts`: by patient id, those the evaluations read."""
    if not pairs:
        return
    if facts is None:
        facts = cohort_facts([patient for patient, _ in pairs])
    ids = [patient.pk for patient, _ in pairs]
    stored = LungStatus.objects.in_bulk(ids)
    radiological = _radiological(ids)
    writes = []
    for patient, evaluation in pairs:
        keys = _keys(facts[patient.pk], evaluation, ruleset, radiological[patient.pk])
        row = stored.get(patient.pk)
        if row is not None and _in_line(row, keys):
            continue
        row = LungStatus(patient=patient)
        _write(row, keys, evaluation.as_of)
        writes.append(row)
    if writes:
        # New and changed rows in one statement (INSERT .. ON CONFLICT DO UPDATE), where an
        # UPDATE of many rows (CASE per row and column) took 2.6 ms a row on 10,000.
        LungStatus.objects.bulk_create(writes, update_conflicts=True, unique_fields=["patient"],
                                       update_fields=["as_of", *KEYS])
