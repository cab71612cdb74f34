"""Cancer screening (IMACS 2023, clinical-reference.md §1): a panel's result row, a test of a
plan item done, the outcome of a finding's work-up, and the end and resumption of screening.

Each is checked once here, whatever the door (the results and plan pages, the case file, the
API), with the words the screening forms used: the values against their vocabularies, dates
against birth and today, and the pairing of a test's date with its result. What needs the
stored plan (a finding awaiting the outcome, a test already done, a plan already closed) is
the service's check (screening/services.py).

cadm never imports the screening app (DESIGN.md §3): the models that give these fields their
vocabularies are found through Django's app registry when a value is parsed, as cadm reaches
the cancer-screening rows through the section registry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django import forms
from django.apps import apps

from .base import Collector, Context, coerce, coerce_field, day
from .results import ResultRow, observed_on_of, text_of

# The page's limits on free text (screening/forms.py before this module): a test's note is a
# line, a decision's note or reason a short paragraph.
TEST_NOTE_MAX = 500
DECISION_TEXT_MAX = 2000


def _model(name: str):
    return apps.get_model("screening", name)


def _reason(p: Collector, raw: object, *, label: str = "Reason") -> str:
    """A required reason; blank or spaces only is no reason (the form strips it)."""
    if isinstance(raw, str) and not raw.strip():
        raw = ""
    field = forms.CharField(max_length=DECISION_TEXT_MAX, required=True)
    return coerce_field(p, "reason", field, raw, label=label) or ""


def _note(p: Collector, raw: object, *, limit: int) -> str:
    field = forms.CharField(max_length=limit, required=False)
    return coerce_field(p, "note", field, raw if raw is not None else "", label="Note") or ""


@dataclass(frozen=True)
class CancerScreeningInput(ResultRow):
    """A screening panel done on a date, with its result: the row the rules read to decide
    which plan items are done (case-format.md `cancer_screening[]`)."""

    panel: str
    result: str
    note: str = ""
    observed_on: date | None = None

    LABELS = {"panel": "Panel", "result": "Result", "note": "Note"}

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> CancerScreeningInput:
        p = Collector()
        model = _model("CancerScreeningRecord")
        panel = coerce(p, model, "panel", raw.get("panel"), label=cls.LABELS["panel"],
                       required=True)
        result = coerce(p, model, "result", raw.get("result"), label=cls.LABELS["result"],
                        required=True)
        note = text_of(p, model, "note", raw, label=cls.LABELS["note"])
        observed_on = observed_on_of(p, model, raw, context)
        p.done()
        return cls(panel=panel, result=result, note=note, observed_on=observed_on)


@dataclass(frozen=True)
class ScreeningTestInput:
    """One test of a plan item done: its date (not in the future, not before birth) and its
    result, both or neither (a page's blank row is a test not done yet, never parsed)."""

    done_on: date
    result: str
    note: str = ""

    LABELS = {"done_on": "Date done", "result": "Result", "note": "Note"}

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> ScreeningTestInput:
        p = Collector()
        model = _model("ScreeningComponent")
        L = cls.LABELS
        sent_result = raw.get("result") not in (None, "")
        sent_day = raw.get("done_on") not in (None, "")
        if sent_result and not sent_day:
            p.add("done_on", f"{L['done_on']}: enter the date of this result.", "required")
            done_on = None
        else:
            done_on = coerce(p, model, "done_on", raw.get("done_on"), label=L["done_on"],
                             required=True)
            done_on = day(p, "done_on", done_on, label=L["done_on"], context=context)
        if not sent_result and done_on is not None:
            p.add("result", f"{L['result']}: choose the result of the test done on "
                            f"{done_on.isoformat()}.", "required")
            result = None
        else:
            # Without a valid date, a missing result is the date's problem, as on the page.
            result = coerce(p, model, "result", raw.get("result"), label=L["result"])
        note = _note(p, raw.get("note"), limit=TEST_NOTE_MAX)
        p.done()
        return cls(done_on=done_on, result=result, note=note)


@dataclass(frozen=True)
class ScreeningOutcomeInput:
    """The outcome of the work-up of a finding, on its date. Which finding it settles (one
    dated on or before it must await an outcome) is the service's check."""

    outcome: str
    outcome_on: date
    note: str = ""

    LABELS = {"outcome": "Outcome", "outcome_on": "Date of the outcome", "note": "Note"}

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> ScreeningOutcomeInput:
        p = Collector()
        model = _model("ScreeningPlan")
        L = cls.LABELS
        outcome = coerce(p, model, "outcome", raw.get("outcome"), label=L["outcome"],
                         required=True)
        outcome_on = coerce(p, model, "outcome_on", raw.get("outcome_on"),
                            label=L["outcome_on"], required=True)
        outcome_on = day(p, "outcome_on", outcome_on, label=L["outcome_on"], context=context)
        note = _note(p, raw.get("note"), limit=DECISION_TEXT_MAX)
        p.done()
        return cls(outcome=outcome, outcome_on=outcome_on, note=note)


@dataclass(frozen=True)
class ScreeningCloseInput:
    """The care team's decision that screening ends: the day and why. `reason` is stored
    without its surrounding spaces."""

    closed_on: date
    reason: str

    LABELS = {"closed_on": "Screening ends on", "reason": "Reason"}

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> ScreeningCloseInput:
        p = Collector()
        L = cls.LABELS
        closed_on = coerce(p, _model("ScreeningPlan"), "closed_on", raw.get("closed_on"),
                           label=L["closed_on"], required=True)
        closed_on = day(p, "closed_on", closed_on, label=L["closed_on"], context=context)
        reason = _reason(p, raw.get("reason"), label=L["reason"])
        p.done()
        return cls(closed_on=closed_on, reason=reason.strip())


@dataclass(frozen=True)
class ScreeningReopenInput:
    """Screening resumes, and why (ended by mistake, or the situation changed)."""

    reason: str

    LABELS = {"reason": "Reason"}

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context) -> ScreeningReopenInput:
        p = Collector()
        reason = _reason(p, raw.get("reason"), label=cls.LABELS["reason"])
        p.done()
        return cls(reason=reason.strip())
