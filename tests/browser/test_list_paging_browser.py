"""Paged lists in real Chromium: Next and Previous move one list a page at a time and keep
what narrows the page (the search, the filters, the site, the other list's page).

Pages of 2 rows (each view's PAGE_SIZE, in the live server's process), so a few patients
make several pages."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.session import log_in
from tests.cadm.test_list_queries import _flag, _lung_patient, _screening_patient
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = dt.date.today()


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


@pytest.fixture
def two_per_page(monkeypatch):
    for module in ("cadm.views.flags", "cadm.views.patients", "screening.views.cohort",
                   "monitoring.cohort"):
        monkeypatch.setattr(f"{module}.PAGE_SIZE", 2)


def test_patient_search_pages_keep_the_search(page: Page, live_server, site, rheumatologist,
                                              other_site, two_per_page, screenshot):
    for n in range(5):
        PatientFactory(site=site, family_name=f"Common{n}", given_name="Ann")
    PatientFactory(site=site, family_name="Elsewise")
    log_in(page, live_server.url, "rheum")
    page.goto(f"{live_server.url}/patients/")
    page.get_by_label("MRN or name").fill("common")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("table.grid tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator(".pager")).to_contain_text("Page 1 of 3")
    page.get_by_role("link", name="Next").click()
    expect(page.locator(".pager")).to_contain_text("Page 2 of 3")
    expect(rows.first).to_contain_text("Common2")
    query = query_of(page)  # the search is a token (issue 14 §7), never the words typed
    assert set(query) == {"q", "page"} and query["page"] == ["2"]
    assert "common" not in page.url.lower()
    screenshot(page, "page-2")
    page.get_by_role("link", name="Next").click()
    expect(rows).to_have_count(1)
    expect(page.get_by_role("link", name="Next")).to_have_count(0)
    page.get_by_role("link", name="Previous").click()
    expect(page.locator(".pager")).to_contain_text("Page 2 of 3")
    expect(page.get_by_text("Elsewise")).to_have_count(0)


def test_worklist_pages_keep_the_filters_and_the_sort(page: Page, live_server, site,
                                                      dermatologist, two_per_page):
    for n in range(9):  # critical for n = 0, 3, 6
        _flag(PatientFactory(site=site, family_name=f"Flagged{n}"), n)
    log_in(page, live_server.url, "derm")
    page.get_by_label("Severity").select_option("warning")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("columnheader", name="Patient").get_by_role("link").click()
    expect(page.locator(".pager")).to_contain_text("Page 1 of 2 · 3 flags")
    page.get_by_role("link", name="Next").click()
    expect(page.locator("table.worklist tbody tr")).to_have_count(1)
    expect(page.locator("table.worklist tbody")).to_contain_text("Flagged7")
    query = query_of(page)
    assert query["severity"] == ["warning"] and query["sort"] == ["patient"]
    assert query["page"] == ["2"]


def test_screening_cohort_pages_each_list_apart(page: Page, live_server, site, rheumatologist,
                                                other_site, two_per_page, screenshot):
    rheumatologist.sites.add(other_site)
    for n in range(5):
        _screening_patient(site, n)
    _screening_patient(other_site, 9)
    log_in(page, live_server.url, "rheum")
    page.goto(f"{live_server.url}/screening/cohort/")
    page.get_by_label("Site").select_option("north")
    page.get_by_role("button", name="Show").click()
    due = page.locator(".cohort-due-soon-pager")
    overdue = page.locator(".cohort-overdue-pager")
    expect(due).to_contain_text("Page 1 of 3 · 5 items due")
    due.get_by_role("link", name="Next").click()
    expect(due).to_contain_text("Page 2 of 3")
    overdue.get_by_role("link", name="Next").click()
    expect(overdue).to_contain_text("Page 2 of 3")
    expect(due).to_contain_text("Page 2 of 3")  # the other list stays where it was
    assert query_of(page) == {"site": ["north"], "due_page": ["2"], "overdue_page": ["2"]}
    expect(page.locator("table.cohort-overdue tbody tr")).to_have_count(2)
    screenshot(page, "both-lists-page-2")


def test_lung_cohort_pages_each_list_apart(page: Page, live_server, site, rheumatologist,
                                           two_per_page):
    for n in range(3):
        _lung_patient(site, n)
    log_in(page, live_server.url, "rheum")
    page.goto(f"{live_server.url}/lung/cohort/?site=north")
    mda5, progression = page.locator(".cohort-mda5-pager"), page.locator(
        ".cohort-progression-pager")
    expect(mda5).to_contain_text("Page 1 of 2 · 3 patients")
    progression.get_by_role("link", name="Next").click()
    expect(progression).to_contain_text("Page 2 of 2")
    expect(mda5).to_contain_text("Page 1 of 2")
    expect(page.locator("table.cohort-progression tbody tr")).to_have_count(1)
    assert query_of(page) == {"site": ["north"], "progression_page": ["2"]}
