"""Paging without surprises: the worklist's total is the severity count it is read from (not
counted twice, never different), and lists sorted by a value many rows share still show
each row exactly once across their pages."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.cadm.api.conftest import token_client
from tests.cadm.test_list_queries import _flag
from tests.factories import PatientFactory
from tests.searching import search_location

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("params", [
    {}, {"severity": "warning"}, {"severity": "info", "q": "flagged1"},
    {"severity": "fatal"},  # refused: the list is not narrowed, nor is its total
    {"state": "all", "code": "CODE_1"},
])
def test_the_worklist_total_is_the_number_of_rows_it_pages_through(derm_client, site,
                                                                    params, monkeypatch):
    monkeypatch.setattr("cadm.views.flags.PAGE_SIZE", 4)
    for n in range(14):
        _flag(PatientFactory(site=site, family_name=f"Flagged{n}"), n)
    # A search is POSTed and comes back as a token (issue 14 §7): the pages keep the token.
    url = search_location(derm_client, "worklist", params) if "q" in params else \
        f"{reverse('worklist')}?{urlencode(params)}"
    first = derm_client.get(url)
    pages = first.context["page"].paginator
    seen = [f.pk for number in pages.page_range for f in derm_client.get(
        f"{url}{'&' if '?' in url else '?'}page={number}").context["page"]]
    assert len(seen) == len(set(seen)) == pages.count == first.context["filter"].qs.count()
    assert pages.count > 0


def _last_order_key(client, url, params) -> str:
    """The last key of the ORDER BY of the page's query (the one with a LIMIT)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    [sql] = [q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"]
             and "ORDER BY" in q["sql"]]
    return sql.rsplit("ORDER BY", 1)[1].split("LIMIT")[0].split(",")[-1].strip()


def test_namesakes_are_each_on_one_page(rheum_client, site, monkeypatch):
    """Seven patients of one name, pages of three: each shown once; the id breaks the ties
    (a database may return rows that tie in any order, and differently for each page)."""
    monkeypatch.setattr("cadm.views.patients.PAGE_SIZE", 3)
    ids = {PatientFactory(site=site, family_name="Same", given_name="Name").pk
           for _ in range(7)}
    seen = [p.pk for number in (1, 2, 3) for p in rheum_client.get(
        reverse("patient-list"), {"page": number}).context["page"]]
    assert sorted(seen) == sorted(ids)
    assert _last_order_key(rheum_client, reverse("patient-list"), {}) == (
        '"cadm_patient"."id" ASC')


@pytest.mark.parametrize("ordering", ["birth_date", "-birth_date", "diagnosis_date,mrn"])
def test_api_pages_sorted_by_a_shared_value_show_each_patient_once(rheumatologist, site,
                                                                     ordering):
    """Every patient born the same day: pages of 3 walk all 10, none twice."""
    ids = {str(PatientFactory(site=site, birth_date=dt.date(1970, 1, 1)).public_id)
           for _ in range(10)}
    client = token_client(rheumatologist)
    seen = []
    for number in (1, 2, 3, 4):
        body = client.get("/api/v1/patients/", {"ordering": ordering, "page_size": 3,
                                                "page": number}).json()
        seen += [row["id"] for row in body["results"]]
    assert sorted(seen) == sorted(ids)
    direction = "DESC" if ordering.startswith("-") else "ASC"
    assert _last_order_key(client, "/api/v1/patients/", {"ordering": ordering}) == (
        f'"cadm_patient"."id" {direction}')


def test_api_flags_keep_the_worklist_order_across_pages(rheumatologist, dermatologist, site):
    """Critical first, then the oldest: the order the view gives its rows, which paging (and
    `?ordering=`'s tie-breaking) must not replace."""
    for n in range(9):
        _flag(PatientFactory(site=site), n)
    client = token_client(dermatologist)
    rows = [row for number in (1, 2, 3) for row in client.get(
        "/api/v1/flags/", {"page_size": 3, "page": number}).json()["results"]]
    ranks = {"critical": 0, "warning": 1, "info": 2}
    keys = [(ranks[row["severity"]], row["opened_at"]) for row in rows]
    assert len(rows) == 9 and keys == sorted(keys)
