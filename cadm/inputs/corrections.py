"""Marking a record entered in error: the reason, which the timeline shows beside the struck
row for every later reader. Whether the row may be marked (its patient, its state, the actor's
right) is the services' (cadm.services.corrections, visit_mark_entered_in_error)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .base import Collector, Context
from .notes import note

# The stored column (ClinicalRecord.status_reason, Visit.status_reason) holds 300 characters;
# a longer reason is refused rather than cut, so what the reader sees is what was written.
REASON_MAX = 300
# What a reason says, per thing marked, in the words the pages and the API used before.
EXAMPLES = {"result": "wrong patient, typo", "visit": "wrong patient, recorded twice"}


@dataclass(frozen=True)
class EnteredInErrorInput:
    reason: str

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context | None = None,
              what: str = "result") -> EnteredInErrorInput:
        """The reason required (blank after trimming counts as none), text of at most 300
        characters. `what`: "result" or "visit", for the words of the refusal."""
        p = Collector()
        value = raw.get("reason")
        if value is None or (isinstance(value, str) and not value.strip()):
            p.add("reason", f"Reason: say why the {what} is wrong (e.g. {EXAMPLES[what]}).",
                  "required")
        else:
            value = note(p, "reason", value, label="Reason", max_length=REASON_MAX,
                         required=True)
        p.done()
        return cls(reason=value)
