"""The two roles without clinical data, in real Chromium: a privacy officer searches the trail
for one patient (the MRN never shows in the address bar), opens the patient's access report
and exports the rows; a site admin creates an account whose person sets their own password
from the one-time link, then logs in."""

import pytest
from playwright.sync_api import Page, expect

from cadm.services.audit import audit_record
from cadm.services.patients import patient_view_log
from tests.browser.session import log_in
from tests.browser.test_csp_browser import violations  # noqa: F401  (a fixture)
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
NEW_PASSWORD = "gottron-papules-77"


@pytest.fixture
def trail(site, other_site, rheumatologist, dermatologist, outsider):
    here = PatientFactory(site=site, created_by=rheumatologist, mrn="N-0042",
                          family_name="Hereford", given_name="Ada")
    other = PatientFactory(site=site, created_by=rheumatologist, mrn="N-0043",
                           family_name="Otherly", given_name="Cy")
    for patient in (here, other, here):
        patient_view_log(actor=rheumatologist, patient=patient)
    audit_record(actor=rheumatologist, action="patient.update", target=here, patient=here,
                 detail={"fields": ["notes", "diagnosis_date"]})
    patient_view_log(actor=dermatologist, patient=here)
    audit_record(actor=outsider, action="patient.view_refused", target=here, patient=here,
                 detail={"status": 404})
    return here


def test_privacy_officer_finds_who_accessed_a_record(page: Page, live_server, site, trail,
                                                     screenshot, violations):  # noqa: F811
    UserFactory(username="privacy", first_name="Rosa", last_name="Auditor",
                role="privacy_officer", sites=[site])
    log_in(page, live_server.url, "privacy")
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.get_by_test_id("audit-rows")).to_contain_text("Otherly, Cy")
    screenshot(page, "trail")

    page.get_by_label("Patient", exact=True).fill("n-0042")
    page.get_by_label("Action").fill("patient.")
    page.get_by_role("button", name="Search").click()
    rows = page.get_by_test_id("audit-rows").locator("tbody tr")
    expect(rows).to_have_count(5)
    expect(page.get_by_test_id("audit-rows")).not_to_contain_text("Otherly")
    assert "0042" not in page.url and "q=" in page.url
    screenshot(page, "trail-one-patient")
    assert violations(page.url) == []

    with page.expect_download() as download:
        page.get_by_test_id("audit-export").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.count("N-0042") == 5 and "N-0043" not in text

    page.get_by_test_id("audit-report-link").click()
    expect(page.get_by_role("heading", name="Who accessed this record")).to_contain_text(
        "Hereford, Ada")
    accessors = page.get_by_test_id("report-accessors")
    for name in ("rheum", "derm", "outsider", "privacy"):
        expect(accessors).to_contain_text(name)
    assert "0042" not in page.url
    screenshot(page, "report")
    assert violations(page.url) == []
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    screenshot(page, "report-print")


def test_site_admin_creates_an_account_and_its_person_sets_the_password(
        page: Page, live_server, site, browser, screenshot, violations):  # noqa: F811
    UserFactory(username="siteadmin", first_name="Flo", last_name="Admin", role="site_admin",
                sites=[site])
    UserFactory(username="derm", role="dermatologist", sites=[site])
    log_in(page, live_server.url, "siteadmin")
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_test_id("user-rows")).to_contain_text("derm")
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Username").fill("nurse.kim")
    page.get_by_label("First name").fill("Kim")
    page.get_by_label("Last name").fill("Carer")
    page.get_by_label("Role").select_option("dermatologist")
    page.get_by_label("North Clinic").check()
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_role("heading", name="Account created")).to_be_visible()
    link = page.get_by_test_id("set-password-link").inner_text()
    screenshot(page, "link-shown-once")
    page.get_by_role("link", name="Back to the account").click()
    expect(page.get_by_test_id("account-history")).to_contain_text("user.create")
    screenshot(page, "account")
    assert violations(page.url) == []

    person = browser.new_context().new_page()
    person.goto(link)
    person.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    person.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    screenshot(person, "set-password")
    person.get_by_role("button", name="Set the password").click()
    expect(person.get_by_role("status")).to_have_text("Password set: log in with it.")
    person.get_by_label("Username").fill("nurse.kim")
    person.get_by_label("Password").fill(NEW_PASSWORD)
    person.get_by_role("button", name="Log in").click()
    expect(person.get_by_role("button", name="Log out")).to_be_visible()
    person.goto(link)
    expect(person.get_by_role("heading", name="This link no longer works")).to_be_visible()
