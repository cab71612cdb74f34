"""Benchmark of the pure rules engine: how evaluation time grows with a patient's history.

Prints ratios measured in the same run (no absolute timings are asserted anywhere):
- engine / baseline: one evaluation against one pass that sorts the same records
  (`PatientFacts.up_to`), so the figure is stable across machines;
- growth: time per evaluation at N records against N/10 records (1.0 = constant,
  10 = linear, 100 = quadratic).

Run: make bench (or .venv/bin/python bench/bench_engine.py). bench/run.py reads
`engine_us_per_patient` for its `engine_us_per_patient_vs_1000us` ratio.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import timeit
from datetime import date, timedelta
from pathlib import Path

# The project under test: this checkout, or BENCH_APP_DIR (another tree, e.g. a baseline).
sys.path.insert(0, os.environ.get("BENCH_APP_DIR") or str(Path(__file__).resolve().parents[1]))

from cadm.rules import facts as f  # noqa: E402
from cadm.rules.engine import evaluate  # noqa: E402
from cadm.rules.params import DEFAULTS, validate_params  # noqa: E402

AS_OF = date(2026, 6, 1)
SIZES = (10, 100, 1000)


def synthetic_facts(records: int, seed: int = 7) -> f.PatientFacts:
    """A synthetic anti-MDA5 patient with `records` results spread over five years."""
    rng = random.Random(seed)
    start = AS_OF - timedelta(days=5 * 365)

    def day() -> date:
        return start + timedelta(days=rng.randrange(5 * 365))

    per = max(1, records // 6)
    return f.PatientFacts(
        patient=f.PatientInfo("female", date(1975, 1, 1), start, start + timedelta(days=30)),
        visits=tuple(f.VisitFact(day(), 60.0, frozenset({"heliotrope"}), frozenset(),
                                 frozenset({"dry_cough"} if rng.random() < .2 else ()))
                     for _ in range(per)),
        labs=tuple(f.LabFact(day(), rng.choice(("ck", "ferritin", "kl6", "ldh", "crp")),
                             rng.uniform(50, 2000), 192.0) for _ in range(per * 2)),
        antibodies=(f.AntibodyFact(start, "mda5", "positive", "line_blot", 2),),
        pft=tuple(f.PftFact(day(), rng.uniform(60, 95), rng.uniform(40, 90), 3.0)
                  for _ in range(per)),
        hrct=tuple(f.HrctFact(day(), True, frozenset({"ground_glass"})) for _ in range(per // 2)),
        six_minute_walk=tuple(f.WalkFact(day(), 420.0, rng.uniform(85, 97))
                              for _ in range(per // 2)),
        medications=(f.MedicationFact("hydroxychloroquine", start, 400.0),),
        eye_exams=(f.EyeExamFact(start),),
    )


def best_of(stmt, number: int) -> float:
    return min(timeit.repeat(stmt, number=number, repeat=5)) / number


def engine_us_per_patient(records: int = 94) -> float:
    """Microseconds of one evaluation of a patient with `records` results over five years
    (about the average patient of bench/cohort_data.py), best of five repeats."""
    params = validate_params(dict(DEFAULTS))
    facts = synthetic_facts(records)
    return best_of(lambda: evaluate(facts, params, AS_OF, validated=True), 200) * 1e6


def main() -> None:
    params = validate_params(dict(DEFAULTS))
    per_size = {}
    print(f"{'records':>8} {'engine/baseline':>16} {'growth vs /10':>14}")
    for size in SIZES:
        facts = synthetic_facts(size)
        number = max(3, 3000 // size)
        engine = best_of(lambda facts=facts: evaluate(facts, params, AS_OF, validated=True),
                         number)
        baseline = best_of(lambda facts=facts: facts.up_to(AS_OF), number)
        per_size[size] = engine
        growth = engine / per_size[size // 10] if size // 10 in per_size else float("nan")
        print(f"{size:>8} {engine / baseline:>16.1f} {growth:>14.1f}")
    ratios = [per_size[b] / per_size[a] for a, b in zip(SIZES, SIZES[1:], strict=False)]
    print(f"median growth per 10x history: {statistics.median(ratios):.1f} "
          f"(10 would be linear)")


if __name__ == "__main__":
    main()
