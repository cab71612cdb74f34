"""Rule metrics per rule-set version and rule code, over an optional window of days; the rule
alarms of the active version. Counts only, no patient.

Metrics (the version page shows these definitions under its table). A window is a span of
UTC days, both ends included, either end open:
- firings: flags opened or reopened under the version (FlagAction opened/reopened whose
  `ruleset` is the version), the action taken within the window;
- acknowledgements, dismissals (by HL7 override reason): review actions taken within the
  window on flags that the version had produced at the time (FlagAction.ruleset);
- median time to acknowledgement: for the flags opened under the version within the window,
  from the flag's `opened_at` to its first acknowledgement (never acknowledged: left out);
- patients: distinct patients for whom a stored evaluation with the version fired the rule
  (RuleFiring, cadm/services/firings.py); with a window, those whose span from the first to
  the last such evaluation overlaps it (a rule that fired in January and March counts in
  February too: a firing row keeps one span, not every day). Firing rows are written when the
  rule fires and never re-stamped, so a version's counts do not shrink when the next version
  takes over the live flags (a flag records only the version of its latest evaluation).

Alarms compare like with like. The activation job of the active version evaluates every
patient with the active version and with the version it replaced, on the same facts and the
same evaluation date (cadm/services/rulesets.py, `_activation_chunk`), and counts per rule
the patients for whom each version fires. From the newest finished job with that comparison:
- stopped: the rule fires for at least one patient under the replaced version and for none
  under the active one (a parameter error may have silenced it);
- surge: it fires for more than SURGE_FACTOR × max(previous, 1) patients under the active
  version. A rule that fired for nobody counts as one, so it is a surge from 4 patients on.
Until that job is done (queued, running, failed, cancelled), there is no comparison, and the
report says so rather than showing no alarm.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, OuterRef, Q, Subquery

from cadm.models import Flag, FlagAction, JobRun, RuleFiring, RuleSetVersion

from .rulesets import ACTIVATE_KIND

FIRING = (FlagAction.Kind.OPENED, FlagAction.Kind.REOPENED)
SURGE_FACTOR = 3


@dataclass(frozen=True)
class Window:
    """UTC days from `start` to `end`, both included; None leaves that side open."""

    start: date | None = None
    end: date | None = None

    @property
    def is_bounded(self) -> bool:
        return self.start is not None or self.end is not None

    @property
    def label(self) -> str:
        if self.start and self.end:
            return f"from {self.start.isoformat()} to {self.end.isoformat()}"
        if self.start:
            return f"from {self.start.isoformat()}"
        if self.end:
            return f"up to {self.end.isoformat()}"
        return "since the version was first used"

    def _since(self) -> datetime | None:
        return _midnight(self.start) if self.start else None

    def _before(self) -> datetime | None:
        return _midnight(self.end + timedelta(days=1)) if self.end else None

    def at(self, name: str = "at") -> Q:
        """A moment (`name`) within the window."""
        since, before = self._since(), self._before()
        return (Q(**{f"{name}__gte": since}) if since else Q()) & (
            Q(**{f"{name}__lt": before}) if before else Q())

    def overlapping(self, first: str, last: str) -> Q:
        """A span [first, last] that shares a moment with the window."""
        since, before = self._since(), self._before()
        return (Q(**{f"{last}__gte": since}) if since else Q()) & (
            Q(**{f"{first}__lt": before}) if before else Q())


ALL_TIME = Window()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass
class RuleMetrics:
    code: str
    firings: int = 0
    acknowledgements: int = 0
    dismissals: dict[str, int] = field(default_factory=dict)
    median_hours_to_ack: float | None = None
    patients: int = 0

    @property
    def dismissal_total(self) -> int:
        return sum(self.dismissals.values())


def _actions(version: RuleSetVersion, window: Window, kinds):
    return FlagAction.objects.filter(window.at(), ruleset=version, kind__in=kinds)


def _counts(version: RuleSetVersion, window: Window, kinds) -> dict[str, int]:
    rows = (_actions(version, window, kinds)
            .values("flag__code").annotate(n=Count("id")).order_by())
    return {row["flag__code"]: row["n"] for row in rows}


def _dismissals(version: RuleSetVersion, window: Window) -> dict[str, dict[str, int]]:
    dismissals: dict[str, dict[str, int]] = defaultdict(dict)
    for row in (_actions(version, window, (FlagAction.Kind.DISMISSED,))
                .values("flag__code", "reason").annotate(n=Count("id")).order_by()):
        dismissals[row["flag__code"]][row["reason"]] = row["n"]
    return dismissals


def _patients(version: RuleSetVersion, window: Window) -> dict[str, int]:
    rows = (RuleFiring.objects.filter(window.overlapping("first_at", "last_at"),
                                      ruleset=version)
            .values("code").annotate(n=Count("patient", distinct=True)).order_by())
    return {row["code"]: row["n"] for row in rows}


def _median_hours_to_ack(version: RuleSetVersion, window: Window) -> dict[str, float]:
    first_ack = (FlagAction.objects.filter(flag=OuterRef("pk"),
                                           kind=FlagAction.Kind.ACKNOWLEDGED)
                 .order_by("at", "pk").values("at")[:1])
    opened = _actions(version, window, (FlagAction.Kind.OPENED,))
    rows = (Flag.objects.filter(pk__in=opened.values("flag_id"))
            .annotate(first_ack=Subquery(first_ack)).filter(first_ack__isnull=False)
            .values_list("code", "opened_at", "first_ack"))
    hours: dict[str, list[float]] = defaultdict(list)
    for code, opened_at, acked_at in rows:
        hours[code].append((acked_at - opened_at).total_seconds() / 3600)
    return {code: statistics.median(values) for code, values in hours.items()}


def rule_metrics(version: RuleSetVersion, window: Window = ALL_TIME) -> dict[str, RuleMetrics]:
    """Per rule code with some activity in the window, in five queries (see module doc)."""
    firings = _counts(version, window, FIRING)
    acks = _counts(version, window, (FlagAction.Kind.ACKNOWLEDGED,))
    dismissals = _dismissals(version, window)
    medians, patients = _median_hours_to_ack(version, window), _patients(version, window)
    codes = sorted(set(firings) | set(acks) | set(dismissals) | set(patients))
    return {code: RuleMetrics(code, firings.get(code, 0), acks.get(code, 0),
                              dict(sorted(dismissals[code].items())), medians.get(code),
                              patients.get(code, 0))
            for code in codes}


@dataclass(frozen=True)
class RuleAlarm:
    """One rule whose patient count moved too far between the two versions (module doc)."""

    code: str
    kind: str  # "stopped" or "surge"
    before: int  # patients for whom it fires under the replaced version
    now: int  # ... under the active version
    previous: int  # the replaced version's number
    active: int
    patients: int  # patients evaluated with both versions
    as_of: str  # the evaluation date of both, YYYY-MM-DD

    @property
    def message(self) -> str:
        cohort = (f" Compared on the same {_patients_text(self.patients)}, as of "
                  f"{self.as_of}.")
        if self.kind == "stopped":
            return (f"{self.code} fired for {_patients_text(self.before)} under "
                    f"v{self.previous} and for none under v{self.active}.{cohort}")
        if not self.before:
            return (f"{self.code} fires for {_patients_text(self.now)} under v{self.active} "
                    f"and for none under v{self.previous} (from none, more than "
                    f"{SURGE_FACTOR} is a surge).{cohort}")
        return (f"{self.code} fires for {self.now} patients under v{self.active}, more than "
                f"{SURGE_FACTOR}× the {self.before} under v{self.previous}.{cohort}")


def _patients_text(n: int) -> str:
    return f"{n} patient{'' if n == 1 else 's'}"


def alarm_kind(before: int, now: int) -> str | None:
    """"stopped", "surge" or None for a rule firing for `before` patients under the replaced
    version and `now` under the active one (module doc)."""
    if before >= 1 and now == 0:
        return "stopped"
    if now > SURGE_FACTOR * max(before, 1):
        return "surge"
    return None


@dataclass(frozen=True)
class AlarmReport:
    """What the versions page says of the active version's rules.

    state: "ready" (compared: `alarms`, possibly none), "pending" (the activation job that
    computes the comparison is queued or running), "unavailable" (it failed, was cancelled,
    or never ran) or "none" (the active version replaced no version: nothing to compare).
    """

    state: str
    active: int
    previous: int | None = None
    alarms: tuple[RuleAlarm, ...] = ()
    as_of: str = ""
    patients: int = 0
    job: JobRun | None = None
    surge_factor: int = SURGE_FACTOR

    @property
    def note(self) -> str:
        """Why there is no comparison yet, and what to do, for the states without one."""
        job, run = self.job, f"the re-evaluation of the cohort with v{self.active}"
        if self.state == "pending" and job is not None:
            doing = (f"running: {job.progress} of {job.total} patients"
                     if job.state == JobRun.State.RUNNING else "queued")
            return (f"No rule alarms yet: the comparison with v{self.previous} is computed by "
                    f"{run} (job #{job.pk}, {doing}), not finished yet.")
        if self.state == "unavailable":
            what = (f"job #{job.pk} {job.get_state_display().lower()}" if job is not None
                    else "it has not run with this version of the application")
            return (f"No rule alarms: the comparison with v{self.previous} is computed by "
                    f"{run}, and no run has finished ({what}). Re-evaluate the cohort again "
                    f"from the page of v{self.active}.")
        return ""


def _activation_jobs(active: RuleSetVersion):
    return (JobRun.objects.filter(kind=ACTIVATE_KIND, ruleset=active)
            .order_by("-created_at", "-pk"))


def rule_alarms(active: RuleSetVersion) -> AlarmReport:
    """The alarms of the active version against the version it replaced, from the newest
    finished activation job that compared them (a re-run of the re-evaluation makes a newer
    one); if there is none, a report that says why. At most three queries.

    Stopped: fires for ≥ 1 patient under the replaced version and for none under the active
    one. Surge: fires for more than SURGE_FACTOR (3) × max(previous, 1) patients under the
    active one, so a rule that fired for nobody and now fires for 4 or more is a surge.
    """
    if active.replaces_id is None:
        return AlarmReport("none", active.number)
    done = (_activation_jobs(active).filter(state=JobRun.State.DONE,
                                            result__has_key="comparison").first())
    if done is not None and done.result["comparison"].get("previous") is not None:
        return _compared(active, done)
    latest = _activation_jobs(active).first()
    state = "pending" if latest is not None and not latest.finished else "unavailable"
    return AlarmReport(state, active.number, active.replaces.number, job=latest)


def _compared(active: RuleSetVersion, job: JobRun) -> AlarmReport:
    comparison = job.result["comparison"]
    previous, as_of, patients = (comparison["previous"], comparison["as_of"],
                                 comparison["patients"])
    alarms = []
    for code, (before, now) in sorted(comparison["codes"].items()):
        kind = alarm_kind(before, now)
        if kind:
            alarms.append(RuleAlarm(code, kind, before, now, previous, active.number,
                                    patients, as_of))
    return AlarmReport("ready", active.number, previous, tuple(alarms), as_of, patients, job)
