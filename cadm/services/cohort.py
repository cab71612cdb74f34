"""Cohort-wide re-evaluation: the daily sweep (time-driven flags) and rule-set activation."""

from __future__ import annotations

import logging
from datetime import date

from cadm.jobs import job_kind
from cadm.models import JobRun, Patient

from .evaluation import patient_reevaluate

logger = logging.getLogger(__name__)
CHUNK = 200


@job_kind("cohort-reevaluate")
def cohort_reevaluate(job: JobRun, progress) -> dict:
    """Every patient once, as of the job's date. Patients are read in chunks of ids so memory
    does not grow with the cohort; one patient's failure is recorded and the sweep goes on."""
    as_of = date.fromisoformat(job.params["as_of"])
    ids = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    totals = {"opened": 0, "updated": 0, "reopened": 0, "resolved": 0}
    errors: list[str] = []
    for done, patient_id in enumerate(ids, start=1):
        try:
            outcome = patient_reevaluate(patient_id, as_of=as_of)
        except Exception as exc:  # noqa: BLE001 - recorded on the job; the sweep continues
            logger.exception("Re-evaluation failed for patient id %s", patient_id)
            errors.append(f"patient id {patient_id}: {type(exc).__name__}")
        else:
            for key in totals:
                totals[key] += len(getattr(outcome, key))
        if done % 25 == 0 or done == len(ids):
            progress(done, len(ids))
    return {"as_of": as_of.isoformat(), "patients": len(ids), **totals, "errors": errors}
