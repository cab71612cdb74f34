"""How a patient's classification evolved: the derived one at each visit, and the changes of
the recorded subtype.

The derived classification at a visit is what the engine says of the record as it stood on
that day (`facts.up_to(day)`, `as_of` = day), so a later result never rewrites an earlier
row. It is computed from the rows the page already loaded; only the facts' providers and the
recorded subtype's history cost a query each, whatever the number of visits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from cadm.models import Patient, Visit
from cadm.rules.criteria.classification import classify
from cadm.rules.facts import PatientFacts, facts_on_days
from cadm.rules.outcomes import Classification
from cadm.selectors.compiled import Compiled
from cadm.selectors.facts import patient_facts
from cadm.selectors.records import PatientRecords, patient_records
from cadm.selectors.rulesets import ruleset_active


@dataclass(frozen=True)
class VisitClassification:
    visit_on: date
    clinician: str
    classification: Classification
    # What differs from the visit before (in date order): "subtype", "confirmation",
    # "score", "category". Empty for the first visit, which has nothing to differ from.
    changes: tuple[str, ...]
    previous: Classification | None


@dataclass(frozen=True)
class SubtypeChange:
    changed_at: datetime
    before: str  # "" when no subtype was recorded
    after: str
    by: str


def classification_on_days(facts: PatientFacts, params: dict,
                           days: Iterable[date]) -> dict[date, Classification]:
    """Pure: the classification as the record stood on each day. Two visits on one day share
    it, since the engine reads dates, not the order of entry."""
    return {day: classify(as_of, params, day) for day, as_of in facts_on_days(facts, days).items()}


def classification_changes(before: Classification | None,
                           after: Classification) -> tuple[str, ...]:
    """Pure: which of the values a clinician follows changed between two classifications."""
    if before is None:
        return ()
    pairs = (
        ("subtype", before.subtype, after.subtype),
        # Provisional → confirmed happens by time alone (24 months of skin disease, §3.1).
        ("confirmation", before.confirmation, after.confirmation),
        ("score", before.eular_acr.score, after.eular_acr.score),
        ("category", before.eular_acr.category, after.eular_acr.category),
    )
    return tuple(name for name, old, new in pairs if old != new)


def visit_classifications(visits: Iterable[Visit], facts: PatientFacts,
                          params: dict) -> list[VisitClassification]:
    """The classification at each visit, newest first, each compared with the visit before."""
    in_order = sorted(visits, key=lambda v: (v.visit_on, v.created_at))
    on_day = classification_on_days(facts, params, (v.visit_on for v in in_order))
    rows: list[VisitClassification] = []
    previous: Classification | None = None
    for visit in in_order:
        current = on_day[visit.visit_on]
        rows.append(VisitClassification(visit.visit_on, str(visit.clinician), current,
                                        classification_changes(previous, current), previous))
        previous = current
    return rows[::-1]


_SUBTYPE_HISTORY = Compiled(lambda patient_id: (
    Patient.history.filter(id=patient_id).select_related("history_user")
    .only("recorded_subtype", "history_date", "history_user")
    .order_by("history_date", "history_id")))


def recorded_subtype_changes(patient: Patient) -> list[SubtypeChange]:
    """Each change of the recorded subtype, newest first, from the patient's history (one
    query). A subtype set at registration counts as a change from "not recorded"."""
    history = _SUBTYPE_HISTORY(patient.pk)
    changes: list[SubtypeChange] = []
    before = ""
    for row in history:
        if row.recorded_subtype != before:
            # No user: a system action (case import, data migration, shell).
            who = str(row.history_user) if row.history_user else "system"
            changes.append(SubtypeChange(row.history_date, before, row.recorded_subtype, who))
        before = row.recorded_subtype
    return changes[::-1]


def classification_history_context(*, patient: Patient, records: PatientRecords | None = None,
                                   ruleset=None, facts: PatientFacts | None = None,
                                   **_) -> dict:
    """The patient page's panel. With the page's `records` and `ruleset`: two queries (the
    facts' providers, the patient's history), whatever the number of visits; one with its
    `facts` too."""
    records = records or patient_records(patient)
    ruleset = ruleset or ruleset_active()
    facts = facts or patient_facts(patient, records)
    rows = visit_classifications(records.current_visits(), facts, ruleset.params)
    return {
        "patient": patient,
        "rows": rows,
        "changed_visits": sum(1 for row in rows if row.changes),
        "rule_set_version": ruleset.number,
        "subtype_changes": recorded_subtype_changes(patient),
    }
