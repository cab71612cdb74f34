"""Reads for background jobs: the list page, and whether the cohort is all on the active
rule-set version (the activation's re-evaluation finished for every patient)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from cadm.models import Flag, JobRun, RuleSetVersion
from cadm.selectors.rulesets import ACTIVATE_KIND

State = JobRun.State
LIVE = (State.QUEUED, State.RUNNING)


def job_list(limit: int = 50) -> QuerySet[JobRun]:
    return JobRun.objects.select_related("created_by", "ruleset")[:limit]


def any_job_live(jobs) -> bool:
    """A job still queued or running: the page showing it refreshes itself."""
    return any(job.state in LIVE for job in jobs)


@dataclass(frozen=True)
class CohortStatus:
    """Where the cohort stands against the active version."""

    active: RuleSetVersion
    job: JobRun | None  # the latest re-evaluation with the active version
    patients_behind: int  # patients with a live flag still stamped by another version

    @property
    def stale(self) -> bool:
        return bool(self.job and self.job.is_stale)

    @property
    def complete(self) -> bool:
        """Every patient evaluated with the active version. Version 1, seeded by a migration,
        has no re-evaluation job: its live flags tell."""
        finished = self.job is None or (self.job.state == State.DONE
                                        and not self.job.result.get("error_count"))
        return finished and not self.patients_behind

    @property
    def retryable(self) -> bool:
        return bool(self.job and (self.job.state == State.FAILED or self.stale))

    @property
    def working(self) -> bool:
        return bool(self.job and self.job.state in LIVE and not self.stale)


def cohort_status(active: RuleSetVersion | None) -> CohortStatus | None:
    """None when no version is active. Two queries."""
    if active is None:
        return None
    job = (JobRun.objects.filter(kind=ACTIVATE_KIND, ruleset=active)
           .select_related("created_by", "ruleset").order_by("-created_at", "-pk").first())
    behind = (Flag.objects.exclude(state=Flag.State.RESOLVED).exclude(ruleset=active)
              .values("patient_id").distinct().count())
    return CohortStatus(active, job, behind)
