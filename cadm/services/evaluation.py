"""The evaluation shell: load a patient's facts, run the pure engine with the active rule
set, reconcile the stored flags. A fixed number of queries whatever the history length."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date

from django.db import transaction
from django.utils import timezone

from cadm.models import Patient, RuleSetVersion, Visit
from cadm.panels import after_evaluation_hooks, patient_fact_values
from cadm.rules import facts as rf
from cadm.rules.engine import evaluate
from cadm.rules.outcomes import Evaluation
from cadm.sections import all_sections
from cadm.selectors.records import PatientRecords, patient_records
from cadm.selectors.rulesets import ruleset_active

from .flags import ReconcileResult, flags_reconcile

logger = logging.getLogger(__name__)


def _visit_fact(v: Visit) -> rf.VisitFact:
    return rf.VisitFact(v.visit_on, None if v.weight_kg is None else float(v.weight_kg),
                        frozenset(v.skin), frozenset(v.weakness), frozenset(v.symptoms), v.mmt8,
                        frozenset(v.assessed))


def patient_facts(patient: Patient, records: PatientRecords | None = None) -> rf.PatientFacts:
    """One query for visits and one per kind of result (none if `records` are given)."""
    records = records or patient_records(patient)
    rows: dict[str, list] = defaultdict(list)
    for section in all_sections():
        if section.facts_key:
            # In the order entered within a day, so that "the latest" is the last entered.
            ordered = sorted(records.current(section.key),
                             key=lambda r: (r.observed_on, r.created_at))
            rows[section.facts_key].extend(section.to_fact(r) for r in ordered)
    info = rf.PatientInfo(
        sex=patient.sex, birth_date=patient.birth_date,
        skin_onset_date=patient.skin_onset_date, diagnosis_date=patient.diagnosis_date,
        recorded_subtype=patient.recorded_subtype or None,
        refractory_disease=patient.refractory_disease,
        high_npc_risk_region=patient.high_npc_risk_region,
        **patient_fact_values(patient),
    )
    # Oldest first, and within a day in the order entered: the latest visit is the last.
    visits = tuple(_visit_fact(v) for v in sorted(records.current_visits(),
                                                  key=lambda v: (v.visit_on, v.created_at)))
    return rf.PatientFacts(patient=info, visits=visits,
                           **{key: tuple(values) for key, values in rows.items()})


def patient_evaluation(patient: Patient, *, as_of: date,
                       ruleset: RuleSetVersion | None = None,
                       records: PatientRecords | None = None) -> Evaluation:
    """What the rules say, without storing anything (pages, previews)."""
    ruleset = ruleset or ruleset_active()
    return evaluate(patient_facts(patient, records), ruleset.params, as_of,
                    version=ruleset.number, validated=True)


@transaction.atomic
def patient_reevaluate(patient_id: int, *, as_of: date | None = None,
                       ruleset: RuleSetVersion | None = None) -> ReconcileResult:
    """Evaluate and reconcile the stored flags; idempotent for the same data and day."""
    patient = Patient.objects.select_for_update().get(pk=patient_id)
    ruleset = ruleset or ruleset_active()
    as_of = as_of or timezone.localdate()
    evaluation = patient_evaluation(patient, as_of=as_of, ruleset=ruleset)
    result = flags_reconcile(patient=patient, evaluation=evaluation, ruleset=ruleset)
    for hook in after_evaluation_hooks():  # e.g. the screening plan follows the tier
        hook(patient=patient, evaluation=evaluation, ruleset=ruleset)
    return result


def evaluation_after_commit(patient: Patient) -> None:
    """Re-evaluate once the write has committed, in the same request, so the clinician sees
    the result at once. A failure here must not undo or hide the saved data: it is logged
    (by id only) and the daily sweep evaluates the patient again."""
    patient_id = patient.pk

    def run() -> None:
        try:
            patient_reevaluate(patient_id)
        except Exception:  # noqa: BLE001 - see docstring
            logger.exception("Evaluation failed for patient id %s", patient_id)

    transaction.on_commit(run)
