"""The worklist in real Chromium: a dermatologist works a critical anti-MDA5 flag; sorts,
searches and narrows the list to one patient with several live flags."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from cadm.models import Flag
from cadm.services.evaluation import patient_reevaluate
from tests.browser.test_visit_entry_browser import log_in
from tests.cadm.views.test_worklist_search_sort import make_flag
from tests.factories import AntibodyFactory, PatientFactory, VisitFactory

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = dt.date.today()


@pytest.fixture
def mda5_flag(site, rheumatologist, dermatologist):
    patient = PatientFactory(site=site, created_by=rheumatologist, family_name="Lungrisk",
                             given_name="Mia", birth_date=dt.date(1990, 6, 1),
                             skin_onset_date=TODAY - dt.timedelta(days=300),
                             diagnosis_date=TODAY - dt.timedelta(days=250))
    VisitFactory(patient=patient, visit_on=TODAY - dt.timedelta(days=250),
                 skin=["heliotrope", "gottron_papules"])
    AntibodyFactory(patient=patient, observed_on=TODAY - dt.timedelta(days=245))
    patient_reevaluate(patient.pk)
    return Flag.objects.get(patient=patient, code="LUNG_BASELINE_MISSING")


def test_dermatologist_dismisses_a_critical_mda5_flag(page: Page, live_server, mda5_flag,
                                                      screenshot):
    log_in(page, live_server.url, "derm")
    expect(page.get_by_role("heading", name="Flag worklist")).to_be_visible()
    row = page.locator("table.worklist tbody tr").first  # critical first
    expect(row).to_contain_text("Critical")
    expect(row).to_contain_text("Anti-MDA5 positive: no baseline")
    screenshot(page, "worklist")

    row.get_by_role("link", name="Anti-MDA5 positive").click()
    expect(page.get_by_text("ACR/CHEST", exact=False)).to_be_visible()
    expect(page.locator(".explain table")).to_contain_text("anti-MDA5")
    screenshot(page, "flag")

    dismiss = page.locator("form", has=page.get_by_role("heading", name="Dismiss"))
    dismiss.get_by_label("Reason").select_option("need-more-info")
    dismiss.get_by_label("Comment").fill("HRCT booked for next week")
    dismiss.get_by_role("button", name="Dismiss").click()

    expect(page.get_by_role("status")).to_have_text("Flag dismissed.")
    expect(page.get_by_role("link", name="Anti-MDA5 positive")).to_have_count(0)
    screenshot(page, "after-dismiss")
    mda5_flag.refresh_from_db()
    assert mda5_flag.state == "dismissed"
    assert mda5_flag.actions.last().reason == "need-more-info"


@pytest.fixture
def busy_clinic(site, rheumatologist, dermatologist):
    """One patient with three live flags among patients with one each."""
    iris = PatientFactory(site=site, created_by=rheumatologist, family_name="Several",
                          given_name="Iris", mrn="N-4242")
    make_flag(iris, "LUNG_BASELINE_MISSING", severity="critical", days_old=3,
              summary="Iris: no baseline lung tests")
    make_flag(iris, "SCREENING_OVERDUE", severity="warning", days_old=40,
              summary="Iris: cancer screening overdue")
    make_flag(iris, "PFT_DUE", severity="info", state="acknowledged", days_old=60,
              summary="Iris: lung function test due")
    for n, family in enumerate(("Abbott", "Mendez", "Zhou", "Okafor")):
        other = PatientFactory(site=site, created_by=rheumatologist, family_name=family)
        make_flag(other, "SCREENING_OVERDUE", severity=("critical", "warning")[n % 2],
                  days_old=10 + n, summary=f"{family}: cancer screening overdue")
    return iris


def test_dermatologist_sorts_searches_and_narrows_to_one_patient(page: Page, live_server,
                                                                  busy_clinic, screenshot):
    rows = page.locator("table.worklist tbody tr")
    log_in(page, live_server.url, "derm")
    expect(page.locator('th[aria-sort="ascending"]')).to_have_text("Severity ▲")
    expect(rows).to_have_count(6)  # the acknowledged flag does not need attention
    expect(rows.filter(has_text="Several").first).to_contain_text("3 live flags")
    screenshot(page, "default")

    patient_header = page.get_by_role("columnheader", name="Patient")
    patient_header.get_by_role("link").click()
    expect(patient_header).to_have_attribute("aria-sort", "ascending")
    expect(rows.first).to_contain_text("Abbott")
    patient_header.get_by_role("link").click()
    expect(patient_header).to_have_attribute("aria-sort", "descending")
    expect(rows.first).to_contain_text("Zhou")

    page.get_by_label("Patient name or MRN").fill("n-4242")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(2)
    expect(patient_header).to_have_attribute("aria-sort", "descending")  # the sort was kept
    screenshot(page, "searched")

    rows.first.get_by_role("link", name="3 live flags").click()
    expect(page.get_by_text("Flags of Several, Iris")).to_be_visible()
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="Acknowledged")).to_contain_text("lung function test due")
    screenshot(page, "one-patient")

    page.get_by_role("link", name="All patients").click()
    expect(rows).to_have_count(7)  # state "not resolved" and the sort stay; the patient goes
