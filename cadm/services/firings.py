"""What each rule-set version fired, for whom, over which span: one RuleFiring row per
(version, rule code, patient), written by every stored evaluation.

Why a row of its own: a live flag carries the version of its latest evaluation, so when the
next version takes over the flags, a count read from them would shrink the metrics of the
version that fired them first. A firing row is never re-stamped.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import DateField, DateTimeField, Value
from django.db.models.functions import Greatest, Least

from cadm.models import Patient, RuleFiring, RuleSetVersion
from cadm.rules.outcomes import Evaluation


def firings_record(*, patient: Patient, evaluation: Evaluation, ruleset: RuleSetVersion,
                   now: datetime) -> None:
    """Record that `ruleset` fired each rule of `evaluation` for `patient`.

    Two queries whatever the number of rules: one insert that skips the (version, code,
    patient) rows already there, one update that widens every row's span to this evaluation.
    Greatest/Least rather than plain assignment: a job resumed or retried late may store an
    evaluation dated before one already recorded, and must not move a span's end backwards.
    """
    codes = sorted({flag.code for flag in evaluation.flags})
    if not codes:
        return
    as_of = evaluation.as_of
    RuleFiring.objects.bulk_create(
        [RuleFiring(ruleset=ruleset, code=code, patient=patient, first_at=now, last_at=now,
                    first_as_of=as_of, last_as_of=as_of) for code in codes],
        ignore_conflicts=True)
    at, day = Value(now, output_field=DateTimeField()), Value(as_of, output_field=DateField())
    RuleFiring.objects.filter(ruleset=ruleset, patient=patient, code__in=codes).update(
        last_at=Greatest("last_at", at), first_as_of=Least("first_as_of", day),
        last_as_of=Greatest("last_as_of", day))
