"""Each list's page query can be answered by the index made for it (PostgreSQL): the SQL the
ORM writes for the filter and the order matches the index's columns and expressions.

The planner is told to avoid reading whole tables and sorting (as it does on a large site,
where EXPLAIN showed these plans), so a plan names the index only if the index fits the query:
a renamed expression or a changed ordering makes these fail."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from cadm.api.audit import AuditList
from cadm.models import Patient
from cadm.selectors.flags import _CODES_SQL, WorklistFilter, flag_list_for
from cadm.selectors.patients import patient_list_for
from screening.selectors import cohort_items_for

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="the indexes and their plans are PostgreSQL's"),
]

TODAY = timezone.localdate()


def plan(sql: str, params=(), *, ordered: bool = True, without: tuple[str, ...] = ()) -> str:
    """`ordered`: the page's order must come from an index (no sort after reading).
    `without`: indexes dropped for this plan only (rolled back), where another index could
    serve the query too and the planner's pick would depend on the test tables' statistics."""
    with transaction.atomic(), connection.cursor() as cursor:
        for name in without:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        if ordered:
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        text = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return text


def plan_of(queryset, *, ordered: bool = True, without: tuple[str, ...] = ()) -> str:
    return plan(*queryset.query.sql_with_params(), ordered=ordered, without=without)


def worklist(user, **params):
    return WorklistFilter(params, queryset=flag_list_for(user=user), user=user,
                          today=TODAY).rows()[:50]


@pytest.mark.parametrize(("name", "query", "index"), [
    ("patient list", lambda u: patient_list_for(user=u)[:50], "patient_name_order"),
    ("API patients by birth date",
     lambda u: patient_list_for(user=u).order_by("birth_date", "pk")[:50],
     "patient_birth_order"),
    ("API patients newest first",
     lambda u: patient_list_for(user=u).order_by("-created_at", "-pk")[:50],
     "patient_created_order"),
    # flag_order serves these too (reading past the resolved flags): without it, the plan
    # shows that the partial index's condition covers the worklist's states.
    ("worklist", lambda u: worklist(u), ("flag_live_order", "flag_order")),
    ("worklist, live flags", lambda u: worklist(u, state="live"),
     ("flag_live_order", "flag_order")),
    ("worklist, every flag", lambda u: worklist(u, state="all"), "flag_order"),
    ("worklist by age", lambda u: worklist(u, state="live", sort="-opened"),
     "flag_live_opened"),
    ("worklist by patient", lambda u: worklist(u, state="live", sort="patient"),
     "patient_name_order"),
    ("screening due soon", lambda u: cohort_items_for(user=u, today=TODAY).due_soon[:50],
     "screening_item_status_due"),
    ("screening overdue", lambda u: cohort_items_for(user=u, today=TODAY).overdue[:50],
     "screening_item_status_due"),
])
def test_the_page_query_uses_its_index(name, query, index, rheumatologist):
    index, *without = (index,) if isinstance(index, str) else index
    assert index in plan_of(query(rheumatologist), without=tuple(without)), name


@pytest.mark.parametrize(("lookup", "index"), [
    ({"mrn__iexact": "m-0042"}, "patient_mrn_upper"),
    ({"family_name__icontains": "smi"}, "patient_family_trgm"),
    ({"given_name__icontains": "ann"}, "patient_given_trgm"),
])
def test_each_arm_of_the_search_has_its_index(lookup, index):
    """The patient search (cadm.selectors.patients, also the worklist's) is an MRN in any
    case or part of a name: each lookup, as the ORM writes it, is found by its index (read
    as a bitmap: the planner may not walk the table nor an unrelated index)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = Patient.objects.filter(**lookup).query.sql_with_params()
        assert index in plan(sql, params, ordered=False)


def _audit(superuser, **params):
    view = AuditList()
    view.request = view.initialize_request(RequestFactory().get("/api/v1/audit/", params))
    view.request.user = superuser
    view.format_kwarg = None
    return view.filter_queryset(view.get_queryset())[:50]


@pytest.mark.parametrize(("params", "index", "without"), [
    ({}, "audit_at_order", ()),
    ({"since": "2025-01-01T00:00:00Z"}, "audit_at_order", ()),
    # audit_at_order gives the order too (filtering the action as it reads): which of the two
    # the planner takes depends on the test table's statistics (a CI run took the other).
    ({"action": "screening.export"}, "audit_action_at", ("audit_at_order",)),
])
def test_the_audit_trail_newest_first_uses_its_index(params, index, without, rheumatologist):
    rheumatologist.is_superuser = True
    assert index in plan_of(_audit(rheumatologist, **params), without=without)


def test_the_worklist_codes_probe_the_code_index(rheumatologist):
    sql = _CODES_SQL.format(flag="cadm_flag", patient="cadm_patient", sites="%s")
    assert "flag_code" in plan(sql, [rheumatologist.sites.get().pk])
