"""What rules admins read before deciding on a version, the same on its pages and in the API:
the version it is compared with (and why), its latest impact preview summed up, and that
preview's rows per rule with sample cases by their values (never a patient's identity)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import F, Q

from cadm.models import JobRun, RuleSetVersion
from cadm.services.impact import impact_totals

from .rulesets import PREVIEW_KIND, params_digest, ruleset_jobs

State = RuleSetVersion.State


def ruleset_compared_with(version: RuleSetVersion, active: RuleSetVersion | None, *,
                          against: str = "") -> tuple[RuleSetVersion | None, str]:
    """The version to diff against, and why (said in the heading). `against` (the query's
    ?against=N) if it is a version number; else what this version changes in the cohort's
    rules: an active or retired version against the version it replaced, one not yet
    activated against the active version it would replace, a rejected one against the
    version that was active when it was rejected (what it would have replaced). `based_on` is
    the fallback: it says only where the parameters were copied from, which need not be what
    was or is in use."""
    number = version_number(against)
    if number is not None:
        return RuleSetVersion.objects.filter(number=number).first(), "chosen"
    if version.state in (State.ACTIVE, State.RETIRED) and version.replaces_id:
        return version.replaces, "replaced"
    if version.state in (State.DRAFT, State.AWAITING_APPROVAL, State.APPROVED) and active:
        return active, "would_replace"
    if version.state == State.REJECTED and version.rejected_at:
        then = _active_at(version.rejected_at)
        if then is not None:
            return then, "active_when_rejected"
    return version.based_on, "based_on"


def _active_at(moment) -> RuleSetVersion | None:
    """The version that was active at `moment`, from the activation and retirement times
    (version 1, created active by a migration, is active from its creation)."""
    return (RuleSetVersion.objects
            .filter(state__in=(State.ACTIVE, State.RETIRED))
            .filter(Q(activated_at__lte=moment) | Q(activated_at__isnull=True,
                                                   created_at__lte=moment))
            .filter(Q(retired_at__isnull=True) | Q(retired_at__gt=moment))
            .order_by(F("activated_at").desc(nulls_last=True), "-number").first())


def version_number(text: str | None) -> int | None:
    """A version number typed in ASCII digits, else None. Not str.isdigit(): it accepts "²",
    which int() refuses; and nine digits at most, so the database's integer never overflows."""
    if text and re.fullmatch(r"[0-9]{1,9}", text):
        return int(text)
    return None


@dataclass(frozen=True)
class PreviewSummary:
    """The latest preview of a version, as a committee reads it before deciding."""

    version: RuleSetVersion
    job: JobRun | None
    is_stale: bool = False  # run on other parameters (the draft changed afterwards)
    # Activated after the preview ran: the preview compared with the flags of before.
    activated_since: RuleSetVersion | None = None
    totals: dict[str, int] = field(default_factory=dict)


def preview_summary(version: RuleSetVersion, active: RuleSetVersion | None) -> PreviewSummary:
    job = ruleset_jobs(version, PREVIEW_KIND).first()
    if job is None:
        return PreviewSummary(version, None)
    moved = (active if active and active.pk != version.pk and active.activated_at
             and active.activated_at > job.created_at else None)
    return PreviewSummary(
        version, job,
        # The same test as the preview page: a preview records the digest of the parameters
        # it ran with (an old one without a digest cannot say, so it counts as stale).
        is_stale=job.params.get("params_digest") != params_digest(version.params),
        activated_since=moved, totals=impact_totals((job.result or {}).get("rules", {})))


def is_identical_copy(version: RuleSetVersion, active: RuleSetVersion | None) -> bool:
    """Same parameters as the active version: activating it changes no flag's content, it
    only records the new version number on every flag."""
    return bool(active and active.pk != version.pk and version.params == active.params)


CHANGE_TITLES = {"open": "Would open", "close": "Would close",
                 "severity": "Severity would change", "text": "Text/evidence would change",
                 "reopen": "Quiet flag would reopen"}


def impact_rows(job: JobRun | None) -> list[dict]:
    """Per rule: its counts (cadm/services/impact.py) and its sample cases ready to show,
    numbered per rule and change. Rules with a change first, then the unchanged ones;
    alphabetical within each."""
    rules = (job.result or {}).get("rules", {}) if job else {}
    rows = []
    for code, impact in rules.items():
        samples = []
        for change, title in CHANGE_TITLES.items():
            # Previews run before samples carried values held public ids: never shown.
            cases = [s for s in impact.get("samples", {}).get(change, []) if isinstance(s, dict)]
            if cases:
                samples.append({"change": change, "title": title, "count": impact.get(change, 0),
                                "cases": [{**s, "n": n, "evidence": _evidence_rows(s)}
                                          for n, s in enumerate(cases, 1)]})
        rows.append({"code": code, "impact": impact, "samples": samples,
                     "wording_only": impact.get("text", 0) - impact.get("evidence", 0),
                     "changed": any(impact.get(change) for change in CHANGE_TITLES)})
    return sorted(rows, key=lambda row: (not row["changed"], row["code"]))


def _evidence_rows(sample: dict) -> list[tuple[str, str | None, str | None, bool]]:
    """The evidence side by side by label: (label, "value (date)" of the live flag, with
    the version, whether they differ). A label given twice on a side is one row."""
    def by_label(items) -> dict[str, str]:
        shown: dict[str, list[str]] = {}
        for label, value, day in items or ():
            shown.setdefault(label, []).append(f"{value} ({day})" if day else value)
        return {label: "; ".join(values) for label, values in shown.items()}

    before, after = by_label(sample.get("before")), by_label(sample.get("after"))
    return [(label, before.get(label), after.get(label), before.get(label) != after.get(label))
            for label in dict.fromkeys([*before, *after])]
