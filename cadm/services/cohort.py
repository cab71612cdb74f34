"""Cohort-wide re-evaluation: the daily sweep (time-driven flags), on the chunked cohort
runner of cadm/jobs.py that activation and preview use too."""

from __future__ import annotations

import logging
from datetime import date

from cadm.jobs import CohortJob, cohort_job_kind, errors_add
from cadm.models import JobRun

from .evaluation import patient_reevaluate

logger = logging.getLogger(__name__)
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
    """Each patient in a savepoint (patient_reevaluate is atomic): one patient's failure is
    recorded, the others go on."""
    as_of = date.fromisoformat(job.params["as_of"])
    for patient_id in ids:
        try:
            outcome = patient_reevaluate(patient_id, as_of=as_of)
        except Exception as exc:  # noqa: BLE001 - recorded on the job; the sweep continues
            logger.exception("Re-evaluation failed for patient id %s", patient_id)
            errors_add(result, patient_id, exc)
        else:
            reevaluation_add(result, outcome)


cohort_job_kind(SWEEP_KIND, CohortJob(chunk=_sweep_chunk, begin=reevaluation_begin))
