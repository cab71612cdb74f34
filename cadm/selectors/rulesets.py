"""Reads for rule-set versions: the active one, lists, diffs, history, their jobs."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from django.core.management.base import CommandError
from django.db.models import QuerySet

from cadm.inputs.base import Context
from cadm.models import AuditEvent, JobRun, RuleSetVersion
from cadm.rules.params import SPECS, ParamSpec

from .compiled import Compiled

PREVIEW_KIND = "ruleset-preview"
ACTIVATE_KIND = "ruleset-activate"


def ruleset_active() -> RuleSetVersion:
    """The version the rules run with. NoActiveRuleSet (a DomainError, shown as a 503 page by
    cadm/middleware_rulesets.py) when none is active: SQLite cannot keep one active at commit
    as PostgreSQL does (migration 0014)."""
    from cadm.exceptions import NoActiveRuleSet

    found = _ACTIVE()
    if not found:
        raise NoActiveRuleSet
    if len(found) > 1:  # SQLite's window: two committed as active at once (as `get` says)
        raise RuleSetVersion.MultipleObjectsReturned("more than one active rule set")
    return found[0]


# Read on every page: compiled once (cadm.selectors.compiled).
_ACTIVE = Compiled(lambda: RuleSetVersion.objects.filter(state=RuleSetVersion.State.ACTIVE),
                   takes_argument=False)


def ruleset_context(*, today: date) -> Context:
    """A parser's context (cadm.inputs) with the active rule set's parameters, for the checks
    that are rule-set data (a snooze's longest length). NoActiveRuleSet when none is active."""
    ruleset = ruleset_active()
    return Context(today=today, rule_params=ruleset.params, rule_set=ruleset.number)


def ruleset_get(*, active: bool = False, number: int | None = None) -> RuleSetVersion:
    """For commands: the active version, or version `number`, with a clear error if absent."""
    from cadm.exceptions import NoActiveRuleSet

    try:
        if active:
            return ruleset_active()
        return RuleSetVersion.objects.get(number=number)
    except (RuleSetVersion.DoesNotExist, NoActiveRuleSet):
        what = "active rule-set version" if active else f"rule-set version {number}"
        raise CommandError(f"There is no {what} in the database (run migrate).") from None


def ruleset_list() -> QuerySet[RuleSetVersion]:
    """Every version, newest first, with the people named on the list (no N+1)."""
    return RuleSetVersion.objects.select_related("author", "approver", "rejected_by",
                                                 "based_on").order_by("-number")


def ruleset_previous() -> RuleSetVersion | None:
    """The version retired most recently: the one the active version replaced."""
    return (RuleSetVersion.objects.filter(state=RuleSetVersion.State.RETIRED)
            .order_by("-retired_at", "-number").first())


def params_digest(params: dict) -> str:
    """A short fingerprint of a parameter set: tells a preview that its draft has changed."""
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ParamRow:
    spec: ParamSpec
    value: object
    other: object  # the value in the version compared against (None: absent or no version)

    @property
    def changed(self) -> bool:
        return self.other is not None and self.value != self.other

    @property
    def pending_validation(self) -> bool:
        return self.spec.evidence == "UNVERIFIED"


@dataclass(frozen=True)
class RuleGroup:
    rule: str
    rows: list[ParamRow]

    @property
    def changed(self) -> list[ParamRow]:
        return [row for row in self.rows if row.changed]


def ruleset_param_groups(version: RuleSetVersion,
                         against: RuleSetVersion | None = None) -> list[RuleGroup]:
    """Every parameter, grouped by the rule it belongs to (schema order), beside its value in
    `against` (usually the active version): the diff is the rows that changed."""
    groups: dict[str, list[ParamRow]] = {}
    other = against.params if against else {}
    for spec in SPECS:
        groups.setdefault(spec.rule, []).append(
            ParamRow(spec, version.params.get(spec.key), other.get(spec.key)))
    return [RuleGroup(rule, rows) for rule, rows in groups.items()]


def ruleset_diff(version: RuleSetVersion, against: RuleSetVersion) -> list[RuleGroup]:
    """Only the rules with a changed parameter, and only those parameters."""
    groups = ruleset_param_groups(version, against)
    return [RuleGroup(g.rule, g.changed) for g in groups if g.changed]


def ruleset_history(version: RuleSetVersion) -> QuerySet[AuditEvent]:
    """Who did what to this version, oldest first (audit rows: ids and values, no patient)."""
    return (AuditEvent.objects.filter(target_type=RuleSetVersion._meta.label_lower,
                                      target_id=str(version.pk))
            .select_related("actor").order_by("at", "pk"))


def ruleset_jobs(version: RuleSetVersion, kind: str) -> QuerySet[JobRun]:
    """The version's preview or activation jobs, newest first."""
    return (JobRun.objects.filter(kind=kind, params__ruleset=version.number)
            .select_related("created_by").order_by("-created_at", "-pk"))


def ruleset_job_get(job_id: int) -> JobRun:
    return JobRun.objects.get(pk=job_id, kind__in=(PREVIEW_KIND, ACTIVATE_KIND))
