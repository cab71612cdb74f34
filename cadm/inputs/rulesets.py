"""The values of a rule-set version's lifecycle (DESIGN §7): a clone's change note, a draft's
parameters and note, an approval's optional comment, a rejection's required one, and the
confirmation an activation asks for.

Submitting, previewing, cancelling a preview and re-evaluating take no values: what decides
them is the version's state, its author and its stored parameters, which the services check
(cadm.services.rulesets, cadm.services.preview).

The parameters are checked against their schema (cadm.rules.params.validate_params: every key
known and present, numbers within their range and unit, whole numbers where the unit counts,
severities, the cut-offs that must be in order); a problem is keyed `params.<key>`, the path
the API reports. The edit page first turns each field's text into a number with its own form
field (whose range message names the parameter's description), then hands the values here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cadm.forms.messages import shown
from cadm.rules.params import SPEC_BY_KEY, ParamError, check_param, validate_params

from .base import Collector, Context
from .notes import note

NOTE_MAX = 4000
LABELS = {"change_note": "Change note", "comment": "Comment", "params": "Parameters"}
CONFIRM_LABEL = "I have reviewed the differences and the impact preview"
_CONFIRM_ACCEPTED = ("accepted: ticked (true in the API), to confirm the activation; "
                     "activating re-evaluates every patient's flags")
CONFIRM_REQUIRED = f"{CONFIRM_LABEL}: required, the box was not ticked; {_CONFIRM_ACCEPTED}."
REJECT_REASON_REQUIRED = "Say why the version is rejected."
_PARAMS_ACCEPTED = ("accepted: every parameter of the schema, by key, as a version's detail "
                    "lists them")


def _change_note(p: Collector, raw: Mapping) -> str:
    return note(p, "change_note", raw.get("change_note"), label=LABELS["change_note"],
                max_length=NOTE_MAX)


def _comment(p: Collector, raw: Mapping) -> str:
    return note(p, "comment", raw.get("comment"), label=LABELS["comment"], max_length=NOTE_MAX)


@dataclass(frozen=True)
class CloneInput:
    """A new draft's change note, optional until the draft is submitted."""

    change_note: str = ""

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context | None = None) -> CloneInput:
        p = Collector()
        change_note = _change_note(p, raw)
        p.done()
        return cls(change_note=change_note)


def param_label(key: str) -> str:
    """A parameter as people read it: its description (the page's label), else its key."""
    spec = SPEC_BY_KEY.get(key)
    return spec.description if spec else key


def param_refusal(key: str, value, *, shown: str | None = None) -> str | None:
    """One known parameter's value on its own, in the words DraftInput uses for it (a page
    checks each field before the set, showing the text as typed)."""
    problem = check_param(SPEC_BY_KEY[key], value, shown=shown)
    return f"{param_label(key)}: {problem}." if problem else None


@dataclass(frozen=True)
class DraftInput:
    """Every parameter of a draft (checked as a whole: some cut-offs must be in order) and its
    change note. `params` holds the values as the rules read them (whole numbers as ints)."""

    params: Mapping[str, object] = field(default_factory=dict)
    change_note: str = ""

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context | None = None) -> DraftInput:
        p = Collector()
        change_note = _change_note(p, raw)
        values = raw.get("params")
        clean: dict = {}
        if not isinstance(values, Mapping):
            problem = "required" if values is None else \
                f"{shown(values)} is not an object of values by parameter key"
            p.add("params", f"{LABELS['params']}: {problem}; {_PARAMS_ACCEPTED}.",
                  "required" if values is None else "invalid")
        else:
            try:
                clean = validate_params(dict(values))
            except ParamError as exc:
                for key, message in exc.problems.items():
                    # Named by its description, as the page's field label shows it. Not one
                    # of Django's generic codes: a form shows these words as they are.
                    p.add(f"params.{key}", f"{param_label(key)}: {message}.", "param")
        p.done()
        return cls(params=clean, change_note=change_note)


@dataclass(frozen=True)
class ApprovalInput:
    """The second rules admin's comment on approving; optional."""

    comment: str = ""

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context | None = None) -> ApprovalInput:
        p = Collector()
        comment = _comment(p, raw)
        p.done()
        return cls(comment=comment)


@dataclass(frozen=True)
class RejectionInput:
    """Why the version is rejected: required, since rejected is final and the author clones
    it to go on, with this comment as the only guide to what must change."""

    comment: str

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context | None = None) -> RejectionInput:
        p = Collector()
        comment = _comment(p, raw)
        if not comment and not p.has("comment"):
            # Not Django's "required": a form keeps these words (the pages' and the API's).
            p.add("comment", REJECT_REASON_REQUIRED, "reason_required")
        p.done()
        return cls(comment=comment)


@dataclass(frozen=True)
class ActivationInput:
    """The confirmation that the differences and the impact preview were reviewed:
    activating changes every patient's flags, so a click alone (or a stray POST) must not do
    it. Only a true confirms: the page's ticked box, the API's JSON `true` (not "yes")."""

    confirm: bool = True

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context | None = None) -> ActivationInput:
        p = Collector()
        value = raw.get("confirm")
        if value is None or value is False or value == "":
            p.add("confirm", CONFIRM_REQUIRED, "required")
        elif value is not True:
            p.add("confirm", f"{CONFIRM_LABEL}: {shown(value)} is not a confirmation; "
                             f"{_CONFIRM_ACCEPTED}.", "invalid")
        p.done()
        return cls(confirm=True)
