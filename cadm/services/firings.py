"""What each rule-set version fired, for whom, over which span: one RuleFiring row per
(version, rule code, patient), written by every stored evaluation.

Why a row of its own: a live flag carries the version of its latest evaluation, so when the
next version takes over the flags, a count read from them would shrink the metrics of the
version that fired them first. A firing row is never re-stamped.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from functools import reduce
from operator import or_

from django.db.models import DateField, DateTimeField, Q, Value
from django.db.models.functions import Greatest, Least

from cadm.models import Patient, RuleFiring, RuleSetVersion
from cadm.rules.outcomes import Evaluation


def firings_record(*, patient: Patient, evaluation: Evaluation, ruleset: RuleSetVersion,
                   now: datetime) -> None:
    """Record that `ruleset` fired each rule of `evaluation` for `patient`.

    At most three queries whatever the number of rules (see firings_record_many).
    Greatest/Least rather than plain assignment: a job resumed or retried late may store an
    evaluation dated before one already recorded, and must not move a span's end backwards.
    """
    firings_record_many(fired={patient.pk: [flag.code for flag in evaluation.flags]},
                        ruleset=ruleset, as_of=evaluation.as_of, now=now)


def firings_record_many(*, fired: dict[int, list[str]], ruleset: RuleSetVersion,
                        as_of: date, now: datetime) -> None:
    """firings_record for a chunk of patients ({patient id: codes fired}): one read of the
    chunk's rows, then an insert of the missing ones and one update of the spans this
    evaluation widens; a chunk whose spans already hold it (a re-run the same day) writes
    nothing.

    `last_at` is kept to the day: the metrics count firings over whole UTC days
    (cadm.selectors.metrics.Window), so moving it within the day it already names would
    change no figure and cost an update of every fired row on every run.
    """
    pairs = {pid: set(codes) for pid, codes in fired.items() if codes}
    if not pairs:
        return
    today = now.astimezone(UTC).date()
    held = set()
    stale: dict[str, list[int]] = defaultdict(list)
    for pid, code, last_at, first_as_of, last_as_of in (
            RuleFiring.objects.filter(ruleset=ruleset, patient_id__in=list(pairs))
            .values_list("patient_id", "code", "last_at", "first_as_of", "last_as_of")):
        if code not in pairs[pid]:
            continue
        held.add((pid, code))
        if last_at.astimezone(UTC).date() < today or not first_as_of <= as_of <= last_as_of:
            stale[code].append(pid)
    missing = [RuleFiring(ruleset=ruleset, code=code, patient_id=pid, first_at=now,
                          last_at=now, first_as_of=as_of, last_as_of=as_of)
               for pid, codes in pairs.items() for code in sorted(codes)
               if (pid, code) not in held]
    if missing:  # ignore_conflicts: another evaluation of the patient may have just written it
        RuleFiring.objects.bulk_create(missing, ignore_conflicts=True)
    if stale:
        at, day = Value(now, output_field=DateTimeField()), Value(as_of, output_field=DateField())
        RuleFiring.objects.filter(
            reduce(or_, (Q(code=code, patient_id__in=ids) for code, ids in stale.items())),
            ruleset=ruleset,
        ).update(last_at=Greatest("last_at", at), first_as_of=Least("first_as_of", day),
                 last_as_of=Greatest("last_as_of", day))
