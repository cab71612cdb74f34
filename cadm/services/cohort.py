"""Cohort-wide re-evaluation: the daily sweep (time-driven flags), on the chunked cohort
runner of cadm/jobs.py that activation and preview use too."""

from __future__ import annotations

from datetime import date

from cadm.jobs import CohortJob, cohort_job_kind, errors_add
from cadm.models import JobRun
from cadm.selectors.rulesets import ruleset_active

from .cohort_evaluation import ChunkOutcome, cohort_reevaluate

SWEEP_KIND = "cohort-reevaluate"
COUNTS = ("opened", "updated", "reopened", "resolved")


def reevaluation_begin(job: JobRun) -> dict:
    return {"as_of": job.params["as_of"], "patients": 0, **dict.fromkeys(COUNTS, 0),
            "errors": [], "error_count": 0}


def reevaluation_add(result: dict, outcome) -> None:
    result["patients"] += 1
    for key in COUNTS:
        result[key] += len(getattr(outcome, key))


def _sweep_chunk(job: JobRun, ids: list[int], result: dict) -> None:
    """The chunk on the cohort path (cohort_evaluation.py): one patient's failure is
    recorded, the others go on."""
    outcome = cohort_reevaluate(ids, as_of=date.fromisoformat(job.params["as_of"]),
                                ruleset=ruleset_active())
    outcome_add(result, outcome)


def outcome_add(result: dict, outcome: ChunkOutcome) -> None:
    """A chunk's counts and errors, in patient order."""
    for patient_id in sorted(outcome.errors):
        errors_add(result, patient_id, outcome.errors[patient_id])
    for patient_id in sorted(outcome.results):
        reevaluation_add(result, outcome.results[patient_id])


cohort_job_kind(SWEEP_KIND, CohortJob(chunk=_sweep_chunk, begin=reevaluation_begin))
