"""The evaluation shell: load a patient's facts, run the pure engine with the active rule
set, reconcile the stored flags. A fixed number of queries whatever the history length."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone

from cadm.models import Patient, RuleSetVersion
from cadm.panels import after_evaluation_hooks
from cadm.rules.engine import evaluate
from cadm.rules.facts import PatientFacts
from cadm.rules.outcomes import Evaluation
from cadm.selectors.facts import patient_facts
from cadm.selectors.records import PatientRecords
from cadm.selectors.rulesets import ruleset_active

from .flags import ReconcileResult, flags_reconcile

logger = logging.getLogger(__name__)


def patient_evaluation(patient: Patient, *, as_of: date,
                       ruleset: RuleSetVersion | None = None,
                       records: PatientRecords | None = None,
                       facts: PatientFacts | None = None) -> Evaluation:
    """What the rules say, without storing anything (pages, previews). `facts`: the
    patient's, when the caller has read them already (the patient page shares them with
    its panels)."""
    ruleset = ruleset or ruleset_active()
    return evaluate(facts or patient_facts(patient, records), ruleset.params, as_of,
                    version=ruleset.number, validated=True)


@transaction.atomic
def patient_reevaluate(patient_id: int, *, as_of: date | None = None,
                       ruleset: RuleSetVersion | None = None) -> ReconcileResult:
    """Evaluate and reconcile the stored flags; idempotent for the same data and day."""
    return patient_reevaluate_compared(patient_id, as_of=as_of, ruleset=ruleset)[0]


@transaction.atomic
def patient_reevaluate_compared(patient_id: int, *, as_of: date | None = None,
                                ruleset: RuleSetVersion | None = None,
                                other: RuleSetVersion | None = None
                                ) -> tuple[ReconcileResult, Evaluation, Evaluation | None]:
    """patient_reevaluate, and what `other` (e.g. the version an activation replaced) says
    of the same facts on the same day, without storing it: a like-with-like comparison
    (None when `other` is None or could not evaluate the facts)."""
    patient = Patient.objects.select_for_update().get(pk=patient_id)
    ruleset = ruleset or ruleset_active()
    as_of = as_of or timezone.localdate()
    facts = patient_facts(patient)
    evaluation = evaluate(facts, ruleset.params, as_of, version=ruleset.number, validated=True)
    result = flags_reconcile(patient=patient, evaluation=evaluation, ruleset=ruleset)
    for hook in after_evaluation_hooks():  # e.g. the screening plan follows the tier
        hook(patient=patient, evaluation=evaluation, ruleset=ruleset, facts=facts)
    return result, evaluation, compared_evaluation(facts, as_of, other)


def compared_evaluation(facts, as_of: date, other: RuleSetVersion | None) -> Evaluation | None:
    """The comparison feeds the alarms only: its failure must not undo the stored update."""
    if other is None:
        return None
    try:
        return evaluate(facts, other.params, as_of, version=other.number, validated=True)
    except Exception:  # noqa: BLE001 - logged by id; the job counts the patient as uncompared
        logger.exception("Comparison with v%s failed for a patient", other.number)
        return None


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
