"""Impact preview: a rule-set version evaluated against the whole cohort, never stored.

Per rule code, compared with the live flags (not resolved): flags that would open (the code
fires, no live flag), close (a live flag, the code no longer fires) or change severity, with up
to five patients (public ids only) for each. The job writes nothing but its own JobRun row;
each chunk runs in a transaction that is always rolled back, so even a fact provider that
wrote by mistake could not change live data.

Cancelling: the cancel action records `cancel_requested_at` in the job's params and the job
checks it between chunks, then ends with `result["cancelled"] = True` (JobRun has no
"cancelled" state: the runner in cadm/jobs.py would overwrite it with "done").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from cadm.exceptions import DomainError, require
from cadm.jobs import job_kind, job_run_start
from cadm.models import Flag, JobRun, Patient, RuleSetVersion
from cadm.permissions import Perm
from cadm.selectors.rulesets import PREVIEW_KIND, cohort_patient_id_chunks, params_digest

from .audit import audit_record
from .evaluation import patient_evaluation
from .rulesets import params_validated

logger = logging.getLogger(__name__)
SAMPLE_SIZE = 5
CHANGES = ("open", "close", "severity")
PREVIEWABLE = (RuleSetVersion.State.DRAFT, RuleSetVersion.State.AWAITING_APPROVAL,
               RuleSetVersion.State.APPROVED)


@transaction.atomic
def ruleset_preview_start(*, actor, version: RuleSetVersion,
                          as_of: date | None = None) -> JobRun:
    """Queue the preview of a version not yet active, as of today (the day an activation
    would re-evaluate)."""
    require(actor, Perm.RULESET_MANAGE)
    if version.state not in PREVIEWABLE:
        raise DomainError(f"Rule set v{version.number} is {version.get_state_display().lower()}"
                          f": only a draft, awaiting or approved version is previewed.")
    params_validated(version.params)
    as_of = as_of or timezone.localdate()
    job = job_run_start(actor=actor, kind=PREVIEW_KIND, params={
        "ruleset": version.number, "as_of": as_of.isoformat(),
        "params_digest": params_digest(version.params)})
    audit_record(actor=actor, action="ruleset.preview", target=version,
                 detail={"number": version.number, "job": job.pk})
    return job


@transaction.atomic
def ruleset_preview_cancel(*, actor, job: JobRun) -> JobRun:
    """Ask a queued or running preview to stop; it stops between chunks."""
    require(actor, Perm.RULESET_MANAGE)
    job = JobRun.objects.select_for_update().get(pk=job.pk, kind=PREVIEW_KIND)
    if job.state not in (JobRun.State.QUEUED, JobRun.State.RUNNING):
        raise DomainError("This preview has already finished.")
    if not job.params.get("cancel_requested_at"):
        job.params = {**job.params, "cancel_requested_at": timezone.now().isoformat(),
                      "cancel_requested_by": actor.get_username()}
        job.save(update_fields=["params"])
        version = RuleSetVersion.objects.get(number=job.params["ruleset"])
        audit_record(actor=actor, action="ruleset.preview_cancel", target=version,
                     detail={"number": version.number, "job": job.pk})
    return job


@dataclass
class RuleImpact:
    open: int = 0
    close: int = 0
    severity: int = 0
    stay: int = 0
    transitions: dict[str, int] = field(default_factory=dict)
    samples: dict[str, list[str]] = field(default_factory=lambda: {c: [] for c in CHANGES})

    def add(self, change: str, public_id: str) -> None:
        setattr(self, change, getattr(self, change) + 1)
        if len(self.samples[change]) < SAMPLE_SIZE:
            self.samples[change].append(public_id)

    def as_dict(self) -> dict:
        return {"open": self.open, "close": self.close, "severity": self.severity,
                "stay": self.stay, "transitions": self.transitions, "samples": self.samples}


def _compare(patient: Patient, fired: dict[str, str], live: dict[str, str],
             impacts: dict[str, RuleImpact]) -> None:
    """One patient: `fired` and `live` map code -> severity."""
    public_id = str(patient.public_id)
    for code in fired.keys() | live.keys():
        impact = impacts.setdefault(code, RuleImpact())
        if code not in live:
            impact.add("open", public_id)
        elif code not in fired:
            impact.add("close", public_id)
        elif fired[code] != live[code]:
            impact.add("severity", public_id)
            step = f"{live[code]}→{fired[code]}"
            impact.transitions[step] = impact.transitions.get(step, 0) + 1
        else:
            impact.stay += 1


def _preview_chunk(ids: list[int], version: RuleSetVersion, as_of: date,
                   impacts: dict[str, RuleImpact], errors: list[str]) -> None:
    live: dict[int, dict[str, str]] = {pid: {} for pid in ids}
    for pid, code, severity in (Flag.objects.filter(patient_id__in=ids)
                                .exclude(state=Flag.State.RESOLVED)
                                .values_list("patient_id", "code", "severity")):
        live[pid][code] = severity
    with transaction.atomic():
        for patient in Patient.objects.filter(pk__in=ids).order_by("pk"):
            try:
                with transaction.atomic():  # a savepoint: one failure leaves the others
                    evaluation = patient_evaluation(patient, as_of=as_of, ruleset=version)
            except Exception as exc:  # noqa: BLE001 - recorded on the job; the others go on
                logger.exception("Preview failed for patient id %s", patient.pk)
                errors.append(f"patient id {patient.pk}: {type(exc).__name__}")
                continue
            fired = {f.code: f.severity for f in evaluation.flags}
            _compare(patient, fired, live[patient.pk], impacts)
        transaction.set_rollback(True)  # the preview keeps nothing


def _cancel_requested(job: JobRun) -> str | None:
    params = JobRun.objects.filter(pk=job.pk).values_list("params", flat=True).first() or {}
    return params.get("cancel_requested_by") if params.get("cancel_requested_at") else None


@job_kind(PREVIEW_KIND)
def ruleset_preview_run(job: JobRun, progress) -> dict:
    """The job: every patient once, in chunks; checks for a cancel request between chunks."""
    version = RuleSetVersion.objects.get(number=job.params["ruleset"])
    as_of = date.fromisoformat(job.params["as_of"])
    impacts: dict[str, RuleImpact] = {}
    errors: list[str] = []
    total, done, cancelled_by = Patient.objects.count(), 0, None
    progress(0, total)
    for chunk in cohort_patient_id_chunks():
        cancelled_by = _cancel_requested(job)
        if cancelled_by:
            break
        _preview_chunk(chunk, version, as_of, impacts, errors)
        done += len(chunk)
        progress(done, max(total, done))
    return {"ruleset": version.number, "as_of": as_of.isoformat(),
            "params_digest": job.params.get("params_digest"),
            "patients_evaluated": done, "patients_total": max(total, done),
            "cancelled": bool(cancelled_by), "cancelled_by": cancelled_by,
            "rules": {code: impacts[code].as_dict() for code in sorted(impacts)},
            "errors": errors}
