"""Panels on the patient page contributed by other apps (screening, monitoring), and hooks
run after each evaluation. cadm defines the shapes; the apps register at start-up, so cadm
never imports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cadm.permissions import Perm


@dataclass(frozen=True)
class PatientPanel:
    key: str
    title: str
    order: int
    template: str
    # (patient, evaluation, user, records, ruleset, facts) -> template context, keyword
    # arguments; `records`, `ruleset` and `facts` (the PatientFacts the evaluation read) are
    # what the page already loaded, each possibly absent. A fixed number of queries.
    context: Callable[..., dict]
    permission: Perm = Perm.PATIENT_VIEW
    # The same keyword arguments -> JSON values the API's derived state shows (what the
    # panel explains, for programs); None when the panel adds nothing there.
    state: Callable[..., dict] | None = None


_panels: dict[str, PatientPanel] = {}
# (patient, evaluation, ruleset, facts) -> None, inside the evaluation's transaction; `facts`:
# the cadm.rules.facts.PatientFacts the evaluation read, for a hook that needs more than the
# evaluation's outcome (None when a caller has none: the hook reads them).
_after_evaluation: dict[str, Callable[..., None]] = {}
# The same for a chunk of the cohort: (pairs=[(patient, evaluation)], ruleset, facts={patient
# id: facts}) -> None, a fixed number of queries for the chunk when nothing changed
# (cadm.services.cohort_evaluation).
_after_evaluation_batch: dict[str, Callable[..., None]] = {}
# patient -> dict of cadm.rules.facts.PatientInfo fields held by another app (one query).
_fact_providers: dict[str, Callable[..., dict]] = {}
# [patient id] -> {patient id: that dict}, one query for the chunk.
_fact_providers_batch: dict[str, Callable[..., dict]] = {}


def register_panel(panel: PatientPanel) -> None:
    _panels[panel.key] = panel


def patient_panels() -> list[PatientPanel]:
    return sorted(_panels.values(), key=lambda p: p.order)


def register_after_evaluation(name: str, hook: Callable[..., None],
                              batch: Callable[..., None] | None = None) -> None:
    """`batch`: the hook for a chunk of patients; without it, the cohort path calls `hook`
    for each patient."""
    _after_evaluation[name] = hook
    _after_evaluation_batch[name] = batch or _one_by_one(hook)


def after_evaluation_hooks() -> list[Callable[..., None]]:
    return list(_after_evaluation.values())


def after_evaluation_batch_hooks() -> list[Callable[..., None]]:
    return list(_after_evaluation_batch.values())


def _one_by_one(hook: Callable[..., None]) -> Callable[..., None]:
    def batch(*, pairs, ruleset, facts=None) -> None:
        for patient, evaluation in pairs:
            hook(patient=patient, evaluation=evaluation, ruleset=ruleset,
                 facts=None if facts is None else facts.get(patient.pk))
    return batch


def register_fact_provider(name: str, provider: Callable[..., dict],
                           batch: Callable[..., dict] | None = None) -> None:
    """`batch`: [patient id] -> {patient id: values} in one query; without it, the cohort
    path asks `provider` for each patient."""
    _fact_providers[name] = provider
    _fact_providers_batch[name] = batch or _each(provider)


def _each(provider: Callable[..., dict]) -> Callable[..., dict]:
    def batch(patients) -> dict:
        return {patient.pk: provider(patient) for patient in patients}
    return batch


def patient_fact_values(patient) -> dict:
    values: dict = {}
    for provider in _fact_providers.values():
        values.update(provider(patient))
    return values


def cohort_fact_values(patients) -> dict[int, dict]:
    """patient_fact_values for a chunk of patients: one query per provider."""
    values: dict[int, dict] = {patient.pk: {} for patient in patients}
    for batch in _fact_providers_batch.values():
        for patient_id, found in batch(patients).items():
            values[patient_id].update(found)
    return values
