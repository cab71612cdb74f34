"""IMACS screening plan: items, due dates, windows and status (case-format.md; reference §1.5).
"""

from datetime import date

import pytest

from tests.cadm.rules.builders import ab, codes, d, days, make, months, run, screen, visit

ONSET = "2025-01-10"
DX = "2025-02-01"
DUE = "2025-05-01"                           # DX + 3 months
YEARLY = ("2026-02-01", "2027-02-01", "2028-02-01")


def facts_for(tier, *records, diagnosis=DX):
    """A patient of the given tier: standard (cadm alone), moderate (+ mda5), high (+ tif1g,
    age over 40), not_applicable (juvenile)."""
    extra = {"standard": [], "moderate": [ab(diagnosis, "mda5")],
             "high": [ab(diagnosis, "tif1g")], "not_applicable": []}[tier]
    birth = {"high": "1960-01-01", "not_applicable": "2012-01-01"}.get(tier, "1994-01-01")
    onset = ONSET if diagnosis == DX else months(diagnosis, -1)
    return make(visit(diagnosis), *extra, *records, birth=birth, onset=onset,
                diagnosis=diagnosis)


def plan(tier, *records, as_of="2025-03-01", diagnosis=DX, overrides=None):
    ev = run(facts_for(tier, *records, diagnosis=diagnosis), as_of, overrides)
    assert ev.cancer_risk.tier == tier
    return ev.screening_plan


def shape(items):
    return [(i.panel, i.due.isoformat(), i.status) for i in items]


# items and due dates -------------------------------------------------------------------------

def test_standard_tier_basic_panel_at_three_months():
    assert shape(plan("standard")) == [("basic", DUE, "due")]


def test_moderate_tier_basic_and_enhanced_at_three_months():
    assert shape(plan("moderate")) == [("basic", DUE, "due"), ("enhanced", DUE, "due")]


def test_high_tier_adds_yearly_basic_panels():
    assert shape(plan("high")) == [("basic", DUE, "due"), ("enhanced", DUE, "due"),
                                   *(("basic", y, "due") for y in YEARLY)]


def test_not_applicable_has_no_plan():
    assert plan("not_applicable") == ()


@pytest.mark.parametrize("diagnosis, first, yearly", [
    ("2025-11-30", "2026-02-28", ("2026-11-30", "2027-11-30", "2028-11-30")),
    ("2023-11-30", "2024-02-29", ("2024-11-30", "2025-11-30", "2026-11-30")),
    ("2024-02-29", "2024-05-29", ("2025-02-28", "2026-02-28", "2027-02-28")),
])
def test_month_end_diagnosis_dates_are_clamped(diagnosis, first, yearly):
    items = plan("high", diagnosis=diagnosis, as_of=diagnosis)
    assert [i.due.isoformat() for i in items] == [first, first, *yearly]


def test_windows_of_a_month_end_diagnosis():
    items = plan("high", diagnosis="2025-11-30", as_of="2025-11-30")
    first, yearly = items[0], items[2]
    assert (first.window_start, first.window_end) == (d("2025-05-30"), d("2026-11-28"))
    assert (yearly.window_start, yearly.window_end) == (d("2026-08-30"), d("2027-08-30"))
    assert [i.kind for i in items] == ["diagnosis"] * 2 + ["follow-up"] * 3


# windows in which a record counts ------------------------------------------------------------

@pytest.mark.parametrize("record_day, status", [
    (days(months(DX, -6), -1), "overdue"), # 2024-07-31: one day too early
    (months(DX, -6), "done"),              # 2024-08-01
    (DX, "done"),
    (months(DUE, 9), "done"),              # 2026-02-01
    (days(months(DUE, 9), 1), "overdue"),  # 2026-02-02: too late, and late anyway
])
def test_first_item_window(record_day, status):
    items = plan("standard", screen(record_day), as_of="2026-06-01")
    assert items[0].status == status
    assert items[0].done_on == (d(record_day) if status == "done" else None)


@pytest.mark.parametrize("record_day, status", [
    (days(months(YEARLY[0], -3), -1), "overdue"),   # 2025-10-31
    (months(YEARLY[0], -3), "done"),                # 2025-11-01
    (months(YEARLY[0], 9), "done"),                 # 2026-11-01
    (days(months(YEARLY[0], 9), 1), "overdue"),     # 2026-11-02
])
def test_yearly_item_window(record_day, status):
    items = plan("high", screen(record_day), as_of="2026-12-01")
    assert items[2].due == d(YEARLY[0])
    assert items[2].status == status


def test_a_record_in_overlapping_windows_completes_both_items():
    items = plan("high", screen("2026-01-15"), screen("2025-03-01", "enhanced"),
                 as_of="2026-03-01")
    assert [i.status for i in items[:3]] == ["done", "done", "done"]


def test_panels_are_not_interchangeable():
    items = plan("moderate", screen("2025-03-01", "enhanced"), as_of="2025-04-01")
    assert shape(items) == [("basic", DUE, "due"), ("enhanced", DUE, "done")]


@pytest.mark.parametrize("result", ["no_cancer", "cancer_found", "pending"])
def test_any_result_completes_the_item(result):
    assert plan("standard", screen("2025-03-01", result=result))[0].status == "done"


def test_a_record_after_as_of_does_not_count():
    assert plan("standard", screen("2025-06-01"), as_of="2025-05-15")[0].status == "due"


# overdue -------------------------------------------------------------------------------------

@pytest.mark.parametrize("offset, status", [(0, "due"), (59, "due"), (60, "due"),
                                            (61, "overdue")])
def test_overdue_more_than_60_days_after_due(offset, status):
    as_of = days(DUE, offset)
    assert plan("standard", as_of=as_of)[0].status == status
    flagged = "CANCER_SCREENING_OVERDUE" in codes(run(facts_for("standard"), as_of))
    assert flagged is (status == "overdue")


@pytest.mark.parametrize("offset, status", [(60, "due"), (61, "overdue")])
def test_yearly_item_overdue_edge(offset, status):
    items = plan("high", screen("2025-03-01"), screen("2025-03-01", "enhanced"),
                 as_of=days(YEARLY[0], offset))
    assert [i.status for i in items] == ["done", "done", status, "due", "due"]


def test_done_item_is_never_overdue():
    assert plan("standard", screen("2025-03-01"), as_of="2030-01-01")[0].status == "done"


def test_overdue_flag_lists_the_overdue_items():
    ev = run(facts_for("high", screen("2025-03-01"), screen("2025-03-01", "enhanced")),
             "2026-04-20")
    f = ev.flag("CANCER_SCREENING_OVERDUE")
    assert f.severity == "warning"
    assert "2026-02-01" in f.summary
    assert [e.date for e in f.evidence] == [date(2026, 2, 1)]


def test_no_overdue_flag_when_everything_is_done():
    ev = run(facts_for("standard", screen("2025-03-01")), "2027-01-01")
    assert "CANCER_SCREENING_OVERDUE" not in codes(ev)


# parameters ----------------------------------------------------------------------------------

def test_grace_period_is_a_parameter():
    items = plan("standard", as_of=days(DUE, 31), overrides={"screening.overdue_grace_days": 30})
    assert items[0].status == "overdue"


def test_moderate_follow_up_count_is_a_parameter():
    items = plan("moderate", overrides={"screening.moderate_followup_count": 2})
    assert shape(items)[2:] == [("basic", YEARLY[0], "due"), ("basic", YEARLY[1], "due")]


def test_first_due_months_is_a_parameter():
    items = plan("standard", overrides={"screening.first_due_months": 1})
    assert items[0].due == d("2025-03-01")


def test_follow_up_interval_is_a_parameter():
    items = plan("high", overrides={"screening.followup_interval_months": 6,
                                    "screening.followup_count": 2})
    assert [i.due.isoformat() for i in items[2:]] == ["2025-08-01", "2026-02-01"]
