"""Builders for rule-set tests: anti-MDA5 patients with a ferritin near the threshold, and
versions taken through the real services."""

from __future__ import annotations

import datetime as dt

from cadm.jobs import job_run_execute
from cadm.models import JobRun, RuleSetVersion
from cadm.services import rulesets
from tests.factories import AntibodyFactory, LabResultFactory, PatientFactory, VisitFactory

TODAY = dt.date.today()
FERRITIN_KEY = "mda5.ferritin_ng_ml"


def mda5_patient(site, creator, *, ferritin: float | None = 1200, **fields):
    """Anti-MDA5 positive; ferritin (ng/mL) measured 20 days ago: between a lowered 1000 and
    the default 1500 threshold of MDA5_RPILD_MARKERS."""
    patient = PatientFactory(site=site, created_by=creator,
                             skin_onset_date=TODAY - dt.timedelta(days=300),
                             diagnosis_date=TODAY - dt.timedelta(days=250), **fields)
    VisitFactory(patient=patient, visit_on=TODAY - dt.timedelta(days=250),
                 skin=["heliotrope", "gottron_papules"])
    AntibodyFactory(patient=patient, observed_on=TODAY - dt.timedelta(days=245))
    if ferritin is not None:
        LabResultFactory(patient=patient, observed_on=TODAY - dt.timedelta(days=20),
                         analyte="ferritin", value=ferritin, unit="ng/mL",
                         unit_normalised="ng/mL", upper_limit=None)
    return patient


def draft_with(author, **changes) -> RuleSetVersion:
    """A clone of the active version with some parameters changed (keys with dots: pass a
    dict through `**{"mda5.ferritin_ng_ml": 1000.0}`)."""
    active = RuleSetVersion.objects.get(state="active")
    draft = rulesets.ruleset_draft_clone(actor=author, source=active)
    return rulesets.ruleset_draft_update(
        actor=author, version=draft,
        data={"params": {**draft.params, **changes},
              "change_note": "Lower the ferritin threshold."})


def approved(author, approver, **changes) -> RuleSetVersion:
    draft = draft_with(author, **changes)
    rulesets.ruleset_submit(actor=author, version=draft)
    return rulesets.ruleset_approve(actor=approver, version=draft, data={"comment": "Agreed."})


def run_queued(capture, start) -> JobRun:
    """Call `start()` (a service that queues a job on commit), then run the queued job as a
    worker would, whatever the broker settings."""
    with capture(execute=False) as queued:
        job = start()
    assert len(queued) == 1
    return job_run_execute(job.pk)
