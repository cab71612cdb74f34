"""Searching patients by MRN or name in real Chromium without the MRN or the name reaching a
URL (issue 14 §7): the form is POSTed, the browser lands on `?q=<token>`, and paging, reload,
back and forward all keep the search. Every request the browser makes is watched: none has
the MRN or the name in its URL, where a proxy or the server's access log would keep it."""

import pytest
from playwright.sync_api import Page, expect

from cadm.models import AuditEvent
from tests.browser.session import log_in
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_per_page(monkeypatch):
    monkeypatch.setattr("cadm.views.patients.PAGE_SIZE", 2)


def test_search_by_mrn_and_name_never_puts_them_in_a_url(page: Page, live_server, site,
                                                         rheumatologist, two_per_page,
                                                         screenshot):
    for n in range(3):
        PatientFactory(site=site, family_name=f"Vasquez{n}", given_name="Lena",
                       mrn=f"QX-{n}")
    target = PatientFactory(site=site, family_name="Ferreira", given_name="Joana",
                            mrn="MRN-SECRET-88")
    requests = []
    page.on("request", lambda r: requests.append((r.method, r.url)))
    log_in(page, live_server.url, "rheum")
    page.goto(f"{live_server.url}/patients/")
    rows = page.locator("table.grid tbody tr")

    page.get_by_label("MRN or name").fill("mrn-secret-88")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Ferreira, Joana")
    expect(page.get_by_label("MRN or name")).to_have_value("mrn-secret-88")  # in the page
    screenshot(page, "by-mrn")

    page.get_by_label("MRN or name").fill("vasquez")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".pager")).to_contain_text("Page 1 of 2")
    page.get_by_role("link", name="Next").click()
    expect(page.locator(".pager")).to_contain_text("Page 2 of 2")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Vasquez2")
    page.reload()
    expect(rows).to_contain_text("Vasquez2")
    page.go_back()
    expect(page.locator(".pager")).to_contain_text("Page 1 of 2")
    expect(rows.first).to_contain_text("Vasquez0")
    page.go_back()  # the MRN search, still answered from its token
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Ferreira, Joana")
    page.go_forward()
    expect(page.locator(".pager")).to_contain_text("Page 1 of 2")

    urls = " ".join(url.lower() for _, url in requests)
    for words in ("mrn-secret-88", "vasquez", "ferreira"):
        assert words not in urls
    assert [m for m, url in requests if url.endswith("/patients/") and m == "POST"]

    # Each page shown was a read of the patients on it (ids only in the trail).
    shown = AuditEvent.objects.filter(actor=rheumatologist, action="patient.list_view",
                                      detail__what="patient-list")
    assert any(str(target.public_id) in row.detail["patients"] for row in shown)


def test_an_address_with_the_words_in_it_searches_nothing(page: Page, live_server, site,
                                                          rheumatologist):
    PatientFactory(site=site, family_name="Ferreira", mrn="MRN-SECRET-88")
    PatientFactory(site=site, family_name="Other", mrn="MRN-2")
    log_in(page, live_server.url, "rheum")
    page.goto(f"{live_server.url}/patients/?q=Ferreira")  # an old bookmark
    expect(page.get_by_text("Searches are not read from the address")).to_be_visible()
    expect(page.locator("table.grid tbody tr")).to_have_count(2)
