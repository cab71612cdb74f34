"""Merging the results of a cohort job's chunks (cadm/job_results.py): what each chunk added
to the kind's `begin`, summed; the rest as `begin` gave it."""

from cadm.job_results import ERRORS_KEPT, errors_add, results_merged

BASE = {"ruleset": 2, "as_of": "2026-11-30", "patients": 0, "errors": [], "error_count": 0,
        "comparison": {"previous": 1, "patients": 0, "codes": {}}, "digest": None}


def part(patients: int, codes: dict, errors: list[str]) -> dict:
    return {**BASE, "patients": patients, "errors": errors, "error_count": len(errors),
            "comparison": {"previous": 1, "patients": patients, "codes": codes}}


def test_counts_add_and_what_no_chunk_changes_stays():
    first = part(2, {"A": [1, 0]}, [])
    second = part(3, {"A": [0, 2], "B": [1, 1]}, ["patient id 7: ValueError"])

    total = results_merged(results_merged(BASE, first, BASE), second, BASE)

    assert total == {"ruleset": 2, "as_of": "2026-11-30", "patients": 5,
                     "errors": ["patient id 7: ValueError"], "error_count": 1,
                     "comparison": {"previous": 1, "patients": 5,
                                    "codes": {"A": [1, 2], "B": [1, 1]}},
                     "digest": None}


def test_a_key_that_only_chunks_add_is_summed_from_zero():
    total = results_merged(BASE, {**BASE, "failed": 2}, BASE)
    total = results_merged(total, {**BASE, "failed": 1}, BASE)
    assert total["failed"] == 3


def test_lists_are_kept_in_merge_order_up_to_the_cap():
    total = BASE
    for chunk in range(ERRORS_KEPT):
        result = {**BASE, "errors": []}
        errors_add(result, chunk * 10, ValueError())
        errors_add(result, chunk * 10 + 1, KeyError())
        total = results_merged(total, result, BASE)

    assert total["error_count"] == 2 * ERRORS_KEPT
    assert len(total["errors"]) == ERRORS_KEPT
    assert total["errors"][:3] == ["patient id 0: ValueError", "patient id 1: KeyError",
                                   "patient id 10: ValueError"]


def test_the_arguments_are_not_changed():
    first = part(1, {"A": [1, 1]}, ["x"])
    before = repr(first), repr(BASE)
    total = results_merged(first, part(1, {"A": [1, 0]}, ["y"]), BASE)
    assert (repr(first), repr(BASE)) == before
    assert total["comparison"]["codes"]["A"] == [2, 1] and total["errors"] == ["x", "y"]
