from __future__ import annotations

from django.core.management.base import CommandError

from cadm.models import RuleSetVersion


def ruleset_active() -> RuleSetVersion:
    return RuleSetVersion.objects.get(state=RuleSetVersion.State.ACTIVE)


def ruleset_get(*, active: bool = False, number: int | None = None) -> RuleSetVersion:
    """For commands: the active version, or version `number`, with a clear error if absent."""
    try:
        if active:
            return ruleset_active()
        return RuleSetVersion.objects.get(number=number)
    except RuleSetVersion.DoesNotExist:
        what = "an active rule-set version" if active else f"rule-set version {number}"
        raise CommandError(f"There is no {what} in the database (run migrate).") from None
