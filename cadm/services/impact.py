"""What a rule-set version would change for one patient, against the live flags.

Kept as plain JSON (the preview job stores its running totals on its row between chunks):

    rules = {code: {"open": n, "close": n, "severity": n, "stay": n,
                    "transitions": {"warning→critical": n},
                    "samples": {"open": [public_id, ...], "close": [...], "severity": [...]}}}
"""

from __future__ import annotations

from collections.abc import Sequence

from cadm.models import Flag
from cadm.rules.outcomes import Flag as RuleFlag

SAMPLE_SIZE = 5
CHANGES = ("open", "close", "severity")


def _impact(rules: dict, code: str) -> dict:
    return rules.setdefault(code, {"open": 0, "close": 0, "severity": 0, "stay": 0,
                                   "transitions": {}, "samples": {c: [] for c in CHANGES}})


def _add(impact: dict, change: str, case: str) -> None:
    impact[change] += 1
    if len(impact["samples"][change]) < SAMPLE_SIZE:
        impact["samples"][change].append(case)


def impact_record(rules: dict, *, case: str, fired: Sequence[RuleFlag],
                  live: Sequence[Flag]) -> None:
    """Add one patient: `fired` by the previewed version, `live` flags (not resolved)."""
    now = {f.code: f.severity for f in fired}
    before = {f.code: f.severity for f in live}
    for code in now.keys() | before.keys():
        impact = _impact(rules, code)
        if code not in before:
            _add(impact, "open", case)
        elif code not in now:
            _add(impact, "close", case)
        elif now[code] != before[code]:
            _add(impact, "severity", case)
            step = f"{before[code]}→{now[code]}"
            impact["transitions"][step] = impact["transitions"].get(step, 0) + 1
        else:
            impact["stay"] += 1
