"""Rule metrics per rule-set version and rule code, from Flag and FlagAction rows; the alarm
that compares the active version with the one it replaced. Counts only, no patient.

Definitions (shown on the pages too):
- firings: flags opened or reopened under the version (FlagAction opened/reopened whose
  `ruleset` is the version);
- acknowledgements, dismissals (by HL7 override reason): review actions on flags that the
  version had produced at the time (FlagAction.ruleset);
- median time to acknowledgement: for the flags opened under the version, from the flag's
  `opened_at` to its first acknowledgement (flags never acknowledged are left out);
- patients: distinct patients for whom the rule fired under the version: opened, reopened or
  updated under it, or a flag that the version still stamps (a flag carried over by the
  activation's re-evaluation is re-stamped without an action).

The alarm compares `patients` (not `firings`): just after an activation, a rule that still
fires has carried its flags over without a new "opened" action, and must not look silent.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Subquery

from cadm.models import Flag, FlagAction, RuleSetVersion

from .rulesets import ruleset_previous

FIRING = (FlagAction.Kind.OPENED, FlagAction.Kind.REOPENED)
SURGE_FACTOR = 3


@dataclass
class RuleMetrics:
    code: str
    firings: int = 0
    acknowledgements: int = 0
    dismissals: dict[str, int] = field(default_factory=dict)
    median_hours_to_ack: float | None = None
    patients: int = 0

    @property
    def dismissal_total(self) -> int:
        return sum(self.dismissals.values())


def _counts(version: RuleSetVersion, kinds) -> dict[str, int]:
    rows = (FlagAction.objects.filter(ruleset=version, kind__in=kinds)
            .values("flag__code").annotate(n=Count("id")).order_by())
    return {row["flag__code"]: row["n"] for row in rows}


def _patients(version: RuleSetVersion) -> dict[str, int]:
    pairs = set(FlagAction.objects.filter(
        ruleset=version, kind__in=(*FIRING, FlagAction.Kind.UPDATED))
        .values_list("flag__code", "flag__patient_id").distinct())
    pairs |= set(Flag.objects.filter(ruleset=version).values_list("code", "patient_id")
                 .distinct())
    counts: dict[str, int] = defaultdict(int)
    for code, _ in pairs:
        counts[code] += 1
    return counts


def _median_hours_to_ack(version: RuleSetVersion) -> dict[str, float]:
    first_ack = (FlagAction.objects.filter(flag=OuterRef("pk"),
                                           kind=FlagAction.Kind.ACKNOWLEDGED)
                 .order_by("at", "pk").values("at")[:1])
    opened = FlagAction.objects.filter(ruleset=version, kind=FlagAction.Kind.OPENED)
    rows = (Flag.objects.filter(pk__in=opened.values("flag_id"))
            .annotate(first_ack=Subquery(first_ack)).filter(first_ack__isnull=False)
            .values_list("code", "opened_at", "first_ack"))
    hours: dict[str, list[float]] = defaultdict(list)
    for code, opened_at, acked_at in rows:
        hours[code].append((acked_at - opened_at).total_seconds() / 3600)
    return {code: statistics.median(values) for code, values in hours.items()}


def rule_metrics(version: RuleSetVersion) -> dict[str, RuleMetrics]:
    """Per rule code (only codes with some activity), in a fixed number of queries."""
    firings = _counts(version, FIRING)
    acks = _counts(version, (FlagAction.Kind.ACKNOWLEDGED,))
    dismissals: dict[str, dict[str, int]] = defaultdict(dict)
    for row in (FlagAction.objects.filter(ruleset=version, kind=FlagAction.Kind.DISMISSED)
                .values("flag__code", "reason").annotate(n=Count("id")).order_by()):
        dismissals[row["flag__code"]][row["reason"]] = row["n"]
    medians, patients = _median_hours_to_ack(version), _patients(version)
    codes = sorted(set(firings) | set(acks) | set(dismissals) | set(patients))
    return {code: RuleMetrics(code, firings.get(code, 0), acks.get(code, 0),
                              dict(sorted(dismissals[code].items())), medians.get(code),
                              patients.get(code, 0))
            for code in codes}


@dataclass(frozen=True)
class RuleAlarm:
    code: str
    kind: str  # "stopped" or "surge"
    before: int
    now: int
    previous: int
    active: int

    @property
    def message(self) -> str:
        if self.kind == "stopped":
            return (f"{self.code} fired for {self.before} patients under v{self.previous} and "
                    f"for none under v{self.active}.")
        return (f"{self.code} fires for {self.now} patients under v{self.active}, more than "
                f"{SURGE_FACTOR}× the {self.before} under v{self.previous}.")


def rule_alarms(active: RuleSetVersion, previous: RuleSetVersion | None = None) -> list[RuleAlarm]:
    """Rules that fired under the previous version and are silent under the active one, or
    fire more than three times as often."""
    previous = previous or ruleset_previous()
    if previous is None:
        return []
    before, now = rule_metrics(previous), rule_metrics(active)
    alarms = []
    for code, old in before.items():
        new = now[code].patients if code in now else 0
        if old.patients and not new:
            kind = "stopped"
        elif old.patients and new > SURGE_FACTOR * old.patients:
            kind = "surge"
        else:
            continue
        alarms.append(RuleAlarm(code, kind, old.patients, new, previous.number, active.number))
    return alarms
