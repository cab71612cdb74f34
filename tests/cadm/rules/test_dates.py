"""Calendar helpers: calendar months clamped to the month's end, completed months and years."""

from datetime import date

import pytest

from cadm.rules.dates import add_months, age_years, months_between

D = date.fromisoformat


@pytest.mark.parametrize("start, n, expected", [
    ("2025-01-15", 1, "2025-02-15"),
    ("2025-01-31", 1, "2025-02-28"),      # clamped
    ("2024-01-31", 1, "2024-02-29"),      # leap year
    ("2025-11-30", 3, "2026-02-28"),      # the contract's example diagnosis date
    ("2023-11-30", 3, "2024-02-29"),
    ("2025-08-31", 6, "2026-02-28"),
    ("2025-03-31", 1, "2025-04-30"),
    ("2025-12-15", 1, "2026-01-15"),      # year boundary
    ("2025-05-31", -3, "2025-02-28"),     # backwards, clamped
    ("2025-01-15", -1, "2024-12-15"),     # backwards over the year
    ("2025-11-30", -6, "2025-05-30"),
    ("2024-02-29", 12, "2025-02-28"),
    ("2024-02-29", 48, "2028-02-29"),
    ("2025-06-10", 0, "2025-06-10"),
    ("2025-06-10", -120, "2015-06-10"),
])
def test_add_months(start, n, expected):
    assert add_months(D(start), n) == D(expected)


@pytest.mark.parametrize("start, end, expected", [
    ("2025-01-15", "2025-01-15", 0),
    ("2025-01-15", "2025-07-14", 5),
    ("2025-01-15", "2025-07-15", 6),
    ("2025-01-15", "2025-07-16", 6),
    ("2025-01-31", "2025-02-27", 0),
    ("2025-01-31", "2025-02-28", 1),      # clamped month end counts as a full month
    ("2023-08-31", "2024-02-28", 5),
    ("2023-08-31", "2024-02-29", 6),
    ("2024-01-01", "2026-01-01", 24),
    ("2024-01-01", "2025-12-31", 23),
    ("2025-06-01", "2025-05-01", 0),      # end before start
])
def test_months_between(start, end, expected):
    assert months_between(D(start), D(end)) == expected


@pytest.mark.parametrize("birth, on, expected", [
    ("1985-06-15", "2025-06-14", 39),
    ("1985-06-15", "2025-06-15", 40),
    ("1985-06-15", "2025-06-16", 40),
    ("2007-01-01", "2024-12-31", 17),
    ("2007-01-01", "2025-01-01", 18),
    ("2000-02-29", "2018-02-28", 17),     # a 29 February birthday comes on 1 March
    ("2000-02-29", "2018-03-01", 18),
    ("2000-02-29", "2020-02-29", 20),
])
def test_age_years(birth, on, expected):
    assert age_years(D(birth), D(on)) == expected


def test_months_between_agrees_with_add_months():
    start = D("2023-08-31")
    for n in range(0, 40):
        assert months_between(start, add_months(start, n)) == n
