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
    # (patient, evaluation, user, records, ruleset) -> template context, keyword arguments;
    # `records` and `ruleset` are what the page already loaded. A fixed number of queries.
    context: Callable[..., dict]
    permission: Perm = Perm.PATIENT_VIEW
    # The same keyword arguments -> JSON values the API's derived state shows (what the
    # panel explains, for programs); None when the panel adds nothing there.
    state: Callable[..., dict] | None = None


_panels: dict[str, PatientPanel] = {}
# (patient, evaluation, ruleset) -> None, inside the evaluation's transaction.
_after_evaluation: dict[str, Callable[..., None]] = {}
# patient -> dict of cadm.rules.facts.PatientInfo fields held by another app (one query).
_fact_providers: dict[str, Callable[..., dict]] = {}


def register_panel(panel: PatientPanel) -> None:
    _panels[panel.key] = panel


def patient_panels() -> list[PatientPanel]:
    return sorted(_panels.values(), key=lambda p: p.order)


def register_after_evaluation(name: str, hook: Callable[..., None]) -> None:
    _after_evaluation[name] = hook


def after_evaluation_hooks() -> list[Callable[..., None]]:
    return list(_after_evaluation.values())


def register_fact_provider(name: str, provider: Callable[..., dict]) -> None:
    _fact_providers[name] = provider


def patient_fact_values(patient) -> dict:
    values: dict = {}
    for provider in _fact_providers.values():
        values.update(provider(patient))
    return values
