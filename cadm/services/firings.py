"""What each rule-set version fired, for whom, over which span: one RuleFiring row per
(version, rule code, patient), written by every stored evaluation.

Why a row of its own: a live flag carries the version of its latest evaluation, so when the
next version takes over the flags, a count read from them would shrink the metrics of the
version that fired them first. A firing row is never re-stamped.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import reduce
from operator import or_

from django.db.models import DateField, DateTimeField, Q, Value
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
    firings_record_many(fired={patient.pk: [flag.code for flag in evaluation.flags]},
                        ruleset=ruleset, as_of=evaluation.as_of, now=now)


def firings_record_many(*, fired: dict[int, list[str]], ruleset: RuleSetVersion,
                        as_of: date, now: datetime) -> None:
    """firings_record for a chunk of patients ({patient id: codes fired}) in two queries:
    one insert of the missing rows, one update that widens the spans of the pairs fired."""
    pairs = {pid: sorted(set(codes)) for pid, codes in fired.items() if codes}
    if not pairs:
        return
    RuleFiring.objects.bulk_create(
        [RuleFiring(ruleset=ruleset, code=code, patient_id=pid, first_at=now, last_at=now,
                    first_as_of=as_of, last_as_of=as_of)
         for pid, codes in pairs.items() for code in codes],
        ignore_conflicts=True)
    fired_pairs = reduce(or_, (Q(patient_id=pid, code__in=codes) for pid, codes in pairs.items()))
    at, day = Value(now, output_field=DateTimeField()), Value(as_of, output_field=DateField())
    RuleFiring.objects.filter(fired_pairs, ruleset=ruleset).update(
        last_at=Greatest("last_at", at), first_as_of=Least("first_as_of", day),
        last_as_of=Greatest("last_as_of", day))
