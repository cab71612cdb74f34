"""The kinds of background job, by name: plain functions run in one go, and cohort jobs run in
chunks of patients (cadm/jobs.py says what the runner guarantees for both)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cadm.models import JobRun

from .job_results import results_merged

JobFunction = Callable[[JobRun, Callable[[int, int], None]], dict]


@dataclass(frozen=True)
class CohortJob:
    """A job over every patient, cut into chunks of patient ids that workers run in parallel.

    - `chunk(job, ids, result)` does the work for those patients inside the chunk's
      transaction and adds to `result`, a fresh `begin(job)` for each chunk.
    - `begin(job)` gives an empty result. It is called for every chunk and again when the
      results are merged, so it must depend on the job's row only (params, rule set, total).
    - `merge(total, part, base)` adds one chunk's result to the running total, both having
      begun as `base`; the chunks are merged in patient order when the job ends
      (job_results.results_merged fits results made of counts, dicts of counts, [before, now]
      pairs and capped lists).
    - `stop(job)` gives a reason to stop before a chunk (the job ends `cancelled`).
    """

    chunk: Callable[[JobRun, list[int], dict], None]
    begin: Callable[[JobRun], dict] = lambda job: {}
    stop: Callable[[JobRun], str | None] = lambda job: None
    merge: Callable[[dict, dict, dict], dict] = results_merged


_kinds: dict[str, JobFunction | CohortJob] = {}


def job_kind(name: str):
    def decorator(func: JobFunction) -> JobFunction:
        _kinds[name] = func
        return func

    return decorator


def cohort_job_kind(name: str, job: CohortJob) -> CohortJob:
    _kinds[name] = job
    return job


def kind_named(name: str) -> JobFunction | CohortJob:
    """LookupError for a kind this process does not know (a worker running older code)."""
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"unknown job kind {name!r} in this worker") from None
