"""Impact preview: a rule-set version evaluated against the whole cohort, never stored.

Per rule code, compared with the live flags (not resolved): flags that would open, close,
change severity, change evidence or text, and quiet flags that would reopen, with up to five
sample cases for each, by their values, without patient identity (cadm/services/impact.py).
The job writes nothing but its own JobRun row;
each chunk runs in a transaction that is always rolled back, so even a fact provider that
wrote by mistake could not change live data.

Cancelling: the cancel action records `cancel_requested_at` in the job's params; the cohort
runner (cadm/jobs.py) checks it between chunks and ends the job `cancelled`, its partial
counts kept.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from cadm.exceptions import DomainError, require
from cadm.job_results import results_merged
from cadm.jobs import CohortJob, cohort_job_kind, errors_add, job_run_start
from cadm.models import Flag, JobRun, RuleSetVersion
from cadm.permissions import Perm
from cadm.selectors.rulesets import PREVIEW_KIND, params_digest

from .audit import audit_record
from .cohort_evaluation import cohort_evaluate
from .impact import SAMPLE_SIZE, impact_record
from .rulesets import params_validated

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
    job = job_run_start(actor=actor, kind=PREVIEW_KIND, ruleset=version, params={
        "ruleset": version.number, "as_of": as_of.isoformat(),
        "params_digest": params_digest(version.params)})
    audit_record(actor=actor, action="ruleset.preview", target=version,
                 detail={"number": version.number, "job": job.pk})
    return job


@transaction.atomic
def ruleset_preview_cancel(*, actor, job: JobRun) -> JobRun:
    """Stop a preview: a queued one at once, a running one between chunks (its partial
    counts are kept)."""
    require(actor, Perm.RULESET_MANAGE)
    job = JobRun.objects.select_for_update().get(pk=job.pk, kind=PREVIEW_KIND)
    if job.state not in (JobRun.State.QUEUED, JobRun.State.RUNNING):
        raise DomainError("This preview has already finished.")
    if job.params.get("cancel_requested_at"):
        return job
    job.params = {**job.params, "cancel_requested_at": timezone.now().isoformat(),
                  "cancel_requested_by": actor.get_username()}
    fields = ["params"]
    if job.state == JobRun.State.QUEUED:  # no worker has it: nothing to wait for
        job.state, job.finished_at = JobRun.State.CANCELLED, timezone.now()
        job.result = {**_preview_begin(job), "stopped": _cancel_requested(job, job.params)}
        fields += ["state", "finished_at", "result"]
    job.save(update_fields=fields)
    version = job.ruleset or RuleSetVersion.objects.get(number=job.params["ruleset"])
    audit_record(actor=actor, action="ruleset.preview_cancel", target=version,
                 detail={"number": job.params["ruleset"], "job": job.pk})
    return job


def _preview_begin(job: JobRun) -> dict:
    return {"ruleset": job.params["ruleset"], "as_of": job.params["as_of"],
            "params_digest": job.params.get("params_digest"), "patients_evaluated": 0,
            "patients_total": job.total, "rules": {}, "errors": [], "error_count": 0}


def _preview_chunk(job: JobRun, ids: list[int], result: dict) -> None:
    """Evaluate the chunk's patients (cohort_evaluation.py) inside a savepoint that is always
    rolled back: the preview keeps nothing, even if a fact provider wrote by mistake. Only
    the job row's running totals commit."""
    version = RuleSetVersion.objects.get(number=job.params["ruleset"])
    as_of = date.fromisoformat(job.params["as_of"])
    live: dict[int, list[Flag]] = {pid: [] for pid in ids}
    for flag in Flag.objects.filter(patient_id__in=ids).exclude(state=Flag.State.RESOLVED):
        live[flag.patient_id].append(flag)
    with transaction.atomic():
        outcome = cohort_evaluate(ids, as_of=as_of, ruleset=version)
        transaction.set_rollback(True)
    for patient_id in sorted(outcome.errors):
        errors_add(result, patient_id, outcome.errors[patient_id])
    for patient_id in sorted(outcome.evaluations):
        impact_record(result["rules"], fired=outcome.evaluations[patient_id].flags,
                      live=live[patient_id])
        result["patients_evaluated"] += 1
    result["patients_total"] = max(job.total, job.progress + len(ids))


def _cancel_requested(job: JobRun, params: dict | None = None) -> str | None:
    if params is None:
        params = JobRun.objects.filter(pk=job.pk).values_list("params", flat=True).first()
    if (params or {}).get("cancel_requested_at"):
        return f"cancelled by {params.get('cancel_requested_by')}"
    return None


def _preview_merged(total: dict, part: dict, base: dict) -> dict:
    """The chunks' counts add up (cadm/job_results.py); `patients_total` is the cohort's size,
    not a sum; each rule keeps SAMPLE_SIZE cases per change, the first in patient order."""
    merged = results_merged(total, part, base)
    merged["patients_total"] = max(total.get("patients_total", 0),
                                   part.get("patients_total", 0))
    merged["rules"] = {code: {**impact, "samples": {
        change: cases[:SAMPLE_SIZE] for change, cases in impact.get("samples", {}).items()}}
        for code, impact in merged.get("rules", {}).items()}
    return merged


cohort_job_kind(PREVIEW_KIND, CohortJob(chunk=_preview_chunk, begin=_preview_begin,
                                        stop=_cancel_requested, merge=_preview_merged))
