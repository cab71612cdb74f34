"""Re-evaluate a chunk of the cohort: the path of the daily sweep, of a rule-set activation
and of the impact preview (cadm/services/cohort.py, rulesets.py, preview.py).

Per patient, `patient_reevaluate` reads each kind of row into model instances, re-reads the
rule set, the live flags and the screening plan, and writes every firing: about 24 queries a
patient, most of the time spent outside the rules. Here a chunk costs a fixed number of
queries whatever its size:

- the chunk's patients are locked first (in id order, so two chunks or a clinician's write
  cannot deadlock): a write committed while the chunk runs is evaluated again by its own
  after-commit evaluation once the chunk commits, never overwritten by older facts;
- facts: one query per kind of row (cadm.selectors.cohort_facts);
- the rules: pure, per patient, with the rule set the caller read once;
- flags: the live flags of the chunk in one query; a patient whose flags would not change
  (`flags_in_line`) costs nothing more, the others go through `flags_reconcile`, the one
  way flags are written, in a savepoint;
- firings: two queries for the chunk; the after-evaluation hooks (the screening plan) in
  their batch form, which writes only the plans that change.

A patient whose evaluation fails is reported with its error and the others go on, as on the
per-patient path. The results are those of `patient_reevaluate` for each patient (tested
side by side in tests/cadm/services/test_cohort_evaluation.py).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from cadm.models import Flag, Patient, RuleSetVersion
from cadm.panels import after_evaluation_batch_hooks, after_evaluation_hooks
from cadm.rules.engine import evaluate
from cadm.rules.outcomes import Evaluation
from cadm.selectors.cohort_facts import cohort_facts

from .evaluation import compared_evaluation
from .firings import firings_record_many
from .flags import ReconcileResult, flags_in_line, flags_reconcile

logger = logging.getLogger(__name__)


@dataclass
class ChunkOutcome:
    """Per patient id: what was reconciled, the evaluation, the comparison with `other`
    (None when not asked or failed), or the error that stopped it."""

    results: dict[int, ReconcileResult] = field(default_factory=dict)
    evaluations: dict[int, Evaluation] = field(default_factory=dict)
    compared: dict[int, Evaluation | None] = field(default_factory=dict)
    errors: dict[int, Exception] = field(default_factory=dict)


def _evaluate(facts, ruleset: RuleSetVersion, as_of: date) -> Evaluation:
    return evaluate(facts, ruleset.params, as_of, version=ruleset.number, validated=True)


def _live_flags(ids: list[int]) -> dict[int, list[Flag]]:
    live: dict[int, list[Flag]] = defaultdict(list)
    for flag in Flag.objects.filter(patient_id__in=ids).exclude(state=Flag.State.RESOLVED):
        live[flag.patient_id].append(flag)
    return live


def cohort_evaluate(ids: list[int], *, as_of: date, ruleset: RuleSetVersion) -> ChunkOutcome:
    """What the rules say of these patients, storing nothing (the preview)."""
    outcome = ChunkOutcome()
    patients = list(Patient.objects.filter(pk__in=ids).order_by("pk"))
    for pk, facts in cohort_facts(patients).items():
        try:
            outcome.evaluations[pk] = _evaluate(facts, ruleset, as_of)
        except Exception as exc:  # noqa: BLE001 - reported per patient; the others go on
            logger.exception("Evaluation failed for patient id %s", pk)
            outcome.errors[pk] = exc
    return outcome


@transaction.atomic
def cohort_reevaluate(ids: list[int], *, as_of: date, ruleset: RuleSetVersion,
                      other: RuleSetVersion | None = None) -> ChunkOutcome:
    """Evaluate these patients and reconcile their stored flags, firings and screening
    plans; idempotent for the same data and day. `other`: also evaluate the same facts with
    that version, unstored (an activation's comparison with the version it replaced)."""
    outcome = ChunkOutcome()
    patients = list(Patient.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    facts = cohort_facts(patients)
    live = _live_flags(ids)
    stored: list[tuple[Patient, Evaluation]] = []
    for patient in patients:
        pk = patient.pk
        try:
            evaluation = _evaluate(facts[pk], ruleset, as_of)
            if flags_in_line(live[pk], evaluation, ruleset):
                result = ReconcileResult()
            else:
                with transaction.atomic():  # a savepoint: one failure leaves the others
                    result = flags_reconcile(patient=patient, evaluation=evaluation,
                                             ruleset=ruleset, firings=False, live=live[pk])
        except Exception as exc:  # noqa: BLE001 - reported per patient; the others go on
            logger.exception("Re-evaluation failed for patient id %s", pk)
            outcome.errors[pk] = exc
            continue
        outcome.results[pk], outcome.evaluations[pk] = result, evaluation
        if other is not None:
            outcome.compared[pk] = compared_evaluation(facts[pk], as_of, other)
        stored.append((patient, evaluation))
    firings_record_many(fired={p.pk: [f.code for f in e.flags] for p, e in stored},
                        ruleset=ruleset, as_of=as_of, now=timezone.now())
    _after_evaluation(stored, ruleset, outcome, facts)
    return outcome


def _after_evaluation(stored: list[tuple[Patient, Evaluation]], ruleset: RuleSetVersion,
                      outcome: ChunkOutcome, facts: dict) -> None:
    """The hooks in their batch form; if one fails, each patient again on its own, so that
    only the patient at fault is reported."""
    try:
        with transaction.atomic():
            for batch in after_evaluation_batch_hooks():
                batch(pairs=stored, ruleset=ruleset, facts=facts)
        return
    except Exception:  # noqa: BLE001 - retried patient by patient below
        logger.warning("A batch after-evaluation hook failed; retrying patient by patient")
    for patient, evaluation in stored:
        try:
            with transaction.atomic():
                for hook in after_evaluation_hooks():
                    hook(patient=patient, evaluation=evaluation, ruleset=ruleset,
                         facts=facts[patient.pk])
        except Exception as exc:  # noqa: BLE001 - reported per patient; the others go on
            logger.exception("After-evaluation hook failed for patient id %s", patient.pk)
            outcome.errors[patient.pk] = exc
            outcome.results.pop(patient.pk, None)
