"""What a cohort job's result holds, and how the results of its chunks add up.

Each chunk of a cohort job (cadm/job_chunks.py) starts from the kind's `begin(job)` and adds
its patients to that copy; the job's result is the chunks' results merged in patient order.
A chunk's contribution is what it changed from `begin`, which is what lets one generic merge
serve every kind: a number the chunks never change (the rule-set version, the preview's
`patients_total`) stays as `begin` gave it, instead of being added up once per chunk.
"""

from __future__ import annotations

ERRORS_KEPT = 50  # per-patient errors listed on the row; the count goes on


def errors_add(result: dict, patient_id: int, exc: Exception) -> None:
    """A patient whose evaluation failed: named by id on the row (the rest go on)."""
    result["error_count"] = result.get("error_count", 0) + 1
    errors = result.setdefault("errors", [])
    if len(errors) < ERRORS_KEPT:
        errors.append(f"patient id {patient_id}: {type(exc).__name__}")


def results_merged(total: dict, part: dict, base: dict, *, cap: int = ERRORS_KEPT) -> dict:
    """`total` with one chunk's result `part` added, both having begun as `base`:

    - a number adds what the chunk added to base's (0 when base has none);
    - a dict merges key by key;
    - a list of numbers as long as total's (activation's [before, now] per rule code) adds
      item by item;
    - any other list (errors, sample cases) gets the chunk's items after base's, the whole
      cut to `cap`: merged in patient order, the kept ones are those a single run keeps;
    - anything else (a date, a digest) is the same in every chunk and stays.

    A new dict; neither argument is changed.
    """
    return _merged(total, part, base, cap)


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _merged(total, part, base, cap: int):
    if _number(part):
        start = base if _number(base) else 0
        return (total if _number(total) else start) + part - start
    if isinstance(part, dict):
        base = base if isinstance(base, dict) else {}
        merged = dict(total) if isinstance(total, dict) else {}
        for key, value in part.items():
            merged[key] = _merged(merged.get(key, base.get(key)), value, base.get(key), cap)
        return merged
    if isinstance(part, list):
        base = base if isinstance(base, list) else []
        total = total if isinstance(total, list) else base
        if (part and len(total) == len(part)
                and all(_number(value) for value in (*total, *part))):
            start = base if len(base) == len(part) and all(map(_number, base)) else [0] * len(part)
            return [t + p - s for t, p, s in zip(total, part, start, strict=True)]
        return (total + part[len(base):])[:cap]
    return part if total is None else total
