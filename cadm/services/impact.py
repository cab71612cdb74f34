"""What a rule-set version would change for one patient, against the live flags.

Per rule code, each patient with the code fired or a live flag for it counts once, in one
kind of change:

- open: the code fires, the patient has no live flag for it;
- close: a live flag, the code no longer fires;
- severity: both, with another severity;
- text: both, same severity, but the flag's evidence (its digest, as flags.evidence_digest
  computes it) or its summary or detail would change: the activation would update the flag.
  `evidence` counts those whose evidence digest changes (the others change wording only);
- stay: nothing would change.

`reopen` counts, on top of these, the quiet flags (acknowledged, snoozed, dismissed) that the
reconciliation would reopen because their evidence digest changes (flags._refresh): they are
also counted in `severity` or `text`. A snooze that simply ends is not counted: it ends
whichever version is active.

Kept as plain JSON on the preview job's row (its running totals between chunks):

    rules = {code: {"open": n, "close": n, "severity": n, "text": n, "evidence": n,
                    "reopen": n, "stay": n, "transitions": {"warning→critical": n},
                    "samples": {"open": [sample, ...], "close": [...], "severity": [...],
                                "text": [...], "reopen": [...]}}}
    sample = {"severity": [before, after],   # null on the side with no flag
              "state": the live flag's state, or null when there is none,
              "before": [[label, value, date], ...] or null,   # the live flag's evidence
              "after": [[label, value, date], ...] or null,    # the evidence that fires it
              "summary": [before, after],    # only when it differs
              "extra_changed": true}         # only when the digest changed but neither
                                             # severity nor evidence did (the rule's extra data)

Samples carry no patient identity, not even a public id: rules admins read them, and a case
is named by its place in its list ("case 1"). The row is rewritten after every chunk, so the
samples are capped: SAMPLE_SIZE per rule and change, EVIDENCE_ITEMS items per side, texts cut
to TEXT_CHARS characters.
"""

from __future__ import annotations

from collections.abc import Sequence

from cadm.models import Flag
from cadm.rules.outcomes import Flag as RuleFlag

from .flags import evidence_digest, evidence_reopens

SAMPLE_SIZE = 5
EVIDENCE_ITEMS = 8
TEXT_CHARS = 120
CHANGES = ("open", "close", "severity", "text", "reopen")
COUNTS = ("open", "close", "severity", "text", "evidence", "reopen", "stay")


def _impact(rules: dict, code: str) -> dict:
    impact = rules.setdefault(code, {})
    for key in COUNTS:  # setdefault: a result begun before "text"/"reopen" existed goes on
        impact.setdefault(key, 0)
    impact.setdefault("transitions", {})
    samples = impact.setdefault("samples", {})
    for change in CHANGES:
        samples.setdefault(change, [])
    return impact


def _cut(text: object) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS - 1] + "…"


def _items(evidence: Sequence[dict]) -> list[list]:
    """[label, value, date] of each item, as the flag page shows them; no `kind`, which the
    label already says."""
    return [[_cut(e.get("label")), _cut(e.get("value")), e.get("date")]
            for e in evidence[:EVIDENCE_ITEMS]]


def _sample(out: RuleFlag | None, flag: Flag | None) -> dict:
    """The values that make the difference for one case, before (live flag) → after."""
    after = [e.as_dict() for e in out.evidence] if out else None
    sample: dict = {"severity": [flag.severity if flag else None, out.severity if out else None],
                    "state": flag.state if flag else None,
                    "before": _items(flag.evidence) if flag else None,
                    "after": _items(after) if after is not None else None}
    summary = [flag.summary if flag else None, out.summary if out else None]
    if summary[0] != summary[1]:
        sample["summary"] = [_cut(s) if s is not None else None for s in summary]
    if (out and flag and out.severity == flag.severity and after == flag.evidence
            and evidence_digest(out) != flag.evidence_digest):
        sample["extra_changed"] = True
    return sample


def _add(impact: dict, change: str, out: RuleFlag | None, flag: Flag | None) -> None:
    impact[change] += 1
    if len(impact["samples"][change]) < SAMPLE_SIZE:
        impact["samples"][change].append(_sample(out, flag))


def impact_record(rules: dict, *, fired: Sequence[RuleFlag], live: Sequence[Flag]) -> None:
    """Add one patient: the flags `fired` by the previewed version, against the patient's
    `live` flags (not resolved). Nothing about who the patient is goes into `rules`."""
    now = {f.code: f for f in fired}
    before = {f.code: f for f in live}
    for code in sorted(now.keys() | before.keys()):
        impact, out, flag = _impact(rules, code), now.get(code), before.get(code)
        if flag is None:
            _add(impact, "open", out, None)
        elif out is None:
            _add(impact, "close", None, flag)
        else:
            _compare(impact, out, flag)


def _compare(impact: dict, out: RuleFlag, flag: Flag) -> None:
    """A code that fires and has a live flag: severity, text/evidence, or nothing changes.
    The digest is the one the reconciliation stores and compares (flags.evidence_digest):
    the preview must call "reopen" exactly what an activation would reopen."""
    digest = evidence_digest(out)
    digest_changed = digest != flag.evidence_digest
    if out.severity != flag.severity:
        _add(impact, "severity", out, flag)
        step = f"{flag.severity}→{out.severity}"
        impact["transitions"][step] = impact["transitions"].get(step, 0) + 1
    elif digest_changed or out.summary != flag.summary or out.detail != flag.detail:
        _add(impact, "text", out, flag)
        impact["evidence"] += digest_changed
    else:
        impact["stay"] += 1
    if evidence_reopens(flag, digest):
        _add(impact, "reopen", out, flag)


def impact_totals(rules: dict) -> dict[str, int]:
    """Each count summed over the rules (for the version page and the activation page).
    Results written before a count existed add 0 for it."""
    return {key: sum(impact.get(key, 0) for impact in rules.values()) for key in COUNTS}
