"""The lung cohort's queries are answered by the indexes made for them (PostgreSQL), in the
style of tests/cadm/test_list_indexes.py: the planner is told to avoid reading whole tables
(and, where the page's order comes from the index, sorting), so a plan names the index only
if the index fits the query as the ORM writes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cadm.selectors.patients import patient_list_for
from monitoring import cohort as page
from monitoring.models import LungStatus
from tests.cadm.test_list_indexes import plan_of

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="the indexes and their plans are PostgreSQL's"),
]

TODAY = timezone.localdate()
SINCE = TODAY - timedelta(days=365)


def test_the_anti_mda5_list_reads_its_members_only(rheumatologist):
    """Its order depends on the day (overdue), so it is sorted; but only its members are
    read, through the partial index."""
    query = page.mda5_list(patient_list_for(user=rheumatologist), TODAY)[:50]
    assert "lung_status_mda5" in plan_of(query, ordered=False)


def test_the_progression_list_is_read_in_its_order(rheumatologist):
    """The year's window is a range of the index, read in the list's order: a page reads
    about its own rows, whatever the cohort."""
    query = page.progression_list(patient_list_for(user=rheumatologist), SINCE, TODAY)[:50]
    text = plan_of(query)
    assert "Index Scan using lung_status_progression" in text
    assert "Index Cond: ((progression_on >=" in text
    # Only namesakes of the same day are sorted, by name, as the index gives them.
    assert ("Presorted Key: monitoring_lungstatus.mda5_positive, "
            "monitoring_lungstatus.progression_on") in text


def test_patients_not_evaluated_are_counted_from_their_own_index(rheumatologist):
    scope = patient_list_for(user=rheumatologist).order_by().values("pk")
    query = LungStatus.objects.filter(as_of__isnull=True, patient__in=scope).values("pk")
    assert "lung_status_unevaluated" in plan_of(query, ordered=False)
