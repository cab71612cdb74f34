"""A reviewer's action on a flag (DESIGN §6): acknowledge, dismiss with an HL7 CDS Hooks
override reason, snooze until a day, comment. A suggested reclassification (the RECLASSIFY
flag) is decided with the same values: accepting it takes an `AcknowledgeInput` (an optional
comment), rejecting it a `DismissInput` (a reason and a comment, as a dismissal).

What needs the stored flag stays the services' (cadm.services.flags): a resolved flag takes no
action, and the snooze's longest length is the active rule set's for the flag's severity; the
parser applies that limit too when the door puts the rule set and the severity in hand, so a
page and the API refuse a far date on the field, before any service runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from django import forms

from cadm.models import OverrideReason

from .base import Collector, Context, coerce_field
from .notes import note

# FlagAction.comment is a TextField: the bound is the pages' (a note for the next clinician,
# not a report), kept the same at every door.
COMMENT_MAX = 2000
LABELS = {"comment": "Comment", "reason": "Reason", "until": "Snooze until",
          "snooze_comment": "Reason"}


def snooze_refusal(until: date, *, today: date, severity: str,
                   rule_params: Mapping[str, object], rule_set: int | None) -> str | None:
    """The refusal of a snooze end, or None. A snooze ends from tomorrow up to the rule set's
    `snooze.max_days.<severity>` days ahead (issue 9, item 9: a snooze cannot silence a
    critical flag indefinitely). None too when the rule set gives no limit for the severity."""
    longest = rule_params.get(f"snooze.max_days.{severity}")
    if longest is None:
        return None
    first, last = today + timedelta(days=1), today + timedelta(days=int(longest))
    if first <= until <= last:
        return None
    version = f", rule set v{rule_set}" if rule_set is not None else ""
    return (f"{LABELS['until']}: {until.isoformat()} is outside the accepted range for a "
            f"{severity} flag: {first.isoformat()} to {last.isoformat()} (at most {longest} "
            f"days{version}).")


def _comment(p: Collector, raw: Mapping, *, required: bool, label: str = LABELS["comment"]
             ) -> str:
    return note(p, "comment", raw.get("comment"), label=label, max_length=COMMENT_MAX,
                required=required)


@dataclass(frozen=True)
class AcknowledgeInput:
    """Seen, being handled; the comment is optional. Also the acceptance of a suggested
    reclassification."""

    comment: str = ""

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context | None = None) -> AcknowledgeInput:
        p = Collector()
        comment = _comment(p, raw, required=False)
        p.done()
        return cls(comment=comment)


@dataclass(frozen=True)
class DismissInput:
    """Quiet until the evidence changes: an HL7 override reason and a comment, both required
    (the next clinician reads why). Also the rejection of a suggested reclassification."""

    reason: str
    comment: str

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context | None = None) -> DismissInput:
        p = Collector()
        field = forms.ChoiceField(choices=OverrideReason.choices, label=LABELS["reason"])
        reason = coerce_field(p, "reason", field, raw.get("reason"), label=LABELS["reason"])
        comment = _comment(p, raw, required=True)
        p.done()
        return cls(reason=reason, comment=comment)


@dataclass(frozen=True)
class SnoozeInput:
    """Quiet until a day, with the reason (the form's field `comment`, labelled "Reason")."""

    until: date
    comment: str

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context, severity: str | None = None
              ) -> SnoozeInput:
        """The day a date, from tomorrow up to the rule set's longest snooze for `severity`
        (when the context carries the rule set and the severity is given; the service applies
        the active version's limit anyway); the reason required."""
        p = Collector()
        field = forms.DateField(label=LABELS["until"])
        until = coerce_field(p, "until", field, raw.get("until"), label=LABELS["until"])
        comment = _comment(p, raw, required=True, label=LABELS["snooze_comment"])
        if until is not None and severity:
            refusal = snooze_refusal(until, today=context.today, severity=severity,
                                     rule_params=context.rule_params,
                                     rule_set=context.rule_set)
            if refusal:
                p.add("until", refusal, "out_of_range")
        p.done()
        return cls(until=until, comment=comment)


@dataclass(frozen=True)
class CommentInput:
    """A note added to the flag's history; the flag's state does not change."""

    comment: str

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context | None = None) -> CommentInput:
        p = Collector()
        comment = _comment(p, raw, required=True)
        p.done()
        return cls(comment=comment)
